"""logging.getLogger with a new name per connection: the manager keeps every Logger.

Reproduces tarasko/picows#72 ("Possible memory leak using getLogger": getChild per socket)
and DIRACGrid/DIRAC#5280.
"""

import itertools
import logging

EXPECT = {"verdict": "leak", "type": "logging.Logger", "holder": "loggerDict", "hint": "logger-per-request"}

_ids = itertools.count()


def step():
    log = logging.getLogger("server").getChild(f"conn{next(_ids)}")  # ALLOC
    log.debug("accepted")
