"""The CLI as a user runs it: real processes, exit codes, one-line errors, JSON."""

import json
import os
import textwrap

import pytest
from conftest import ROOT, run_heapscope

SCHEMA = os.path.join(ROOT, "docs", "report.schema.json")


def validate(doc):
    jsonschema = pytest.importorskip("jsonschema")
    with open(SCHEMA) as f:
        jsonschema.validate(doc, json.load(f))


@pytest.mark.parametrize(
    "example, leaking_type, root",
    [
        (
            "class_registry",
            "class_registry.ClassA",
            "class attribute class_registry.ClassA.class_b",
        ),
        ("second_index", "second_index.Member", "module global second_index.names"),
        ("unclosed_files", "_io.TextIOWrapper", "module global unclosed_files._open_logs"),
    ],
)
def test_check_names_the_leak_and_its_root(example, leaking_type, root):
    r = run_heapscope("check", f"examples/{example}.py:step")
    assert r.returncode == 1, r.stderr
    assert r.stdout.startswith("LEAK"), r.stdout
    assert leaking_type in r.stdout
    assert root in r.stdout


@pytest.mark.parametrize("example", ["class_registry_fixed", "second_index_fixed"])
def test_fixed_twins_do_not_leak(example):
    r = run_heapscope("check", f"examples/{example}.py:step")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("no leak")


def test_cache_is_reported_as_flattened():
    r = run_heapscope("check", "examples/cache_fills.py:step", "--runs", "6")
    assert r.returncode == 0
    assert "grew, then flattened" in r.stdout and "cache_fills.Entry" in r.stdout


def test_check_json_matches_schema():
    r = run_heapscope("check", "examples/class_registry.py:step", "--json", "--runs", "3")
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    validate(doc)
    leak = doc["leaks"][0]
    assert leak["type"] == "class_registry.ClassA" and leak["per_run"] == [1, 1, 1]
    assert leak["root"] == {"kind": "class attribute", "name": "class_registry.ClassA.class_b"}
    assert leak["path_text"] == "class_registry.ClassA.class_b._ClassB__values[<ClassA> (key)]"
    assert leak["retained_size"] > 0 and leak["stories"][0]["count"] == 3


def test_module_target(tmp_path):
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "svc.py").write_text("CACHE = []\ndef handle():\n    CACHE.append(object())\n")
    r = run_heapscope("check", "mypkg.svc:handle", env={"PYTHONPATH": str(tmp_path)})
    assert r.returncode == 1, r.stderr
    assert "object" in r.stdout and "mypkg.svc.CACHE" in r.stdout


@pytest.mark.parametrize(
    "target, words",
    [
        ("examples/nope.py:step", "no such file: examples/nope.py"),
        ("examples/class_registry.py:nope", "has no attribute 'nope'"),
        ("examples/class_registry.py:ClassA.class_b", "is not callable"),
        ("no_such_module_xyz:step", "cannot import module 'no_such_module_xyz'"),
        ("justaname", "bad target"),
    ],
)
def test_bad_targets_give_one_line_and_exit_2(target, words):
    r = run_heapscope("check", target)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("heapscope: error:"), r.stderr
    assert words in lines[0]
    assert "TARGET is" in lines[0] or "not callable" in lines[0]


def test_target_that_raises_prints_traceback_and_exits_2(tmp_path):
    script = tmp_path / "raiser.py"
    script.write_text("def step():\n    raise RuntimeError('target is broken')\n")
    r = run_heapscope("check", f"{script}:step")
    assert r.returncode == 2
    assert "Traceback" in r.stderr and "RuntimeError: target is broken" in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("heapscope: error:")


def test_import_error_in_target(tmp_path):
    script = tmp_path / "broken.py"
    script.write_text("import no_such_dependency_abc\ndef step(): pass\n")
    r = run_heapscope("check", f"{script}:step")
    assert r.returncode == 2
    assert "importing" in r.stderr and "ModuleNotFoundError" in r.stderr


