"""Attaching to a running CPython process by PID (docs/attach.md).

``preflight.check`` decides, before any ptrace call, whether a PID can be
attached to and says exactly why not; ``session`` stages the agent, runs the
C injector (``_heapscope._inject``) and collects the agent's answers;
``agent.py`` is the code that runs inside the target.
"""

from heapscope.attach.preflight import AttachError, Target, check

__all__ = ["AttachError", "Target", "check"]
