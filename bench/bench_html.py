"""The HTML report of a big snapshot, rendered by headless Chromium.

    python bench/bench_html.py [--tracked 5000000]

Writes a snapshot of a heap of TRACKED GC-tracked containers (bench/heaps.py;
5M is about 10M objects), then times `heapscope report FILE --html` and the
page in Chromium: the page's own render time (its script records it in
<html data-render-ms>) and the browser's wall time to a rendered DOM.
Goal (#16): under 2 s to a rendered page for a 5M-object snapshot.  There is
no peer: no Python heap tool writes such a page.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tracked", type=int, default=5_000_000)
    args = ap.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("bench_html: chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as d:
        snap = os.path.join(d, "big.hsnap")
        code = (
            f"import sys; sys.path.insert(0, {HERE!r}); import heaps, gc; keep = heaps.build({args.tracked}); "
            f"from heapscope import snapfile; snapfile.write(snapfile.take(top=20), {snap!r})"
        )
        subprocess.run([sys.executable, "-c", code], check=True)
        page = os.path.join(d, "big.html")
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "heapscope", "report", snap, "--html", page, "--quiet"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        t_report = time.perf_counter() - t0
        t0 = time.perf_counter()
        dom = subprocess.run(
            [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--dump-dom", f"file://{page}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        t_browser = time.perf_counter() - t0
        render = float(re.search(r'data-render-ms="([\d.]+)"', dom).group(1))
        objects = re.search(r"([\d,]+) objects", dom).group(1)
        print(
            f"snapshot: {objects} objects, {os.path.getsize(snap) / 1e6:.0f} MB; page {os.path.getsize(page) / 1e3:.0f} kB"
        )
        print(f"heapscope report --html: {t_report:.2f} s (reading the snapshot file included)")
        print(f"chromium, start to rendered DOM: {t_browser:.2f} s; the page's own script: {render:.0f} ms")
        print(f"file to rendered page: {t_report + t_browser:.2f} s (goal: under 2 s)")


if __name__ == "__main__":
    main()
