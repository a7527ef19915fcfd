"""cachetools.TTLCache with maxsize: grows one entry per call until full, for 150 calls.

A bounded pool whose period is longer than the default window (the false alarm of issue #13.5).
"""

import itertools

from cachetools import TTLCache

EXPECT = {"verdict": "no leak"}

_sessions = TTLCache(maxsize=150, ttl=3600)
_n = itertools.count()


class SessionState:
    def __init__(self, key):
        self.key = key


def step():
    key = next(_n)
    _sessions[key] = SessionState(key)
