"""blinker: a receiver connected per request with weak=False is never disconnected.

Reproduces the leak of pallets-eco/blinker#12 ("Fixed memory leaks": Signal._by_receiver
and receivers grow) the way applications hit it: connect per object, strong reference.
"""

from blinker import signal

EXPECT = {"verdict": "leak", "type": "AuditLog", "holder": "order_placed", "hint": "signal-receivers"}

order_placed = signal("order-placed")


class AuditLog:
    def __init__(self, order_id):
        self.order_id = order_id

    def on_order(self, sender, **kw):
        return kw


def step():
    log = AuditLog(1)  # ALLOC
    order_placed.connect(log.on_order, weak=False)  # never disconnected
    order_placed.send("shop", total=3)