def test_bad_usage_exit_2():
    assert run_heapscope("check").returncode == 2
    assert run_heapscope("check", "examples/class_registry.py:step", "--runs", "1").returncode == 2
    assert run_heapscope("check", "examples/class_registry.py:step", "--runs", "x").returncode == 2
    assert run_heapscope().returncode == 2


LEAKY_SCRIPT = textwrap.dedent(
    """
    import sys, time
    class Session:
        pass
    SESSIONS = []
    for i in range(int(sys.argv[1])):
        SESSIONS.append(Session())
        time.sleep(0.01)
    print("done", flush=True)
    sys.exit(int(sys.argv[2]))
    """
)


def test_run_reports_growth_and_keeps_exit_code(tmp_path):
    script = tmp_path / "svc.py"
    script.write_text(LEAKY_SCRIPT)
    # 2.5 s, a sample every 0.25 s: about 25 new Sessions per interval, so that
    # none is empty even when the census is slow (ASan, a loaded machine)
    r = run_heapscope("run", "--every", "0.25", str(script), "250", "7")
    assert r.returncode == 7
    assert r.stdout.strip() == "done"
    assert "LEAK" in r.stderr and "__main__.Session" in r.stderr
    assert "module global __main__.SESSIONS" in r.stderr


def test_run_json(tmp_path):
    script = tmp_path / "svc.py"
    script.write_text(LEAKY_SCRIPT)
    r = run_heapscope("run", "--json", str(script), "5", "0")
    assert r.returncode == 0
    doc = json.loads(r.stdout.split("done", 1)[1])
    validate(doc)
    assert doc["exit_code"] == 0
    assert any(g["type"] == "__main__.Session" and g["delta"] == 5 for g in doc["growth"])


def test_run_missing_script():
    r = run_heapscope("run", "no/such/script.py")
    assert r.returncode == 2
    assert (
        r.stderr.strip()
        == "heapscope: error: no such script: no/such/script.py (give the path of a Python file to run)"
    )


def test_console_script_and_module_both_work():
    import subprocess
    import sys

    exe = os.path.join(os.path.dirname(sys.executable), "heapscope")
    if os.path.exists(exe):
        r = subprocess.run([exe, "--version"], capture_output=True, text=True)
        assert r.returncode == 0 and r.stdout.startswith("heapscope ")
    r = run_heapscope("--version")
    assert r.returncode == 0 and r.stdout.startswith("heapscope ")


def test_check_dot_output(tmp_path):
    out = tmp_path / "leak.dot"
    r = run_heapscope("check", "examples/class_registry.py:step", "--dot", str(out))
    assert r.returncode == 1
    assert f"wrote {out}" in r.stderr
    dot = out.read_text()
    assert dot.startswith("digraph heapscope")
    assert "class_registry.ClassA.class_b" in dot and '"._ClassB__values"' in dot
    assert "5 leaked (class_registry.ClassA)" in dot


def test_show_backrefs_api(tmp_path):
    import heapscope

    target = tmp_path / "why.dot"
    holder = {"deep": [object()]}
    message = heapscope.show_backrefs(holder["deep"][0], str(target))
    assert message == f"wrote {target}"
    assert '"[0]"' in target.read_text()


def test_run_every_does_not_count_heapscopes_own_thread(tmp_path):
    # issue #13.4: the sampling thread's objects (heapscope.sampler.Ticker, its Event
    # and locks) once showed among the script's growth.
    script = tmp_path / "sleepy.py"
    script.write_text("import time\nkept = []\nfor i in range(6):\n    time.sleep(0.2)\n    kept.append(i)\n")
    r = run_heapscope("run", "--every", "0.3", "--json", str(script))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    names = [g["type"] for g in doc["growth"]] + [f["type"] for f in doc["flattened"]]
    assert not [n for n in names if n.startswith("heapscope.")], names
    assert "threading.Event" not in names and "threading.Condition" not in names, names
