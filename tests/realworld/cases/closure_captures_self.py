"""A line-search callback, a closure over `self`, kept in a module-level list of callbacks.

Reproduces StanfordASL/neural-network-lyapunov#136 ("it happens when the closure captures self,
and the reference to the objects ... are not garbage collected") and pytorch/pytorch#51883.
"""

EXPECT = {"verdict": "leak", "type": "Problem", "holder": "_callbacks", "hint": "closure-capture"}

_callbacks = []


class Problem:
    def __init__(self):
        self.constraints = bytearray(4096)

        def closure():
            return len(self.constraints)

        _callbacks.append(closure)


def step():
    Problem()  # ALLOC
