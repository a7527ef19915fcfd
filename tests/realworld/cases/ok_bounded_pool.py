"""A connection pool bounded by a deque's maxlen: old connections are dropped."""

import collections

EXPECT = {"verdict": "no leak"}


class Connection:
    def __init__(self):
        self.buffer = bytearray(256)


_pool = collections.deque(maxlen=2)


def step():
    _pool.append(Connection())
