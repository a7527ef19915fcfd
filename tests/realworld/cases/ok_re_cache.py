"""New regular expressions compiled per call: re's own cache is bounded (512), a long period.

Looks like a leak over a few runs (+1 pattern per run, held by the standard library); heapscope
measures longer before it says so.
"""

import itertools
import re

EXPECT = {"verdict": "no leak"}

_n = itertools.count()


def step():
    re.compile(f"order-{next(_n)}-[0-9]+")
