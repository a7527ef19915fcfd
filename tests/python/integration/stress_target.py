"""A target that once made heapscope attach crash it (issue #11).

usage: stress_target.py DIR [--big N] [--trace] [--regex N]

The main thread checks its own arithmetic in a loop and runs a Python
SIGALRM handler at 1 kHz; two threads build and drop lists and dicts; one
sleeps; one runs a regex match with catastrophic backtracking on N letters
(a C call holding the GIL; 17 in the original report, default 13 here so a
test run stays short); one spins.  A leak grows by one object every 2000
iterations of the main loop, and by one every 10 ms from a thread of its
own: under tracemalloc the main loop makes only a few hundred iterations a
second, and two samples taken back to back must still see the leak grow.
With --big N the heap has N extra (int, str) tuples; with --trace
tracemalloc traces from the start.

DIR/hb is rewritten about every 0.2 s: "ticks signals errors leaks".
DIR/corrupt appears if the arithmetic check ever fails.  SIGUSR1 makes it
write DIR/pong (a counter) so a test can see it still answers.
"""

import os
import random
import re
import signal
import sys
import threading
import time

directory = sys.argv[1]
args = sys.argv[2:]
big = int(args[args.index("--big") + 1]) if "--big" in args else 0
letters = int(args[args.index("--regex") + 1]) if "--regex" in args else 13
if "--trace" in args:
    import tracemalloc

    tracemalloc.start(5)

ticks = 0
sigs = 0
errors = 0
pongs = 0


class Leak:
    pass


leaks = []
stop = False


def on_alarm(signum, frame):
    global sigs
    sigs += 1


def on_usr1(signum, frame):
    global pongs
    pongs += 1
    with open(os.path.join(directory, "pong.tmp"), "w") as f:
        f.write(str(pongs))
    os.replace(os.path.join(directory, "pong.tmp"), os.path.join(directory, "pong"))


def alloc():
    d = {}
    while not stop:
        for i in range(1000):
            d[i] = [object(), str(i)]
        d.clear()


def sleeper():
    while not stop:
        time.sleep(0.5)


def leaker():
    while not stop:
        time.sleep(0.01)
        leaks.append(Leak())


def ccall():
    pat = re.compile(r"(a+)+b")
    while not stop:
        pat.match("a" * letters)


def busy():
    x = 0
    while not stop:
        x += 1


heap = [(i, str(i)) for i in range(big)] if big else None
signal.signal(signal.SIGALRM, on_alarm)
signal.signal(signal.SIGUSR1, on_usr1)
signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
for fn in (alloc, alloc, sleeper, leaker, ccall, busy):
    threading.Thread(target=fn, daemon=True).start()
hb = os.path.join(directory, "hb")
last = 0.0
while True:
    a = random.randrange(1 << 30)
    b = random.randrange(1 << 30) + 1
    if (a * b) // b != a or (a + b) - b != a:
        errors += 1
        with open(os.path.join(directory, "corrupt"), "w") as f:
            f.write(f"arithmetic failed: {a} {b}\n")
    ticks += 1
    if ticks % 2000 == 0:
        leaks.append(Leak())
    if ticks % 100 == 0:
        now = time.time()
        if now - last > 0.2:
            with open(hb + ".tmp", "w") as f:
                f.write(f"{ticks} {sigs} {errors} {len(leaks)}\n")
            os.replace(hb + ".tmp", hb)
            last = now
