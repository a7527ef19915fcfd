"""A werkzeug Local created per object: each makes a ContextVar the context keeps once set.

Reproduces pallets/werkzeug#2436 (ContextVars "should only be created at the global scope. If
it's within a function, especially a class __init__ method, it will cause reference cycles").
"""

from werkzeug.local import Local

EXPECT = {"verdict": "leak", "type": "_contextvars.ContextVar", "holder": "", "hint": "context-var-per-call"}


class RequestState:
    def __init__(self):
        self.local = Local()  # ALLOC
        self.local.user = "alice"


def step():
    RequestState()
