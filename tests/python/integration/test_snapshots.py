"""Snapshot files: round trip, diff, report, and every kind of bad file."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import signals_app
from conftest import run_heapscope, validate

import heapscope
from heapscope import snapfile


class Session:
    pass


class Registry:
    items = {}


def test_round_trip_keeps_objects_edges_and_roots(tmp_path):
    path = str(tmp_path / "a.hsnap")
    snap = snapfile.take(top=5)
    snapfile.write(snap, path)
    loaded = snapfile.load(path)
    a, b = snap.stats(), loaded.snapshot.stats()
    assert (a["objects"], a["edges"], a["types"]) == (b["objects"], b["edges"], b["types"])
    assert a["root_kinds"] == b["root_kinds"]
    assert sorted(snap.type_rows()) == sorted(loaded.snapshot.type_rows())
    assert loaded.meta["pid"] == str(os.getpid()) and loaded.meta["python"]
    assert loaded.results["top_retainers"] == json.loads(json.dumps(snap.results()["top_retainers"]))
    obj = Registry.items  # any object: same retained size from the file as live
    assert loaded.snapshot.retained_size(id(obj)) == snap.retained_size(id(obj))
    size = os.path.getsize(path)
    # budget: 24 bytes per object plus 4 per edge, before compression, the path
    # labels (1 byte per object, 4 more for each named one, and the names' text)
    # and the retained sizes (8 bytes per object)
    assert size <= 37 * a["objects"] + 4 * a["edges"] + 256 * 1024 + len(json.dumps(snap.results()))


def test_more_than_65536_types_keep_their_names_live_and_through_a_file(tmp_path):
    """Type ids take 2 bytes a node up to 65,536 types and 4 past them: the
    walk widens them when the 65,537th type appears, the file reader picks
    the width from the file.  Objects of types from before and after that
    point keep their own type, live and loaded."""
    code = textwrap.dedent(
        """
        import sys
        import heapscope
        from heapscope import snapfile
        classes = [type(f"Kind{i}", (), {}) for i in range(70000)]
        keep = [c() for c in classes]
        snap = snapfile.take(top=3)
        assert snap.stats()["types"] > 65536, snap.stats()["types"]
        snapfile.write(snap, sys.argv[1])
        loaded = snapfile.load(sys.argv[1]).snapshot
        assert sorted(loaded.type_rows()) == sorted(snap.type_rows())
        for i in (0, 65535, 65536, 69999):
            for s in (snap, loaded):
                assert s.path_types(id(keep[i]))[-1][0] == f"__main__.Kind{i}", (i, s.path_types(id(keep[i])))
        rows = {name: count for name, count, size in snap.type_rows()}
        assert rows["__main__.Kind0"] == rows["__main__.Kind69999"] == 1
        assert "__main__.Kind69999" in str(heapscope.why(keep[69999], snapshot=snap))
        print("ok")
        """
    )
    path = str(tmp_path / "types.hsnap")
    r = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_diff_of_three_files_applies_checks_rule(tmp_path):
    paths = [str(tmp_path / f"{i}.hsnap") for i in range(3)]
    for i, path in enumerate(paths):
        if i:
            for j in range(40):
                Registry.items[Session()] = j
        snapfile.write(snapfile.take(top=0), path)
    try:
        r = run_heapscope("diff", "--json", *paths)
        doc = json.loads(r.stdout)
        name = f"{__name__}.Session"
        assert r.returncode == 1 and doc["files"] == 3 and name in doc["leaks"], doc["leaks"]
        # a fourth file where nothing grew: not every interval grew, so no leak
        snapfile.write(snapfile.take(top=0), str(tmp_path / "3.hsnap"))
        r = run_heapscope("diff", "--json", *paths, str(tmp_path / "3.hsnap"))
        assert name not in json.loads(r.stdout)["leaks"]
    finally:
        Registry.items.clear()


def test_diff_finds_the_objects_born_in_between(tmp_path):
    a, b = str(tmp_path / "a.hsnap"), str(tmp_path / "b.hsnap")
    snapfile.write(snapfile.take(), a)
    for i in range(250):
        Registry.items[Session()] = i
    snapfile.write(snapfile.take(), b)
    try:
        d = snapfile.diff(snapfile.load(a), snapfile.load(b))
        assert d.same_process
        story = next(s for s in d.stories if s.type.endswith("Session"))
        assert story.count == 250
        # labelled from the file as live: the class attribute and the dict's key kind
        short = story.type.rsplit(".", 1)[-1]
        assert story.path.general_text == f"{__name__}.Registry.items[<{short}> (key)]"
        assert story.path.root.kind == "class attribute"
        assert [h.kind for h in story.path.hops if h.label][-2:] == ["class attribute", "dict key"]
        grew = {g.type: g.delta for g in d.growth}
        assert grew[story.type] == 250
        r = run_heapscope("diff", a, b)
        assert r.returncode == 1 and "250 " + story.type in r.stdout and r.stdout.startswith("LEAK")
        r = run_heapscope("diff", "--json", a, b)
        doc = json.loads(r.stdout)
        assert doc["born"] >= 250 and doc["verdict"] == "leak" and story.type in doc["leaks"]
        assert d.leaks and story.type in d.leaks
    finally:
        Registry.items.clear()


def test_diff_names_the_leaked_class_a_story_runs_through(tmp_path):
    """A receiver left in a list keeps its app and the app's rules: all three
    grow, but only the receiver's story is told; the others name it, as
    check's report does, in the text, the JSON and after the stories that do not."""
    paths = [str(tmp_path / f"{i}.hsnap") for i in range(3)]
    for i, path in enumerate(paths):
        if i:
            signals_app.receivers.extend(signals_app.Receiver() for _ in range(40))
        snapfile.write(snapfile.take(top=0), path)
    try:
        rec, app, rule = (f"signals_app.{t}" for t in ("Receiver", "App", "Rule"))
        d = snapfile.diff(snapfile.load(paths[0]), snapfile.load(paths[2]), between=[snapfile.load(paths[1])])
        assert {rec, app, rule} <= set(d.leaks), d.leaks
        of = {t: [s for s in d.stories if s.type == t] for t in (rec, app, rule)}
        assert [(s.count, s.held_through) for s in of[rec]] == [(80, None)]
        assert [(s.count, s.held_through) for s in of[app]] == [(80, rec)]
        assert {s.held_through for s in of[rule]} == {rec} and sum(s.count for s in of[rule]) == 240
        told = [s.held_through is None for s in d.stories]
        assert told == sorted(told, reverse=True)  # the stories told come first
        r = run_heapscope("diff", *paths)
        assert r.returncode == 1, r.stderr
        assert f"  80 {rec} (" in r.stdout and f"  80 {app} (" not in r.stdout, r.stdout
        assert f"  240 {rule} held through the leaked {rec} objects above\n" in r.stdout, r.stdout
        r = run_heapscope("diff", "--json", *paths)
        doc = json.loads(r.stdout)
        validate(doc, "diff")
        assert {s["type"]: s.get("held_through") for s in doc["stories"]}[app] == rec
    finally:
        signals_app.receivers.clear()


