"""The layering rules, checked on the source tree (msgspec's test_cpylint idea)."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[3]


def sources(*globs):
    for g in globs:
        yield from sorted(ROOT.glob(g))


def test_core_never_includes_python_h():
    for path in sources("src/core/*.c", "src/core/*.h"):
        text = path.read_text()
        assert not re.search(r'#\s*include\s*[<"]Python\.h[>"]', text), path


def test_version_checks_live_only_in_compat():
    for path in sources("src/ext/*.c", "src/ext/*.h"):
        if path.name.startswith("compat."):
            continue
        assert "PY_VERSION_HEX" not in path.read_text(), path


def test_no_error_swallowing_borrowed_dict_lookup():
    for path in sources("src/ext/*.c", "src/ext/*.h"):
        assert not re.search(r"\bPyDict_GetItem\(", path.read_text()), path


def test_python_package_has_no_python_version_checks_outside_tests():
    for path in sources("src/heapscope/**/*.py"):
        assert "PY_VERSION_HEX" not in path.read_text(), path


def test_agent_side_code_imports_only_stdlib():
    # The attach preflight is copied and run standalone by its tests; it must
    # not need heapscope's extension or any third-party package.
    text = (ROOT / "src/heapscope/attach/preflight.py").read_text()
    imports = re.findall(r"^(?:from|import)\s+([\w.]+)", text, re.M)
    assert all(not name.startswith("heapscope") for name in imports), imports
