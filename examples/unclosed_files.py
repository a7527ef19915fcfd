"""Files opened and never closed, kept in a list: no ResourceWarning ever fires.

heapscope check examples/unclosed_files.py:step
"""

import os

_open_logs = []


def read_config():
    f = open(os.devnull)  # never closed
    _open_logs.append(f)
    return f.read()


def step():
    read_config()