SCRIPT = textwrap.dedent(
    """
    import sys, time, pathlib
    class Order:
        pass
    ORDERS = []
    for _ in range(int(sys.argv[1])):
        ORDERS.append(Order())
    if len(sys.argv) > 2:
        pathlib.Path(sys.argv[2]).write_text("ready")
        time.sleep(3)
    """
)


def test_snapshot_command_and_report(tmp_path):
    script = tmp_path / "svc.py"
    script.write_text(SCRIPT)
    out = tmp_path / "svc.hsnap"
    r = run_heapscope("snapshot", "-o", str(out), str(script), "123")
    assert r.returncode == 0, r.stderr
    assert f"wrote snapshot {out}" in r.stderr
    r = run_heapscope("report", str(out))
    assert r.returncode == 0
    assert "largest types" in r.stdout and "retaining the most memory" in r.stdout
    doc = json.loads(run_heapscope("report", "--json", "--top", "100000", str(out)).stdout)
    assert any(t["type"] == "__main__.Order" and t["count"] == 123 for t in doc["types"])
    assert doc["meta"]["argv"].endswith("123")


def test_snapshot_on_sigusr2_while_running(tmp_path):
    script = tmp_path / "svc.py"
    script.write_text(SCRIPT)
    out, ready = tmp_path / "live.hsnap", tmp_path / "ready"
    proc = subprocess.Popen(
        [sys.executable, "-m", "heapscope", "snapshot", "-o", str(out), str(script), "50", str(ready)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.time() + 30
        while not ready.exists() and time.time() < deadline:
            time.sleep(0.05)
        assert ready.exists()
        proc.send_signal(signal.SIGUSR2)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0
        assert os.path.exists(f"{out}.1") and os.path.exists(out)
        live = snapfile.load(f"{out}.1")
        assert dict((t, c) for t, c, _ in live.census()).get("__main__.Order") == 50
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "good.hsnap"
    snapfile.write(snapfile.take(top=0), str(path))
    return path


def corrupt(path, tmp_path, name, mutate):
    data = bytearray(path.read_bytes())
    mutate(data)
    bad = tmp_path / name
    bad.write_bytes(bytes(data))
    return bad


@pytest.mark.parametrize(
    "name, mutate, words",
    [
        ("truncated", lambda d: d.__delitem__(slice(len(d) // 2, None)), "truncated"),
        ("header-only", lambda d: d.__delitem__(slice(40, None)), "truncated"),
        ("flipped", lambda d: d.__setitem__(len(d) // 2, d[len(d) // 2] ^ 0xFF), "checksum"),
        ("version", lambda d: d.__setitem__(8, 9), "version 9"),
        ("foreign", lambda d: d.__setitem__(slice(0, 8), b"\x89PNG\r\n\x1a\n"), "not a heapscope snapshot"),
        ("empty", lambda d: d.clear(), "not a heapscope snapshot"),
    ],
)
def test_bad_files_give_one_line_and_exit_2(good_file, tmp_path, name, mutate, words):
    bad = corrupt(good_file, tmp_path, name, mutate)
    with pytest.raises(heapscope.HeapscopeError) as info:
        snapfile.load(str(bad))
    assert words in str(info.value)
    for cmd in (["report", str(bad)], ["diff", str(good_file), str(bad)]):
        r = run_heapscope(*cmd)
        assert r.returncode == 2
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("heapscope: error:") and words in lines[0], r.stderr


def test_missing_file(tmp_path):
    r = run_heapscope("report", str(tmp_path / "nope.hsnap"))
    assert r.returncode == 2
    assert "no such file" in r.stderr and len(r.stderr.strip().splitlines()) == 1
