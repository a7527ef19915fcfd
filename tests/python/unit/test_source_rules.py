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


def test_nothing_in_the_glue_checks_signals():
    # repr()/str() of an object, and %R/%S/%A in PyUnicode_FromFormat, call
    # PyErr_CheckSignals(), which runs Python signal handlers: inside the
    # raw-pointer window (src/ext/window.h) that let other threads free
    # objects under the walk (issue #11).  The glue calls tp_repr directly.
    banned = re.compile(r"\bPyObject_(Repr|Str|ASCII)\(|PyErr_CheckSignals|\"[^\"]*%[RSA][^\"]*\"")
    for path in sources("src/ext/*.c", "src/ext/*.h"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if line.lstrip().startswith(("/*", "*")):
                continue
            assert not banned.search(line), f"{path.name}:{n}: {line.strip()}"


def test_every_walk_opens_the_window():
    # A function that runs the heap walk marks the raw-pointer window first,
    # so the tests' _window_open() probe sees every walk.
    for path in sources("src/ext/*.c"):
        if path.name == "walk.c":
            continue
        text = path.read_text()
        for m in re.finditer(r"hs_walk_run\(", text):
            begin = text.rfind("\nPyObject *hs_", 0, m.start())
            assert "hs_window_enter()" in text[begin : m.start()], f"{path.name}: a walk outside the window"


def _imports(path):
    """Every module a Python file imports (at any depth: lazy imports count)."""
    import ast

    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def test_the_model_and_the_analysis_import_no_reporter():
    # The arrows of docs/architecture.md: reporters import the model, never the reverse.
    for name in ("model", "graph", "report", "hints", "snapfile", "api", "sampler", "target", "explain"):
        path = ROOT / "src" / "heapscope" / f"{name}.py"
        bad = {m for m in _imports(path) if m.startswith("heapscope.reporters") or m == "heapscope.cli"}
        assert not bad, f"{path.name} imports {sorted(bad)}"
    # The model imports nothing of heapscope's but its record maker, which imports nothing at all.
    model = _imports(ROOT / "src" / "heapscope" / "model.py")
    assert not {m for m in model if m.startswith("heapscope") and m.split(".")[1] != "_record"}, model
    record = _imports(ROOT / "src" / "heapscope" / "_record.py")
    assert not {m for m in record if m.startswith("heapscope")}, record


def test_reporters_read_only_the_model():
    for path in sources("src/heapscope/reporters/*.py"):
        bad = {
            m
            for m in _imports(path)
            if m.startswith("heapscope.") and not m.startswith(("heapscope.model", "heapscope.reporters"))
        }
        assert not bad, f"{path.name} imports {sorted(bad)}"


def test_no_c_file_in_the_glue_is_over_600_lines():
    for path in sources("src/ext/*.c", "src/core/*.c"):
        n = len(path.read_text().splitlines())
        assert n <= 600, f"{path.name}: {n} lines"


def test_cli_output_goes_through_the_reporters():
    # Commands build model objects and call emit(); no command formats JSON itself.
    for path in sources("src/heapscope/cli/*.py"):
        text = path.read_text()
        assert "json.dump" not in text, f"{path.name} writes JSON itself"
