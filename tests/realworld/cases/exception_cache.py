"""A cache that stores the exception of a failed lookup, traceback, frames and locals with it.

Reproduces python/mypy#4807 ("FileSystemCache leaks memory via __traceback__").
"""

import itertools

EXPECT = {
    "verdict": "leak",
    "type": "FileNotFoundError",
    "holder": "_failures",
    "hint": "stored-exception-traceback",
}

_failures = {}
_paths = itertools.count()


def _stat(path):
    buffer = bytearray(1000)  # a local the stored traceback's frame keeps
    raise FileNotFoundError(path)  # ALLOC


def step():
    path = f"/nowhere/{next(_paths)}"
    try:
        _stat(path)
    except OSError as exc:
        _failures[path] = exc
