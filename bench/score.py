"""The leak corpus's score table: python bench/score.py [CASE ...].

Runs every case of tests/realworld/cases (real libraries, from public bug reports) through
`heapscope check` and prints, per case, whether the verdict, the type, the holder on the path,
the allocating line and the hint were right, then the totals.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "realworld"))
import corpus  # noqa: E402


def main(argv: list[str]) -> int:
    names = argv or corpus.cases()
    rows = []
    for name in names:
        missing = corpus.missing_libraries(name)
        if missing:
            print(f"{name}: skipped (pip install -r tests/realworld/requirements.txt: {', '.join(missing)})")
            continue
        rows.append(corpus.run(name))
    mark = {True: "yes", False: "NO"}
    print(f"{'case':<34} {'kind':<8} {'verdict':<8} {'type':<5} {'path':<5} {'line':<5} {'hint':<5}")
    for s in rows:
        if s.is_leak:
            cells = [mark[s.verdict], mark[s.type], mark[s.holder], mark[s.line], mark[s.hint]]
        else:
            cells = [mark[s.verdict], "-", "-", "-", "-"]
        print(
            f"{s.case:<34} {'leak' if s.is_leak else 'non-leak':<8} "
            + " ".join(f"{c:<5}" for c in cells)
            + ("  " + "; ".join(s.notes) if s.notes else "")
        )
    leaks = [s for s in rows if s.is_leak]
    ok = [s for s in rows if not s.is_leak]

    def frac(attr: str) -> str:
        return f"{sum(getattr(s, attr) for s in leaks)}/{len(leaks)}"

    print(
        f"\nleaks: {len(leaks)}  verdict {frac('verdict')}  type {frac('type')}  path {frac('holder')}  "
        f"line {frac('line')}  hint {frac('hint')}"
    )
    print(f"non-leaks: {len(ok)}  exit 0 {sum(s.verdict for s in ok)}/{len(ok)}")
    return 0 if all(s.passed for s in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
