"""A process that tries hard to catch heapscope holding raw pointers unsafely.

Run as ``python window_churn.py ROUNDS``.  Threads build and drop lists and
dicts without pause; a Python SIGALRM handler runs at 1 kHz; one thread
spins; the leak is held under int keys (whose labels once went through int
repr, which runs signal handlers).  Every churn iteration and every signal
handler call asks ``_heapscope._window_open()``: seeing the window open means
Python code ran, or another thread got the GIL, while a walk held raw
pointers.  The main thread runs ``check``, ``why``, ``snapshot()`` and
``unclosed()`` ROUNDS times (tracemalloc on); then a worker thread runs them
while the main thread spins; then ``check`` runs from inside a signal handler.

Prints one line ``ok ROUNDS VIOLATIONS SIGNALS`` and exits 0 when nothing was
seen; exits 1 with the violations otherwise.  A crash is a crash.
"""

from __future__ import annotations

import signal
import sys
import threading
import tracemalloc

import heapscope
from heapscope import _heapscope

violations: list[str] = []
signals = 0
stop = False


class Session:
    pass


registry: dict[int, Session] = {}
files: dict[int, object] = {}


def on_alarm(signum: int, frame: object) -> None:
    global signals
    signals += 1
    if _heapscope._window_open():
        violations.append("signal handler ran inside the window")
    # Allocate and free, as a real handler would.
    [object() for _ in range(5)]


def churn() -> None:
    d: dict[int, list[object]] = {}
    while not stop:
        if _heapscope._window_open():
            violations.append(f"thread {threading.current_thread().name} ran inside the window")
        for i in range(200):
            d[i] = [object(), str(i), {i: i}]
        d.clear()


def spin() -> None:
    x = 0
    while not stop:
        x += 1
        if x % 1000 == 0 and _heapscope._window_open():
            violations.append("spinning thread ran inside the window")


def step() -> None:
    registry[len(registry) * 7 + 100003] = Session()


def main() -> int:
    global stop
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    tracemalloc.start(5)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
    threads = [threading.Thread(target=f, daemon=True) for f in (churn, churn, spin)]
    for t in threads:
        t.start()
    leaked = 0
    for _ in range(rounds):
        report = heapscope.check(step, runs=3, warmup=1)
        if any(leak.type == "__main__.Session" for leak in report.leaks):
            leaked += 1
        w = heapscope.why(registry[100003])
        assert "registry" in w.path.text, w.path.text
        heapscope.snapshot(top=10)
        files[len(files)] = open(__file__)  # noqa: SIM115 - an open file for unclosed()
        assert heapscope.unclosed()

    # The same from a worker thread, while the main thread runs Python (and
    # so its signal handler) and checks the window itself.
    worker_done: list[bool] = []

    def worker() -> None:
        try:
            for _ in range(max(1, rounds // 2)):
                if any(leak.type == "__main__.Session" for leak in heapscope.check(step, runs=3).leaks):
                    worker_done.append(True)
                heapscope.why(registry[100003])
                heapscope.snapshot(top=5)
        finally:
            worker_done.append(False)

    w = threading.Thread(target=worker)
    w.start()
    while w.is_alive():
        if _heapscope._window_open():
            violations.append("main thread ran while a worker's walk was open")
        sum(range(1000))
    w.join()
    if not any(worker_done):
        print("the worker thread's check() found no leak")
        return 1

    # check() from inside a signal handler, as a debugging hook would.
    from_handler: list[object] = []

    def on_usr1(signum: int, frame: object) -> None:
        from_handler.append(heapscope.check(step, runs=3, warmup=1))

    signal.signal(signal.SIGUSR1, on_usr1)
    signal.raise_signal(signal.SIGUSR1)
    signal.setitimer(signal.ITIMER_REAL, 0, 0)
    stop = True
    for t in threads:
        t.join()
    if violations:
        print("\n".join(sorted(set(violations))))
        return 1
    if leaked != rounds or not from_handler or not from_handler[0].leaks:  # type: ignore[attr-defined]
        print(f"leak not found: {leaked} of {rounds} rounds, handler: {from_handler}")
        return 1
    print(f"ok {rounds} {len(violations)} {signals}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
