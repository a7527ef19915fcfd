"""logging.getLogger(__name__) on every call: one Logger, the fixed twin of the per-request one."""

import logging

EXPECT = {"verdict": "no leak"}


def step():
    logging.getLogger(__name__).debug("handled")
