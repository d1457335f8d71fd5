"""One writer per run directory: two runs on one store would pay for the same requests twice and
write conflicting records. The lock is a POSIX record lock, so the kernel drops it on any death
of its holder (kill -9 included) and forked workers do not inherit it."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

FILENAME = "run.lock"


class RunLocked(Exception):
    """Another live process writes to this run directory."""


def acquire(run_dir: Path) -> int:
    """Take the run directory's lock for this process, or raise RunLocked naming the holder.
    Returns the descriptor that holds it: closing it releases the lock."""
    path = run_dir / FILENAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise RunLocked(
            f"{run_dir} is in use by another factory process (pid {holder}); wait for it to "
            "finish or stop it, or use another --run-dir"
        ) from error
    with contextlib.suppress(OSError):  # the pid is for the message only
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd
