"""Lazy initialisation: the first call builds a table, later calls reuse it."""

EXPECT = {"verdict": "no leak"}

_table = None


def step():
    global _table
    if _table is None:
        _table = {i: str(i) for i in range(1000)}
    return _table[7]
