"""CPU-time budgets inside a worker, so one slow SymPy call gives up without losing the task.

The worker's RLIMIT_CPU bounds a whole task; a budget bounds one call inside it (one
`simplify`, one `solve`) and turns an overrun into `OutOfTime`, which callers report as
"undecided" or "unchecked" instead of failing every other check of the task.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class OutOfTime(BaseException):
    """Raised when a budget or the task's CPU limit runs out.

    A BaseException so the many `except Exception` blocks inside SymPy cannot swallow it.
    """


class CpuLimit(BaseException):
    """The task's RLIMIT_CPU was reached: unlike OutOfTime, no check may catch it and go on."""


def _expire(signum: int, frame: FrameType | None) -> None:
    raise OutOfTime(signal.Signals(signum).name)


@contextmanager
def budget(seconds: float) -> Iterator[None]:
    """Raise OutOfTime in this block after `seconds` of CPU time (nested budgets keep the outer)."""
    previous_handler = signal.signal(signal.SIGPROF, _expire)
    remaining, _ = signal.getitimer(signal.ITIMER_PROF)
    limit = min(seconds, remaining) if remaining > 0 else seconds
    signal.setitimer(signal.ITIMER_PROF, limit)
    try:
        yield
    finally:
        left, _ = signal.getitimer(signal.ITIMER_PROF)
        spent = limit - left
        signal.setitimer(signal.ITIMER_PROF, max(remaining - spent, 1e-3) if remaining > 0 else 0)
        signal.signal(signal.SIGPROF, previous_handler)
