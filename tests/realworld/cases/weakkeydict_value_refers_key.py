"""A WeakKeyDictionary whose values refer back to their keys: no entry ever goes away.

Reproduces python/cpython#88846 ("Reference cycles from a WeakKeyDictionary value to its key
aren't collected") and nengo/nengo#1089 ("Memory leak in parameter system").
"""

import weakref

EXPECT = {
    "verdict": "leak",
    "type": "Ensemble",
    "holder": "_params",
    "hint": "weak-key-dict-values-refer-to-keys",
}

_params = weakref.WeakKeyDictionary()


class Ensemble:
    def __init__(self, n):
        self.n = n


def step():
    e = Ensemble(100)  # ALLOC
    _params[e] = {"owner": e, "radius": 1.0}
