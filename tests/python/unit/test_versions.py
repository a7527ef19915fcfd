"""One place names the supported CPython versions; everything else derives from it (issue #15)."""

import re
from pathlib import Path

from heapscope import _heapscope
from heapscope.attach import preflight

ROOT = Path(__file__).resolve().parents[3]


def _range() -> list[tuple[int, int]]:
    text = (ROOT / "src/core/hs_versions.h").read_text()
    nums = {m.group(1): int(m.group(2)) for m in re.finditer(r"#define HS_PY_(\w+) (\d+)", text)}
    return [(nums["MAJOR"], m) for m in range(nums["MINOR_MIN"], nums["MINOR_MAX"] + 1)]


def test_the_extension_exports_the_header_s_range_and_attach_uses_it():
    assert list(_heapscope.SUPPORTED_VERSIONS) == _range()
    text = (ROOT / "src/heapscope/attach/session.py").read_text()
    assert "preflight.check(pid, _heapscope.SUPPORTED_VERSIONS)" in text


def test_preflight_refuses_a_version_outside_the_list():
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        import time

        time.sleep(0.3)
        t = preflight.check(proc.pid)  # standalone: no list, no version check
        try:
            preflight.check(proc.pid, [v for v in _heapscope.SUPPORTED_VERSIONS if v != t.version])
        except preflight.AttachError as exc:
            assert exc.code == preflight.UNSUPPORTED
            mine = f"{t.version[0]}.{t.version[1]}"
            said, listed = str(exc).split("; attach supports ")
            assert said.endswith(f"runs Python {mine}") and mine not in listed.split(", "), str(exc)
        else:
            raise AssertionError("not refused")
    finally:
        proc.kill()
        proc.wait()


def test_every_supported_version_has_an_injector_layout_row():
    for v in _heapscope.SUPPORTED_VERSIONS:
        assert _heapscope._inject_layout(*v) is not None, f"no row for {v} in src/attach/hs_layouts.c"
    assert _heapscope._inject_layout(3, _range()[-1][1] + 1) is None


def test_this_interpreter_is_one_of_them():
    import sys

    assert tuple(sys.version_info[:2]) in _heapscope.SUPPORTED_VERSIONS


def test_no_source_file_but_compat_h_tests_the_version():
    offenders = []
    for path in list((ROOT / "src").rglob("*.c")) + list((ROOT / "src").rglob("*.h")):
        if path.name in ("compat.h", "compat.c"):  # the compat layer: its header and its import-time checks
            continue
        text = path.read_text()
        if re.search(r"PY_VERSION_HEX|PY_MINOR_VERSION", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_immortality_is_cpython_s_own_rule_on_this_version():
    import sys

    objs = [None, True, False, 0, 1, 255, 256, 10**30, "", "a", "heapscope", (), object(), [1], sys, int]
    for o in objs:
        if hasattr(sys, "_is_immortal"):  # 3.14+: the interpreter says
            expected = sys._is_immortal(o)
        elif sys.version_info >= (3, 12):  # 3.12/3.13, 64-bit: the low 32 bits, as signed, below 0
            expected = (sys.getrefcount(o) & 0xFFFFFFFF) >= 2**31
        else:
            expected = False
        assert _heapscope._is_immortal(o) == expected, (o, sys.getrefcount(o))
    assert not _heapscope._is_immortal(object())
    if sys.version_info >= (3, 12):
        assert _heapscope._is_immortal(None)
