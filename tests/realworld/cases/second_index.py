"""Removed from one index, still in another (the seed write-up's first case).

From the write-up heapscope grew from (shared/seed): two dicts index the same objects and only
one is cleaned.  (Not from a public bug report; kept as the seed's own case.)
"""

import itertools

EXPECT = {"verdict": "leak", "type": "Member", "holder": "second_index.by_id", "hint": "second-index"}

by_name = {}
by_id = {}
_ids = itertools.count()


class Member:
    def __init__(self, i):
        self.id = i
        self.name = f"m{i}"


def step():
    m = Member(next(_ids))  # ALLOC
    by_name[m.name] = m
    by_id[m.id] = m
    del by_name[m.name]  # forgotten: del by_id[m.id]
