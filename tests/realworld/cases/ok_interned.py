"""Interned strings from a fixed vocabulary: the same objects every call."""

import itertools
import sys

EXPECT = {"verdict": "no leak"}

_words = itertools.cycle(["alpha", "beta", "gamma"])


def step():
    return sys.intern("".join(next(_words)))
