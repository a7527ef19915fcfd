"""More leak shapes heapscope recognises, each with a near miss that must not be flagged.

heapscope check examples/leak_shapes.py:callbacks_step
"""

import asyncio
import functools
import logging
import weakref


# --- bound methods kept in a subscriber list ---------------------------------
class EventBus:
    subscribers = []

    @classmethod
    def subscribe(cls, callback):
        cls.subscribers.append(callback)


class Widget:
    def on_event(self):
        pass


def callbacks_step():
    EventBus.subscribe(Widget().on_event)


class WeakBus:
    subscribers = []


def callbacks_fixed_step():
    WeakBus.subscribers.append(weakref.WeakMethod(Widget().on_event))
    WeakBus.subscribers[:] = [m for m in WeakBus.subscribers if m() is not None]


# --- functools.lru_cache on a method ------------------------------------------
class PriceService:
    @functools.lru_cache(maxsize=None)
    def price(self, item):
        return len(item)


def lru_method_step():
    PriceService().price("apple")


@functools.lru_cache(maxsize=None)
def price_of(item):
    return len(item)


def lru_function_step():
    PriceService.price.__wrapped__(None, "pear")  # near miss: no instance in a cache
    price_of("apple")


# --- exceptions stored with their tracebacks ----------------------------------
ERRORS = []


class Payload:
    pass


def _work():
    payload = Payload()  # noqa: F841 (a local the traceback's frame keeps)
    raise ValueError("bad input")


def exceptions_step():
    try:
        _work()
    except ValueError as exc:
        ERRORS.append(exc)


MESSAGES = []


def exceptions_fixed_step():
    try:
        _work()
    except ValueError as exc:
        MESSAGES.append(str(exc))
        del MESSAGES[:-10]


# --- closures capturing a large local -----------------------------------------
HANDLERS = []


class Big:
    def __init__(self):
        self.data = bytearray(1000)


def make_handler():
    big = Big()
    size = len(big.data)

    def handler():
        return big.data[:1], size

    return handler


def closure_step():
    HANDLERS.append(make_handler())


# --- a logger per request -----------------------------------------------------
_request_ids = iter(range(10**9))


def logger_step():
    logging.getLogger(f"request.{next(_request_ids)}").debug("handled")


def logger_fixed_step():
    logging.getLogger("request").debug("handled", extra={"request_id": next(_request_ids)})


# --- asyncio tasks kept in a set ----------------------------------------------
TASKS = set()


async def _job():
    return 1


def tasks_step():
    async def main():
        task = asyncio.ensure_future(_job())
        TASKS.add(task)
        await task

    asyncio.run(main())


FIXED_TASKS = set()


def tasks_fixed_step():
    async def main():
        task = asyncio.ensure_future(_job())
        FIXED_TASKS.add(task)
        task.add_done_callback(FIXED_TASKS.discard)
        await task

    asyncio.run(main())


# --- a WeakKeyDictionary whose values refer back to their keys ----------------
class Node:
    pass


class Annotations:
    table = weakref.WeakKeyDictionary()


class Note:
    def __init__(self, node):
        self.node = node


def weak_backref_step():
    node = Node()
    Annotations.table[node] = Note(node)


class PlainRegistry:
    table = {}


def plain_registry_step():
    node = Node()
    PlainRegistry.table[node] = "x"


# --- a closure that captures only what it needs (near miss) -------------------
SMALL_HANDLERS = []


def make_small_handler():
    big = Big()
    size = len(big.data)
    del big

    def handler():
        return size

    return handler


def closure_fixed_step():
    SMALL_HANDLERS.append(make_small_handler())
    del SMALL_HANDLERS[:-1]


# --- an unbounded module-level cache ------------------------------------------
RESULTS = {}
_keys = iter(range(10**9))


class Result:
    pass


def cache_step():
    RESULTS[next(_keys)] = Result()


# --- a bound method registered with atexit (held by C code) -------------------
class Connection:
    def close(self):
        pass


def atexit_step():
    import atexit

    atexit.register(Connection().close)
