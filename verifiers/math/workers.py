"""A pool of limited worker processes: the only place untrusted math text is parsed or evaluated.

Each worker runs under RLIMIT_AS (memory) and, per task, RLIMIT_CPU; the host adds a
wall-clock deadline and kills and replaces a worker that misses it (a SymPy call stuck in C
code never returns to Python, so only the host can end it). Workers are forked from the host
after it has imported the task code (importing SymPy evaluates nothing untrusted), so a
replacement is ready in milliseconds and no script is re-run in the child.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import multiprocessing
import os
import resource
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any, Literal

from verifiers.math.budget import CpuLimit

Payload = dict[str, Any]
# `limit`: the input needs more memory or nesting than the bounds allow, which judges it (like
# `timeout`); `error`: the worker could not judge (it died, the check raised).
TaskStatus = Literal["ok", "timeout", "limit", "error"]

_TASKS_MODULE = "verifiers.math.tasks"


@dataclass(frozen=True)
class Limits:
    """Bounds on one task: CPU seconds, wall seconds (host-enforced) and address space."""

    cpu_seconds: int = 5
    wall_seconds: float = 10.0
    memory_bytes: int = 2 * 1024**3


@dataclass(frozen=True)
class Outcome:
    """What came back for one task: the task's result, or why there is none."""

    status: TaskStatus
    result: Payload | None
    error: str
    seconds: float


def _cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _on_cpu_limit(signum: int, frame: FrameType | None) -> None:
    raise CpuLimit("CPU time limit")


def _run_one(
    tasks: dict[str, Callable[[Payload], Payload]], name: str, payload: Payload, cpu: int
) -> tuple[TaskStatus, Payload | None, str]:
    soft = math.ceil(_cpu_used()) + cpu
    resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.RLIM_INFINITY))
    try:
        return "ok", tasks[name](payload), ""
    except CpuLimit:
        return "timeout", None, f"CPU limit of {cpu}s reached"
    except MemoryError:
        return "limit", None, "memory limit reached"
    except RecursionError:
        return "limit", None, "input nested too deeply"
    except Exception as error:
        return "error", None, f"{type(error).__name__}: {str(error)[:200]}"
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        resource.setrlimit(resource.RLIMIT_CPU, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def _address_space() -> int:
    """Bytes of address space mapped now; a forked child starts with all of its parent's."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


_PR_SET_PDEATHSIG = 1


def serve(conn: Connection, memory_bytes: int) -> None:
    """Worker loop: receive (task, payload, cpu seconds), send (status, result, error); None stops.

    A sibling forked later holds a copy of this pipe's host end, so EOF alone cannot be
    relied on to stop a worker; the host sends None, and the kernel kills the worker when the
    host dies without sending it (kill -9).
    """
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # the host died before the line above took effect
        os._exit(1)
    limit = _address_space() + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXCPU, _on_cpu_limit)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the host's to handle
    # The host maps SIGTERM to KeyboardInterrupt and fork copied that: a worker terminated as
    # the host exits must just end, not print an interruption under the host's last line.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    tasks: dict[str, Callable[[Payload], Payload]] = import_module(_TASKS_MODULE).TASKS
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        name, payload, cpu = message
        conn.send(_run_one(tasks, name, payload, cpu))


@dataclass
class _Slot:
    process: BaseProcess
    conn: Connection
    job: int | None = None
    started: float = 0.0


class WorkerPool:
    """N limited worker processes; `map` spreads tasks over them and survives any task."""

    def __init__(self, workers: int | None = None, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self.size = max(1, workers or os.cpu_count() or 1)
        import_module(_TASKS_MODULE).prepare()
        self._context = multiprocessing.get_context("fork")
        self._slots = [self._spawn() for _ in range(self.size)]
        self.replaced = 0

    def _spawn(self) -> _Slot:
        host_end, worker_end = self._context.Pipe()
        process = self._context.Process(
            target=serve, args=(worker_end, self.limits.memory_bytes), daemon=True
        )
        process.start()
        worker_end.close()
        return _Slot(process, host_end)

    def _replace(self, index: int) -> None:
        slot = self._slots[index]
        slot.process.kill()
        slot.process.join(5)
        slot.conn.close()
        self._slots[index] = self._spawn()
        self.replaced += 1

    def run(self, task: str, payload: Payload) -> Outcome:
        return self.map(task, [payload])[0]

    def map(
        self,
        task: str,
        payloads: Iterable[Payload],
        on_done: Callable[[int, Outcome], None] | None = None,
        deadline: float | None = None,
    ) -> list[Outcome]:
        """Run `task` on every payload; results come back in input order.

        The longest texts go first: they take longest, and one started last keeps the batch
        waiting on a single worker while the others idle. At `deadline` (a `time.monotonic()`
        instant) the tasks still running are killed and those left get an `error` outcome.
        """
        pending = deque(sorted(enumerate(payloads), key=lambda job: -len(str(job[1]))))
        results: dict[int, Outcome] = {}
        total = len(pending)
        while len(results) < total:
            if deadline is not None and time.monotonic() >= deadline:
                self._abandon(pending, results, on_done)
                break
            for slot in self._slots:
                if slot.job is None and pending:
                    slot.job, payload = pending.popleft()
                    slot.started = time.monotonic()
                    slot.conn.send((task, payload, self.limits.cpu_seconds))
            for index, job, outcome in self._collect(deadline):
                results[job] = outcome
                if on_done is not None:
                    on_done(job, outcome)
                self._slots[index].job = None
        return [results[job] for job in range(total)]

    def _abandon(
        self,
        pending: deque[tuple[int, Payload]],
        results: dict[int, Outcome],
        on_done: Callable[[int, Outcome], None] | None,
    ) -> None:
        """The batch's time is up: no outcome for what runs (its worker is replaced) or waits."""
        left = [job for job, _ in pending]
        for index, slot in enumerate(self._slots):
            if slot.job is not None:
                left.append(slot.job)
                slot.job = None
                self._replace(index)
        for job in left:
            results[job] = Outcome("error", None, "the batch's time limit was reached", 0.0)
            if on_done is not None:
                on_done(job, results[job])

    def _collect(self, batch_deadline: float | None = None) -> list[tuple[int, int, Outcome]]:
        busy = [(index, slot) for index, slot in enumerate(self._slots) if slot.job is not None]
        now = time.monotonic()
        deadline = min(slot.started for _, slot in busy) + self.limits.wall_seconds
        if batch_deadline is not None:
            deadline = min(deadline, batch_deadline)
        ready = wait([slot.conn for _, slot in busy], timeout=max(0.0, deadline - now))
        done: list[tuple[int, int, Outcome]] = []
        now = time.monotonic()
        for index, slot in busy:
            assert slot.job is not None
            seconds = now - slot.started
            if slot.conn in ready:
                try:
                    status, result, error = slot.conn.recv()
                except (EOFError, OSError):
                    slot.process.join(1)
                    code = slot.process.exitcode
                    self._replace(index)
                    status, result, error = "error", None, f"worker died (exit code {code})"
                done.append((index, slot.job, Outcome(status, result, error, seconds)))
            elif seconds >= self.limits.wall_seconds:
                self._replace(index)
                limit = f"wall-clock limit of {self.limits.wall_seconds:g}s reached"
                done.append((index, slot.job, Outcome("timeout", None, limit, seconds)))
        return done

    def close(self) -> None:
        for slot in self._slots:
            with contextlib.suppress(OSError):
                slot.conn.send(None)
            slot.conn.close()
        for slot in self._slots:
            slot.process.join(1)
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join(1)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
