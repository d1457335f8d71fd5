"""Running one host process under a deadline and an output cap, and killing its group after."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sandbox.model import ExecResult, Limits
from sandbox.streams import STDERR, STDOUT, Capture, Feed, Outcome, pump

# How long a stopped run may take to exit before its whole session is killed instead.
_STOP_GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class Finished:
    """A host process's end, before a backend turns it into an ExecResult."""

    exit_code: int | None
    stdout: bytes
    stderr: bytes
    timed_out: bool
    truncated: bool
    wall_seconds: float
    cpu_seconds: float

    def result(self, backend: str) -> ExecResult:
        """As an ExecResult; never OOM-killed, since these backends bound memory by rlimit and
        an allocation fails inside the program instead."""
        return ExecResult(
            exit_code=self.exit_code,
            stdout=self.stdout.decode(errors="replace"),
            stderr=self.stderr.decode(errors="replace"),
            timed_out=self.timed_out,
            oom_killed=False,
            output_truncated=self.truncated,
            wall_seconds=self.wall_seconds,
            cpu_seconds=self.cpu_seconds,
            backend=backend,
        )


def limited(limits: Limits, command: Sequence[str], *, nproc: bool, wait: bool) -> list[str]:
    """`command` under a shell that first sets the rlimits (CPU, address space, file size, no core
    files and, with `nproc`, processes): no preexec hook in a threaded parent, where it can
    deadlock. With `wait` the shell stays as the program's parent, else it becomes the program."""
    settings = [
        f"ulimit -t {limits.cpu_seconds}",
        f"ulimit -v {limits.memory_mb * 1024}",
        f"ulimit -f {limits.disk_mb * 2048}",
        "ulimit -c 0",
        *([f"ulimit -p {limits.pids}"] if nproc else []),
    ]
    run = '"$@"; exit $?' if wait else 'exec "$@"'
    return ["sh", "-c", "; ".join([*settings, run]), "sandbox", *command]


def run_process(
    argv: Sequence[str],
    stdin: bytes,
    limits: Limits,
    *,
    env: Mapping[str, str],
    cwd: str | None = None,
    pass_fds: Sequence[int] = (),
    user: int | None = None,
    stop: Callable[[int], None] | None = None,
    started_as: Callable[[int], None] | None = None,
) -> Finished:
    """Start `argv` in its own session, pump its pipes, and stop it on timeout or overflow.

    `stop(pid)` kills the run so that its process still gets reaped normally (CPU time comes from
    wait4, which counts only what was reaped); if that fails, the whole session is SIGKILLed.
    `started_as(pid)` learns the process as soon as it exists, so an owner can stop it early.
    """
    started = time.monotonic()
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env),
        cwd=cwd,
        pass_fds=tuple(pass_fds),
        start_new_session=True,
        user=user,
        group=user,
        extra_groups=[] if user is not None else None,
    )
    assert proc.stdin and proc.stdout and proc.stderr
    if started_as is not None:
        started_as(proc.pid)
    out_fd, err_fd, in_fd = proc.stdout.fileno(), proc.stderr.fileno(), proc.stdin.fileno()
    for fd in (out_fd, err_fd, in_fd):
        os.set_blocking(fd, False)
    capture = Capture(limits.output_bytes, limits.output_bytes)
    exited = os.pidfd_open(proc.pid)
    try:
        outcome = pump(
            [out_fd, err_fd],
            Feed(in_fd, stdin, proc.stdin.close),
            started + limits.timeout_seconds,
            lambda fd, chunk: capture.add(STDOUT if fd == out_fd else STDERR, chunk),
            exited_fd=exited,
        )
        if outcome == "eof":
            outcome = _await_exit(exited, started + limits.timeout_seconds)
        if outcome != "eof":
            (stop or kill_session)(proc.pid)
            if not select.select([exited], [], [], _STOP_GRACE_SECONDS)[0]:
                kill_session(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:
        # Interrupted (KeyboardInterrupt, a bug): the run must not outlive the call that owns it.
        kill_session(proc.pid)
        proc.wait()
        raise
    finally:
        os.close(exited)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    return Finished(
        exit_code=None if outcome != "eof" else (code if code >= 0 else 128 - code),
        stdout=bytes(capture.stdout),
        stderr=bytes(capture.stderr),
        timed_out=outcome == "timeout",
        truncated=capture.truncated,
        wall_seconds=time.monotonic() - started,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
    )


def _await_exit(exited_fd: int, deadline: float) -> Outcome:
    """Output closed, yet the program may run on (it closed its pipes): wait until the deadline."""
    remaining = deadline - time.monotonic()
    ready, _, _ = select.select([exited_fd], [], [], max(remaining, 0))
    return "eof" if ready else "timeout"


def kill_session(pid: int) -> None:
    """SIGKILL the session `pid` leads: everything started in it that did not start its own."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
