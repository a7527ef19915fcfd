"""atexit.register(self.close) per connection: the interpreter keeps every connection.

Reproduces ARM-software/devlib#676 ("atexit handler leaks connection instances") and
ponty/EasyProcess#1.
"""

import atexit

EXPECT = {
    "verdict": "leak",
    "type": "SshConnection",
    "holder": "method|atexit",
    "hint": "held-by-c-code|atexit-registration",
}


class SshConnection:
    def __init__(self, host):
        self.host = host
        self.buffer = bytearray(512)
        atexit.register(self.close)

    def close(self):
        self.buffer = None


def step():
    SshConnection("board")  # ALLOC
