"""A controller that caches the exception of a failed query and raises the cached instance.

Reproduces torproject/stem#156 ("get_info memleak fix: cache exception string only": re-raising
cached exception objects accumulates frame and traceback objects, linear growth over time).
"""

EXPECT = {"verdict": "leak", "type": "traceback", "holder": "_cache", "hint": "re-raised-stored-exception"}


class Controller:
    def __init__(self):
        self._cache = {}

    def get_info(self, param):
        if param in self._cache:
            raise self._cache[param]  # ALLOC
        try:
            raise ValueError(f"{param} is unavailable")
        except ValueError as exc:
            self._cache[param] = exc
            raise


_controller = Controller()


def step():
    try:
        _controller.get_info("address")
    except ValueError:
        pass
