"""heapscope's own API, checked by heapscope's own pytest plugin: the leak finder does not leak."""

import subprocess
import sys

import pytest

import heapscope

KEEP = {"thing": object()}


@pytest.mark.no_leaks(runs=4, warmup=2)
def test_census_does_not_leak():
    heapscope.census()
    heapscope.census(keep_addresses=True).diff(heapscope.census())


@pytest.mark.no_leaks(runs=4, warmup=2)
def test_why_and_snapshot_do_not_leak():
    heapscope.why(KEEP["thing"])
    heapscope.snapshot(top=3).stats()


@pytest.mark.no_leaks(runs=4, warmup=2)
def test_check_does_not_leak():
    heapscope.check(lambda: None, runs=2, warmup=0)


@pytest.mark.no_leaks(runs=4, warmup=2)
def test_growth_does_not_leak():
    heapscope.growth()


# Run in a fresh interpreter: in a test worker, another test's daemon thread or
# a finalizer of its garbage may allocate between two walks, which is a birth
# heapscope must report, not one of its own.
OWN_WALKS = """
from heapscope import snapfile

first = snapfile.take(top=3)
second = snapfile.take(top=3)
born = second.born_after(first, 20)
assert born["born"] == 0, ("born between two snapshots", born["stories"])


def c_roots():
    return snapfile.take(top=3).stats()["root_kinds"].get("held by C code", 0)


kept = []
before = c_roots()
for _ in range(4):
    kept.append(snapfile.take(top=3))
after = c_roots()
assert after == before, ("roots held by C code", before, after)
print("ok")
"""


def test_what_heapscope_holds_is_left_out_of_its_own_walks():
    """A kept Snapshot's answers (Python objects only it holds) and the walk's
    own call arguments are heapscope's: a snapshot taken right after another
    finds nothing born in between, and keeping more snapshots adds no root
    held by C code."""
    r = subprocess.run([sys.executable, "-c", OWN_WALKS], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout == "ok\n", r.stderr


def test_a_census_does_not_count_what_kept_snapshots_hold():
    """Each kept Snapshot holds its answers (about a thousand dicts, lists,
    str and int for top=20): a census left the Snapshot out but counted them,
    so keeping snapshots looked like growth.  What the user holds of them
    (the dict results() returned) is the user's, and counts."""
    heapscope.snapshot()  # first use: imports, caches
    before = heapscope.census()
    kept = [heapscope.snapshot() for _ in range(3)]
    assert kept[0].results()["top_retainers"]  # there are answers to leave out
    grown = {row[0]: row[2] for row in heapscope.census().diff(before)}
    # (was about 360 dicts and 2,300 str; the list `kept` itself is the user's)
    answers = sum(grown.get(t, 0) for t in ("dict", "list", "str", "int"))
    assert grown.get("dict", 0) == 0 and answers <= 6, grown
    held = kept[0].results()
    with_held = {row[0]: row[2] for row in heapscope.census().diff(before)}
    assert with_held.get("dict", 0) >= 10 and with_held.get("str", 0) >= 10, with_held
    del held
