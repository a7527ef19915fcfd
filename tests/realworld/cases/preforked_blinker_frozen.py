"""A pre-fork server's preloaded app, frozen with gc.freeze(), leaking through a blinker signal.

Servers that preload their app and fork workers freeze the loaded heap so the workers'
collections never touch (and copy on write) the shared pages, as the gc module's documentation
recommends: cds-snc/notification-admin#2715 (gunicorn preload_app, gc.freeze in post_fork),
matrix-org/synapse#6953 ("Freeze allocated objects on startup"), livekit/agents#7118.  Every
object from before the freeze, the signal among them, then lives in the permanent generation,
which gc.get_objects() does not list.  A receiver connected per request with a strong reference
(the leak of pallets-eco/blinker#12) still leaks, and must be found and explained through it.
"""

import gc

from blinker import signal

EXPECT = {"verdict": "leak", "type": "RequestAudit", "holder": "receivers", "hint": "signal-receivers"}

request_finished = signal("request-finished")
preloaded = [{"route": f"/r/{i}", "id": i} for i in range(20000)]  # the app's tables and config
gc.collect()
gc.freeze()  # as the server's master does before it forks its workers


class RequestAudit:
    def __init__(self, path):
        self.path = path

    def on_finished(self, sender, **extra):
        return self.path


def step():
    audit = RequestAudit("/checkout")  # ALLOC
    request_finished.connect(audit.on_finished, weak=False)
