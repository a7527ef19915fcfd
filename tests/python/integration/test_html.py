"""--html: one self-contained page per report, loaded in headless Chromium.

Each command's page is opened by a real browser (Debian's chromium); the
page records its own script errors and when it has rendered in attributes
of <html>, which the DOM dump shows; the tests check the key elements in
that DOM (stories with their hops and hints, the treemaps, the growth
chart) against the command's own JSON, and take a screenshot.
"""

from __future__ import annotations

import html.parser
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import tool_env

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.external,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs Debian's chromium)"),
]
ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..")
EXAMPLE = os.path.join(ROOT, "examples", "class_registry.py")


class Dom(html.parser.HTMLParser):
    """The elements of a DOM dump: tag, attributes, text inside."""

    def __init__(self, text):
        super().__init__()
        self.elements, self._open = [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        e = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(e)
        if tag not in ("meta", "br", "img", "input", "link"):
            self._open.append(e)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for e in self._open:
            e["text"] += data

    def find(self, tag=None, cls=None, **attrs):
        return [
            e
            for e in self.elements
            if (tag is None or e["tag"] == tag)
            and (cls is None or cls in (e["attrs"].get("class") or "").split())
            and all(e["attrs"].get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]


def chromium(*args, timeout=120):
    return subprocess.run(
        [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=tool_env(),
    )


def load(page, tmp_path):
    """The page's DOM after its script ran, and a screenshot."""
    proc = chromium("--virtual-time-budget=5000", "--dump-dom", f"file://{page}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Uncaught" not in proc.stderr, proc.stderr[-2000:]
    dom = Dom(proc.stdout)
    (root,) = dom.find("html")
    assert root["attrs"]["data-rendered"] == "1" and root["attrs"]["data-js-errors"] == "0", root["attrs"]
    shot = tmp_path / (os.path.basename(page) + ".png")
    chromium("--hide-scrollbars", "--window-size=1280,1600", f"--screenshot={shot}", f"file://{page}")
    assert shot.stat().st_size > 20_000  # a drawn page, not a blank one
    return dom


def heapscope(*args, cwd=None, check=True):
    proc = subprocess.run(
        [sys.executable, "-m", "heapscope", *args], capture_output=True, text=True, timeout=300, cwd=cwd
    )
    if check:
        assert proc.returncode in (0, 1), proc.stderr
    return proc


def self_contained(page):
    text = open(page, encoding="utf-8").read()
    for outside in ("<script src", "<link", "url(", "@import", "fetch(", "XMLHttpRequest"):
        assert outside not in text, outside
    return text


def test_check_page_shows_the_story_hint_site_and_growth(tmp_path):
    page = tmp_path / "check.html"
    proc = heapscope("check", f"{EXAMPLE}:step", "--html", str(page), "--json")
    report = json.loads(proc.stdout)
    self_contained(page)
    dom = load(page, tmp_path)
    assert dom.find(id="verdict")[0]["text"] == "leak"
    stories = dom.find("details", "story")
    assert [s["attrs"]["data-type"] for s in stories] == [
        st["type"] for leak in report["leaks"] for st in leak["stories"]
    ]
    story = report["leaks"][0]["stories"][0]
    hops = [h["text"] for h in dom.find("li", "hop")]
    assert len(hops) == len(story["hops"])
    assert all(h["kind"] in text for h, text in zip(story["hops"], hops))
    assert "._ClassB__values" in hops[4] and "dict key" in hops[5]
    (hint,) = dom.find(cls="hint")
    assert hint["attrs"]["data-rule"] == "weak-key-registry" and "WeakKeyDictionary" in hint["text"]
    assert any("class_registry.py:30" in s["text"] for s in dom.find(cls="site"))
    cells = [e for e in dom.find("rect", "cell")]
    assert len(cells) == 2  # one type, one holder
    (line,) = dom.find("polyline", "series")
    assert line["attrs"]["data-name"] == "class_registry.ClassA"
    assert len(line["attrs"]["points"].split()) == report["runs"]
    rows = dom.find("table", id="growth-rows")
    assert rows and "class_registry.ClassA" in rows[0]["text"]


def test_stories_held_through_another_leak_come_last_folded_and_name_it(tmp_path):
    script = os.path.join(os.path.dirname(__file__), "signals_app.py")
    page = tmp_path / "through.html"
    report = json.loads(heapscope("check", f"{script}:step", "--html", str(page), "--json").stdout)
    stories = [st for leak in report["leaks"] for st in leak.get("stories", [])]
    through = [st for st in stories if st.get("held_through")]
    assert through and all(st["held_through"] == "signals_app.Receiver" for st in through), stories
    dom = load(page, tmp_path)
    shown = dom.find("details", "story")
    told = [s for s in shown if "through" not in s["attrs"]["class"].split()]
    folded = [s for s in shown if "through" in s["attrs"]["class"].split()]
    assert shown == told + folded and len(folded) == len(through) and len(told) == len(stories) - len(through)
    assert [s["attrs"]["data-type"] for s in told] == ["signals_app.Receiver"]
    assert all("open" not in s["attrs"] for s in folded) and "open" in told[0]["attrs"]
    notes = dom.find(cls="held-through")
    assert len(notes) == len(folded)
    assert all("the leaked signals_app.Receiver objects" in n["text"] for n in notes)
    # Their bytes are in the receivers' retained size: the treemap by type draws them once.
    assert sorted(c["attrs"]["data-name"] for c in dom.find("rect", "cell")) == [
        "signals_app.Receiver",
        "signals_app.receivers",
    ]


def test_report_and_diff_pages(tmp_path):
    script = tmp_path / "grow.py"
    script.write_text(
        textwrap.dedent(
            """
            import os, signal
            class Session:
                def __init__(self, i):
                    self.payload = [i] * 20
            class Registry:
                items = {}
            for i in range(3000):
                Registry.items[i] = Session(i)
            os.kill(os.getpid(), signal.SIGUSR2)
            for i in range(3000, 6000):
                Registry.items[i] = Session(i)
            """
        )
    )
    snap = tmp_path / "s.hsnap"
    heapscope("snapshot", "-o", str(snap), str(script))
    files = sorted(tmp_path.glob("s.hsnap*"), key=os.path.getsize)
    page = tmp_path / "report.html"
    summary = json.loads(heapscope("report", str(files[-1]), "--html", str(page), "--json").stdout)
    dom = load(page, tmp_path)
    retainers = dom.find("details", "story")
    assert len(retainers) == len(summary["top_retainers"])
    assert any("__main__.Registry.items" in r["text"] for r in retainers)
    # Nested retainers are drawn once: the holder treemap's cells do not overlap in bytes.
    assert dom.find("rect", "cell")
    page = tmp_path / "diff.html"
    diff = json.loads(heapscope("diff", str(files[0]), str(files[-1]), "--html", str(page), "--json").stdout)
    dom = load(page, tmp_path)
    assert dom.find(id="verdict")[0]["text"] == ("leak" if diff["leaks"] else "no leak")
    assert [s["attrs"]["data-type"] for s in dom.find("details", "story")] == [
        s["type"] for s in diff["stories"]
    ]
    assert any(s["attrs"]["data-type"] == "__main__.Session" for s in dom.find("details", "story"))
    assert len(dom.find("rect", "bar")) == min(20, len([g for g in diff["growth"] if g["delta"]]))


def test_run_and_attach_pages(tmp_path):
    script = tmp_path / "svc.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys, time
            class Job:
                pass
            jobs = []
            print("ready", flush=True)
            end = time.time() + float(sys.argv[1])
            while time.time() < end:
                jobs.extend(Job() for _ in range(50))
                time.sleep(0.05)
            """
        )
    )
    page = tmp_path / "run.html"
    heapscope("run", "--every", "0.5", "--html", str(page), str(script), "2.2")
    dom = load(page, tmp_path)
    assert any(s["attrs"]["data-type"] == "__main__.Job" for s in dom.find("details", "story"))
    target = subprocess.Popen([sys.executable, str(script), "60"], stdout=subprocess.PIPE, text=True)
    try:
        assert target.stdout.readline().strip() == "ready"
        page = tmp_path / "attach.html"
        proc = heapscope(
            "attach", str(target.pid), "--samples", "3", "--interval", "0.5", "--html", str(page)
        )
        assert proc.returncode == 1, proc.stderr
        dom = load(page, tmp_path)
        names = [p["attrs"]["data-name"] for p in dom.find("polyline", "series")]
        assert "__main__.Job" in names and "all objects" in names
        assert "pid " + str(target.pid) in dom.find(id="meta")[0]["text"]
    finally:
        target.send_signal(signal.SIGKILL)
        target.wait()


def test_hostile_names_stay_text(tmp_path):
    """A type named like markup is shown as text: no element of it, no script run."""
    mod = tmp_path / "hostile.py"
    mod.write_text(
        textwrap.dedent(
            """
            class Evil:
                pass
            Evil.__qualname__ = "</script><img src=x onerror=alert(1)><!--"
            kept = []
            def step():
                kept.append(Evil())
            """
        )
    )
    page = tmp_path / "hostile.html"
    heapscope("check", f"{mod}:step", "--html", str(page), "--no-trace", cwd=str(tmp_path))
    dom = load(page, tmp_path)
    assert not dom.find("img")
    assert any("onerror=alert(1)" in s["attrs"]["data-type"] for s in dom.find("details", "story"))


def test_html_needs_no_network(tmp_path):
    """The page renders the same with every host unresolvable."""
    page = tmp_path / "check.html"
    heapscope("check", f"{EXAMPLE}:step", "--html", str(page), "--no-trace")
    t0 = time.monotonic()
    proc = chromium(
        "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=5000", "--dump-dom", f"file://{page}"
    )
    assert time.monotonic() - t0 < 120
    dom = Dom(proc.stdout)
    assert dom.find("html")[0]["attrs"]["data-rendered"] == "1"
    assert dom.find("details", "story")


def test_html_bad_path_is_one_line(tmp_path):
    proc = heapscope("check", f"{EXAMPLE}:step", "--html", str(tmp_path / "no" / "x.html"), "--no-trace")
    assert "cannot write" in proc.stderr and "Traceback" not in proc.stderr
