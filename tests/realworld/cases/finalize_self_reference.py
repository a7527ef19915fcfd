"""weakref.finalize with a bound method of the object itself: the object never dies.

Reproduces DiamondLightSource/httomo#265 ("reader/writer objects not being garbage collected":
the bound method passed to weakref.finalize refers to the object) and bluesky/ophyd#865.
"""

import weakref

EXPECT = {"verdict": "leak", "type": "TempDir", "holder": "_registry", "hint": "finalize-args-keep-object"}


class TempDir:
    def __init__(self):
        self.files = []
        weakref.finalize(self, self.cleanup)  # self.cleanup refers to self

    def cleanup(self):
        self.files.clear()


def step():
    TempDir()  # ALLOC
