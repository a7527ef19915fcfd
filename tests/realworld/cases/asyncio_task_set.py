"""Background tasks kept in a set for a strong reference, never discarded when done.

Reproduces the pattern of python/cpython#93258 (asyncio.create_task docs: keep a reference,
and remove it when the task is done) as letta-ai/letta#2823 and others found it.
"""

import asyncio

EXPECT = {"verdict": "leak", "type": "_asyncio.Task", "holder": "background", "hint": "asyncio-task-set"}

background = set()


async def _job(n):
    return n * 2


async def _serve():
    task = asyncio.ensure_future(_job(1))  # ALLOC
    background.add(task)  # no task.add_done_callback(background.discard)
    await task


def step():
    asyncio.run(_serve())
