"""The leak corpus: real libraries, used the way public bug reports describe (issue #13).

Each case (tests/realworld/cases/) says what it reproduces and what heapscope must find:
for a leak, the verdict, the leaked type, a path naming the holder, the allocating line and
the hint naming the fix; for a non-leak, exit 0.  `python bench/score.py` prints the table.
The libraries are pinned in tests/realworld/requirements.txt, which the test command installs
for the main interpreter; elsewhere a case whose library is missing is skipped, saying so.
"""

import os
import re
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
