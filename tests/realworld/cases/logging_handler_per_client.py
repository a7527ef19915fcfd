"""A client that adds a NullHandler to a shared logger every time it is created.

Reproduces PaddleHQ/paddle-python-sdk#144 ("Client.null_logger() adds a new NullHandler on
every instantiation").
"""

import logging

EXPECT = {
    "verdict": "leak",
    "type": "logging.NullHandler",
    "holder": "handlers",
    "hint": "logging-handler-per-call",
}


class Client:
    def __init__(self, api_key):
        self.api_key = api_key
        self.log = logging.getLogger("null_logger")
        self.log.addHandler(logging.NullHandler())  # ALLOC


def step():
    Client("fake_key")
