"""The README's examples run, and say what the README says they say (issue #12)."""

import os
import re
import subprocess
import sys
import textwrap

from conftest import ROOT, run_heapscope

README = open(os.path.join(ROOT, "README.md")).read()


def _blocks(lang=""):
    return re.findall(r"```" + lang + r"\n(.*?)```", README, flags=re.S)


def _section(title):
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def _normal(text):
    """Whitespace collapsed and numbers blurred: sizes and counts differ between versions."""
    return re.sub(r"\d+", "N", " ".join(text.split()))


def test_two_set_up_commands():
    commands = re.findall(r"```\n(.*?)\n```", _section("Set up"), flags=re.S)
    assert commands == [
        "python3 -m pip install . && heapscope check examples/class_registry.py:step",
        "bash scripts/test-all.sh",
    ]


def test_what_it_says_is_what_check_says():
    block = re.findall(r"```\n(.*?)```", _section("What it says"), flags=re.S)[0]
    command, _, expected = block.partition("\n")
    assert command == "$ heapscope check examples/class_registry.py:step"
    r = run_heapscope(*command.split()[2:])
    assert r.returncode == 1, r.stderr
    assert _normal(expected) in _normal(r.stdout), r.stdout


def test_the_python_api_block_runs(tmp_path):
    block = _blocks("python")[0]
    assert "heapscope.check(step" in block
    prelude = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {os.path.join(ROOT, "examples")!r})
        from class_registry import step
        obj = step  # any object: why is it alive?
        import heapscope
        from heapscope import snapfile as _sf
        _sf.write(heapscope.snapshot(), "a.hsnap")
        step()
        _sf.write(heapscope.snapshot(), "b.hsnap")
        """
    )
    script = tmp_path / "api.py"
    script.write_text(prelude + block + "\nprint('README API OK', report.leaked)\n")
    r = subprocess.run(
        [sys.executable, str(script)], cwd=str(tmp_path), capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr
    assert "README API OK True" in r.stdout
    assert (tmp_path / "heap.hsnap").exists()


def test_the_pytest_block_runs(tmp_path):
    block = _blocks("python")[1]
    test = tmp_path / "test_readme_block.py"
    test.write_text(
        textwrap.dedent(
            """
            import pytest

            class Client:
                def get(self, path):
                    return path.upper()

            @pytest.fixture
            def client():
                return Client()

            def handler(request):
                return {"ok": request}

            request = "GET /"
            """
        )
        + block
    )
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2 passed" in r.stdout
