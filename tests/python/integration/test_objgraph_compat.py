"""heapscope.objgraph passes objgraph's own test suite and doc tests.

The objgraph sdist from PyPI ships tests.py and docs/*.txt (doctests that
draw real graphs with Graphviz).  The test fetches it, applies
tests/objgraph/objgraph-tests.patch (the intended differences, each
commented in the patch), puts heapscope.objgraph in place of objgraph, and
runs objgraph's own runner.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile

import pytest

OBJGRAPH = "objgraph==3.7.0"
PATCH = os.path.join(os.path.dirname(__file__), "..", "..", "objgraph", "objgraph-tests.patch")
SHIM = 'import sys\nimport heapscope.objgraph as _m\nsys.modules["objgraph"] = _m\n'


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    if shutil.which("dot") is None or shutil.which("patch") is None:
        pytest.skip(
            "objgraph's doc tests render with Graphviz's dot (CI installs graphviz); patch applies the diff"
        )
    d = tmp_path_factory.mktemp("objgraph")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--ignore-requires-python",  # 3.7.0 says 3.10+; its tests run on 3.9 as well
            "--no-binary",
            ":all:",
            "-d",
            str(d),
            OBJGRAPH,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, "cannot fetch objgraph's sdist from PyPI: " + proc.stderr[-1000:]
    (sdist,) = d.glob("objgraph-*.tar.gz")
    with tarfile.open(sdist) as tar:
        tar.extractall(d, filter="data") if sys.version_info >= (3, 12) else tar.extractall(d)
    (src,) = [p for p in d.iterdir() if p.is_dir()]
    applied = subprocess.run(
        ["patch", "-p1", "-i", os.path.abspath(PATCH)], cwd=src, capture_output=True, text=True
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    (src / "objgraph.py").write_text(SHIM)  # objgraph's own module is never imported
    return src


def test_objgraphs_suite_passes_on_heapscope(suite):
    proc = subprocess.run(
        [sys.executable, "tests.py"], cwd=suite, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    ran = [line for line in proc.stderr.splitlines() if line.startswith("Ran ")]
    assert ran and int(ran[0].split()[1]) >= 25, proc.stderr[-2000:]  # the unit tests and every doc file


def test_the_suite_can_fail(suite, tmp_path):
    """The same runner, with count() broken: objgraph's tests notice."""
    broken = tmp_path / "broken"
    shutil.copytree(suite, broken)
    (broken / "objgraph.py").write_text(SHIM + "_m.count = lambda *args, **kw: 0\n")
    proc = subprocess.run(
        [sys.executable, "tests.py"], cwd=broken, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode != 0 and "CountTest" in proc.stderr


def test_counts_see_what_objgraph_cannot():
    """The intended difference: every object counts, tracked by the collector or not."""
    import gc

    import heapscope.objgraph as hog

    marker = [f"heapscope-marker-{i}" for i in range(1000)]
    tracked = sum(1 for o in gc.get_objects() if type(o) is str)
    assert hog.count("str") >= tracked + len(marker)
    assert marker[7] in hog.by_type("str")
    assert abs(hog.typestats()["str"] - hog.count("str")) <= 10  # a few strs come and go between calls
