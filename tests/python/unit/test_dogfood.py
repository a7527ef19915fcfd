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
