"""Not a leak: a bounded cache fills during the first calls, then stays flat.

heapscope check examples/cache_fills.py:step    # grew, then flattened
"""

import functools
import itertools

_calls = itertools.count()


class Entry:
    def __init__(self, n):
        self.n = n


@functools.lru_cache(maxsize=4)
def lookup(n):
    return Entry(n)


def step():
    lookup(next(_calls) % 8)
