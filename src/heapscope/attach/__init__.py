"""Attaching to a running CPython process by PID (groundwork).

What is here: the read-only preflight (``preflight.check``) that decides,
before any ptrace call, whether a PID can be attached to, and says exactly
why not.  The injector and the in-target agent are not built yet; see
``docs/attach-status.md``.
"""

from heapscope.attach.preflight import AttachError, Target, check

__all__ = ["AttachError", "Target", "check"]
