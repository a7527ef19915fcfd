"""heapscope's own API, checked by heapscope's own pytest plugin: the leak finder does not leak."""

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


def test_what_heapscope_holds_is_left_out_of_its_own_walks():
    """A kept Snapshot's answers (Python objects only it holds) and the walk's
    own call arguments are heapscope's: a snapshot taken right after another
    finds nothing born in between, and keeping more snapshots adds no root
    held by C code."""
    from heapscope import snapfile

    first = snapfile.take(top=3)
    second = snapfile.take(top=3)
    born = second.born_after(first, 20)
    assert born["born"] == 0, born["stories"]
    def c_roots():
        return snapfile.take(top=3).stats()["root_kinds"].get("held by C code", 0)

    kept = []
    before = c_roots()
    for _ in range(4):
        kept.append(snapfile.take(top=3))
    assert c_roots() == before
