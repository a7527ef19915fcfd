"""A per-thread cache on a threading.local: the thread lives on, so does the cache.

Reproduces the thread-pool thread-local leak of oracle/opengrok#2585 and
spring-attic/spring-cloud-sleuth#27, in Python's threading.local.
"""

import threading

EXPECT = {"verdict": "leak", "type": "Request", "holder": "_state", "hint": "thread-local-never-cleared"}

_state = threading.local()


class Request:
    def __init__(self, path):
        self.path = path


def step():
    if not hasattr(_state, "seen"):
        _state.seen = []
    _state.seen.append(Request("/"))  # ALLOC
