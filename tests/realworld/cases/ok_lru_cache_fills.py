"""A bounded cache that fills during the first calls, then stays full: not a leak.

The non-leak twin of the lru_cache reports (e.g. pastas/pastastore#128): maxsize bounds it.
"""

import functools
import itertools

EXPECT = {"verdict": "no leak"}

_n = itertools.count()


@functools.lru_cache(maxsize=4)
def lookup(key):
    return [key] * 10


def step():
    lookup(next(_n) % 6)
