"""The leak corpus: real libraries, used the way public bug reports describe (issue #13).

Each case (tests/realworld/cases/) says what it reproduces and what heapscope must find:
for a leak, the verdict, the leaked type, a path naming the holder, the allocating line and
the hint naming the fix; for a non-leak, exit 0.  `python bench/score.py` prints the table.
The libraries are pinned in tests/realworld/requirements.txt, which the test command installs
for the main interpreter; elsewhere a case whose library is missing is skipped, saying so.
"""

import json
import os
import re
import subprocess
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "tests", "realworld"))
import corpus  # noqa: E402

CASES = corpus.cases()


def test_the_corpus_is_as_large_as_it_claims():
    kinds = [corpus.expectation(c)["verdict"] for c in CASES]
    assert kinds.count("leak") >= 27 and kinds.count("no leak") >= 8, kinds
    for case in CASES:
        text = open(os.path.join(corpus.CASES, case + ".py")).read()
        exp = corpus.expectation(case)
        if exp["verdict"] == "leak":
            assert corpus.alloc_line(case), f"{case}: mark the allocating line with # ALLOC"
            cited = re.search(r"[\w.-]+/[\w.-]+#\d+", text) or "shared/seed" in text
            assert cited, f"{case}: cite the bug report it reproduces (owner/repo#N)"


@pytest.mark.parametrize("case", CASES)
def test_case(case):
    missing = corpus.missing_libraries(case)
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (pip install -r tests/realworld/requirements.txt)")
    score = corpus.run(case)
    assert score.passed, (score, score.notes)


UNBOUNDED_JINJA = """
import itertools

import jinja2


class Pages(jinja2.BaseLoader):
    def get_source(self, environment, template):
        return "<h1>{{ title }}</h1> %s" % template, None, lambda: True


env = jinja2.Environment(loader=Pages(), cache_size=-1)  # -1: every template kept
_requests = itertools.count()


def step():
    return env.get_template(f"user-{next(_requests)}.html").render(title="t")
"""


def test_the_longer_measurement_still_finds_an_unbounded_template_cache(tmp_path):
    # ok_jinja2_template_cache is no leak because its cache is bounded and
    # check measures such thin growth longer; the same shape with an
    # unbounded cache and a new template name per call must still be one.
    pytest.importorskip("jinja2")
    (tmp_path / "unbounded_jinja.py").write_text(UNBOUNDED_JINJA)
    r = subprocess.run(
        [sys.executable, "-m", "heapscope", "check", "unbounded_jinja.py:step", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 1, r.stderr[-500:]
    doc = json.loads(r.stdout)
    leak = next(lk for lk in doc["leaks"] if lk["type"].endswith("Template"))
    assert any(s["path_text"].startswith("unbounded_jinja.env.cache[") for s in leak["stories"]), leak
    assert doc.get("extended_runs", 0) > 0 and not doc.get("unconfirmed"), doc.get("unconfirmed")
