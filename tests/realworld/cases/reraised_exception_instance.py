"""One exception instance raised again and again: every raise extends its traceback.

Reproduces ipython/ipython#8017 ("don't re-raise the same Exception in NoDB": memory growth
because NoDB re-raises the same instance) and aio-libs/async-lru#199.
"""

EXPECT = {"verdict": "leak", "type": "traceback", "holder": "NO_DATA", "hint": "re-raised-stored-exception"}


class NoData(KeyError):
    pass


NO_DATA = NoData("no such record")


def lookup(key):
    raise NO_DATA  # ALLOC


def step():
    try:
        lookup("k")
    except NoData:
        pass
