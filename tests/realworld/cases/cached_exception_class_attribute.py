"""A library keeps a ready-made exception as a class attribute and raises it on bad input.

Reproduces patx/pickledb#70 ("reuse of exception causing memory leak": key_string_error is
raised again and again, its traceback grows without bound).
"""

EXPECT = {
    "verdict": "leak",
    "type": "traceback",
    "holder": "key_string_error",
    "hint": "re-raised-stored-exception",
}


class Store:
    key_string_error = TypeError("Key/name must be a string!")

    def __init__(self):
        self.db = {}

    def set(self, key, value):
        if not isinstance(key, str):
            raise self.key_string_error  # ALLOC
        self.db[key] = value


_store = Store()


def step():
    try:
        _store.set({}, "")
    except TypeError:
        pass
