"""The extension's error codes and the Python package agree (issue #12)."""

import re
from pathlib import Path

import pytest

from heapscope import _heapscope
from heapscope.attach import session

ROOT = Path(__file__).resolve().parents[3]


def _c_codes(header: str, pattern: str) -> dict[str, int]:
    text = (ROOT / header).read_text()
    return {m.group(1): int(m.group(2)) for m in re.finditer(pattern, text)}


def test_core_codes_are_exported_as_defined():
    core = _c_codes("src/core/hs_core.h", r"#define HS_E(\w+) \((-\d+)\)")
    assert core, "no HS_E* code found in hs_core.h"
    for name, value in core.items():
        assert getattr(_heapscope, f"ERR_{name}") == value, name


def test_injector_codes_are_exported_and_every_failure_has_an_exit_code():
    inj = _c_codes("src/attach/hs_inject.h", r"HS_INJ_(\w+) = (\d+),")
    assert len(inj) >= 10
    for name, value in inj.items():
        assert getattr(_heapscope, f"INJECT_{name}") == value, name
        if name != "OK":
            assert value in session._ERR_CODES, f"HS_INJ_{name} has no exit code"
    assert session.NOT_PARKED == _heapscope.INJECT_NOT_PARKED


def test_python_code_uses_the_constants_not_literals():
    text = (ROOT / "src/heapscope/attach/session.py").read_text()
    assert not re.search(r"err\w*\s*==\s*\d", text), "compare injector codes with _heapscope.INJECT_*"


def test_a_write_error_names_the_file_and_the_os_reason(tmp_path):
    snap = _heapscope.analyze()
    target = tmp_path / "no-such-dir" / "x.hsnap"
    with pytest.raises(OSError) as info:
        snap.save(str(target))
    assert info.value.errno is not None and info.value.errno != 0
    assert str(target) in str(info.value)
