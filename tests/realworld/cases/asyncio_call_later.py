"""A discovery object that reschedules itself with loop.call_later and is never stopped.

Reproduces sbidy/pywizlight#107 ("self.loop.call_later(1, self.broadcast_registration) keeps
calling ... it will run as long as the object exists").
"""

import asyncio

EXPECT = {"verdict": "leak", "type": "Discovery", "holder": "_scheduled", "hint": "asyncio-timer-handle"}

loop = asyncio.new_event_loop()


class Discovery:
    def __init__(self):
        self.seen = {}
        self.broadcast_registration()

    def broadcast_registration(self):
        loop.call_later(30, self.broadcast_registration)  # never cancelled


def step():
    Discovery()  # ALLOC
    loop.run_until_complete(asyncio.sleep(0))
