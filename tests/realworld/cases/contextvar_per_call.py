"""A ContextVar created per call and set: the context keeps every one.

Reproduces pallets/werkzeug#2436 ("Context vars should only be created at the global scope")
and encode/databases#546.
"""

import contextvars

EXPECT = {"verdict": "leak", "type": "_contextvars.ContextVar", "holder": "", "hint": "context-var-per-call"}


class Transaction:
    def __init__(self):
        self.var = contextvars.ContextVar("transaction")  # ALLOC
        self.var.set(self)


def step():
    Transaction()
