"""A tracer per configuration that registers its shutdown with atexit and never unregisters.

Reproduces DataDog/dd-trace-py#2409 ("The Tracer would never unregister its shutdown function
which introduces a memory leak. If you had a million tracer ... a million tracers kept around").
"""

import atexit

EXPECT = {
    "verdict": "leak",
    "type": "Tracer",
    "holder": "method|atexit",
    "hint": "held-by-c-code|atexit-registration",
}


class Tracer:
    def __init__(self, service):
        self.service = service
        self.spans = []
        atexit.register(self._shutdown)

    def _shutdown(self):
        self.spans.clear()


def step():
    Tracer("web")  # ALLOC
