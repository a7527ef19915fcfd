"""The pytest plugin on real test files, run by a real pytest."""

import subprocess
import sys
import textwrap

TESTS = textwrap.dedent(
    """
    import functools
    import logging
    import re
    import pytest

    class Session:
        pass

    REGISTRY = {}
    CALLBACKS = []

    class Widget:
        def on_event(self):
            pass

    @pytest.fixture
    def registry():
        return REGISTRY

    @pytest.mark.no_leaks
    def test_registry_leak(registry):
        s = Session()
        registry[s] = "x"

    @pytest.mark.no_leaks
    def test_bound_method_callbacks():
        CALLBACKS.append(Widget().on_event)

    @pytest.mark.no_leaks
    def test_clean():
        data = [Session() for _ in range(10)]
        assert len(data) == 10

    @functools.lru_cache(maxsize=16)
    def square(n):
        return n * n

    @pytest.mark.no_leaks
    def test_bounded_lru_cache_is_fine():
        for i in range(40):
            square(i)

    @pytest.mark.no_leaks
    def test_module_caches_filled_once():
        re.compile(r"x+y*")
        logging.getLogger("app.component").debug("hello")

    @pytest.mark.no_leaks(ignore_types=["__main__.Session", "test_leaky.Session"])
    def test_ignored_type(registry):
        registry[Session()] = 1

    def test_fixture_api(leak_check):
        bag = []
        with pytest.raises(AssertionError) as info:
            leak_check(lambda: bag.append(Session()), runs=3, warmup=1)
        assert "Session" in str(info.value)
        leak_check(lambda: len(bag))
    """
)


def run_pytest(tmp_path, *args):
    (tmp_path / "test_leaky.py").write_text(TESTS)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *args,
            str(tmp_path / "test_leaky.py"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )


def test_plugin_fails_leaky_tests_with_the_story(tmp_path):
    r = run_pytest(tmp_path)
    out = r.stdout
    assert "2 failed, 5 passed" in out, out
    assert "FAILED test_leaky.py::test_registry_leak" in out
    assert "FAILED test_leaky.py::test_bound_method_callbacks" in out
    assert "test_leaky.Session: +1 per run" in out
    assert "module global test_leaky.REGISTRY" in out
    assert "test_leaky.REGISTRY[<Session> (key)]" in out
    assert "heapscope: checked 6 test(s) for leaks" in out


def test_check_every_test_option(tmp_path):
    r = run_pytest(tmp_path, "--heapscope-leaks", "-k", "clean or fixture_api")
    assert r.returncode == 0, r.stdout
    assert "heapscope: checked 2 test(s)" in r.stdout


def test_under_xdist(tmp_path):
    import pytest

    pytest.importorskip("xdist")
    r = run_pytest(tmp_path, "-n", "2")
    assert "2 failed, 5 passed" in r.stdout, r.stdout
    assert "heapscope: checked 6 test(s) for leaks" in r.stdout


def test_trace_option_names_the_allocating_line(tmp_path):
    r = run_pytest(tmp_path, "--heapscope-trace", "-k", "registry_leak")
    assert "1 failed" in r.stdout, r.stdout
    assert "allocated at " in r.stdout and "test_leaky.py:" in r.stdout


BIG = textwrap.dedent(
    """
    import pytest

    PAYLOADS = []

    @pytest.mark.no_leaks(prefilter=False)
    def test_large_untracked_payloads():
        # over 512 bytes each, untracked: no pymalloc block, no GC count (5 a run: above the noise
        # of other bytes objects coming and going)
        PAYLOADS.extend(bytes(2000 + k) for k in range(5))

    class Blob:
        pass

    @pytest.mark.no_leaks
    def test_tracked_objects():
        PAYLOADS.append(Blob())  # the collector's count grows by one per run

    @pytest.mark.no_leaks
    def test_clean():
        return [Blob() for _ in range(10)]
    """
)


def test_the_allocator_prefilter_and_its_opt_out(tmp_path):
    # The first filter (allocated blocks and the collector's count, no census)
    # lets a clean test through cheaply and still sends small untracked growth on
    # to the census; objects it cannot see are checked with prefilter=False.
    (tmp_path / "test_big.py").write_text(BIG)
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "test_big.py")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert "2 failed, 1 passed" in r.stdout, r.stdout
    assert "  bytes: +" in r.stdout and "test_big.Blob: +1 per run" in r.stdout, r.stdout
