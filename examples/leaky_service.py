"""A long-running toy service to attach to: `heapscope attach PID`.

Every request registers a bound method of its handler in a module-level
listener list and never removes it, so every handler (and its buffer) stays
alive.  Run it, then, from another shell:

    python examples/leaky_service.py &
    heapscope attach $! --samples 3 --interval 2
"""

import time

listeners = []


class Handler:
    def __init__(self, request_id: int) -> None:
        self.request_id = request_id
        self.buffer = bytearray(256)
        listeners.append(self.on_event)  # the leak: never removed

    def on_event(self, event: str) -> None:
        pass


def serve_one(request_id: int) -> None:
    Handler(request_id)


if __name__ == "__main__":
    print(f"serving; attach with: heapscope attach {__import__('os').getpid()}", flush=True)
    n = 0
    while True:
        serve_one(n)
        n += 1
        time.sleep(0.01)
