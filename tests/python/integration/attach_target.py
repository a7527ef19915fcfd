"""A process for attach tests: it leaks, answers SIGUSR1, and checks itself.

usage: attach_target.py MODE DIR
MODE: sleep, spin, read (blocks reading stdin), select, ccall, threads,
lock, idle.
DIR/ready appears once it runs; each SIGUSR1 rewrites DIR/pong with a
count; each SIGUSR2 writes the names in sys.modules to DIR/modules; a
wrong result from its own arithmetic (corrupted registers or
memory) writes DIR/corrupt and exits 3.
"""

import os
import select
import signal
import sys
import time

mode, directory = sys.argv[1], sys.argv[2]
pongs = 0


class Leaky:
    registry: dict = {}

    def __init__(self, n):
        self.payload = [n, str(n)]
        Leaky.registry[self] = n


def on_usr1(signum, frame):
    global pongs
    pongs += 1
    with open(os.path.join(directory, "pong.tmp"), "w") as f:
        f.write(str(pongs))
    os.replace(os.path.join(directory, "pong.tmp"), os.path.join(directory, "pong"))


def on_usr2(signum, frame):
    with open(os.path.join(directory, "modules.tmp"), "w") as f:
        f.write("\n".join(sorted(sys.modules)))
    os.replace(os.path.join(directory, "modules.tmp"), os.path.join(directory, "modules"))


def corrupt(what):
    with open(os.path.join(directory, "corrupt"), "w") as f:
        f.write(what)
    os._exit(3)


def work(n):
    # Float and integer arithmetic whose answer is known: a register or
    # vector state the injector failed to restore shows up here.
    acc, facc = 0, 0.0
    for i in range(200):
        acc += i * n
        facc += i * 0.5
    if acc != n * 19900 or facc != 9950.0:
        corrupt(f"{acc} {facc} for {n}")


def spinner():
    n = 0
    while True:
        work(n)
        n += 1


if os.environ.get("ATTACH_TARGET_TRACE"):
    import tracemalloc

    tracemalloc.start(5)
signal.signal(signal.SIGUSR1, on_usr1)
signal.signal(signal.SIGUSR2, on_usr2)
if os.environ.get("ATTACH_TARGET_ALARM"):
    signal.signal(signal.SIGALRM, lambda s, f: None)
    signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
r, w = os.pipe()
calls = 0
if mode == "ccall":
    # One C call that holds the GIL for about 1.2 s on any interpreter: its
    # length scaled from a timed short one (3.14's sum is several times faster).
    t0 = time.perf_counter()
    sum(range(2_000_000))
    span = max(2_000_000, int(2_000_000 * 1.2 / max(time.perf_counter() - t0, 1e-4)))
if mode not in ("idle", "read"):
    # One Leaky before "ready": with two spinner threads on a loaded machine the
    # main thread may take long to make its first, and an attach came first.
    Leaky(0)
open(os.path.join(directory, "ready"), "w").close()
n = 0
if mode in ("threads", "lock"):
    import threading

    for _ in range(2):
        threading.Thread(target=spinner, daemon=True).start()
while True:
    n += 1
    if mode != "idle":
        Leaky(n)
    if mode in ("sleep", "idle"):
        time.sleep(0.02)
    elif mode in ("spin", "threads"):
        work(n)
    elif mode == "read":
        if not os.read(0, 1):  # blocks in read(2) until the test writes a byte
            break
    elif mode == "select":
        select.select([r], [], [], 0.05)
    elif mode == "ccall":
        calls += 1  # DIR/call: the count of C calls begun, rewritten just before each
        with open(os.path.join(directory, "call.tmp"), "w") as f:
            f.write(str(calls))
        os.replace(os.path.join(directory, "call.tmp"), os.path.join(directory, "call"))
        sum(range(span))
    elif mode == "lock":
        lock = threading.Lock()
        lock.acquire()
        threading.Timer(0.05, lock.release).start()
        lock.acquire()  # blocked in a futex, the GIL released
        work(n)
