"""A task runner that stores sys.exc_info() of each failure: tracebacks keep their frames.

Reproduces celery/celery#6024 ("Clean TraceBack to reduce memory leaks for exception task").
"""

import sys

EXPECT = {"verdict": "leak", "type": "TaskError", "holder": "failures", "hint": "stored-exception-traceback"}

failures = []


class TaskError(Exception):
    pass


def run_task():
    payload = bytearray(2000)  # a local of the failing frame
    raise TaskError(len(payload))  # ALLOC


def step():
    try:
        run_task()
    except TaskError:
        failures.append(sys.exc_info())
