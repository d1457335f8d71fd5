"""A memory cgroup per run, so a run's memory limit binds all its processes together.

rlimits bind each process alone: four children of 200 MiB each fit a 256 MiB limit. A cgroup
(v2 where the memory controller is delegated to us, else the v1 memory hierarchy) caps their
sum, tmpfs files included. Where neither can be made, runs keep per-process limits only, and
`memory_cgroups()` says so (the audit's memory-split attacks then escape).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_ROOT = Path("/sys/fs/cgroup")
_PREFIX = f"reasoning-factory-{os.getpid()}"
_numbers = itertools.count()


def _own(controller: str) -> str | None:
    """This process's cgroup path in the hierarchy of `controller` ("" for v2's unified one)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path
    return None


def _candidates() -> list[tuple[Path, str]]:
    """(parent directory, version) where a run's cgroup could go, v2 first."""
    found = []
    for mount in (_ROOT, _ROOT / "unified"):
        own = _own("")
        if own is not None and (mount / "cgroup.controllers").exists():
            parent = mount / own.lstrip("/")
            try:
                delegated = "memory" in (parent / "cgroup.subtree_control").read_text().split()
            except OSError:
                delegated = False
            if delegated:
                found.append((parent, "v2"))
    own = _own("memory")
    if own is not None and (_ROOT / "memory/memory.limit_in_bytes").exists():
        found.append((_ROOT / "memory" / own.lstrip("/"), "v1"))
    return found


def _make(parent: Path, version: str, memory_mb: int, user: int | None) -> Path:
    """A new cgroup under `parent` capped at `memory_mb` (swap included where it is counted),
    joinable by `user`."""
    cgroup = parent / f"{_PREFIX}-{next(_numbers)}"
    cgroup.mkdir()
    limit = str(memory_mb * 1024 * 1024)
    try:
        if version == "v2":
            (cgroup / "memory.max").write_text(limit)
            with contextlib.suppress(OSError):  # no swap accounting: nothing to bound
                (cgroup / "memory.swap.max").write_text("0")
        else:
            (cgroup / "memory.limit_in_bytes").write_text(limit)
            with contextlib.suppress(OSError):
                (cgroup / "memory.memsw.limit_in_bytes").write_text(limit)
        if user is not None:
            for name in ("cgroup.procs", "tasks"):
                with contextlib.suppress(FileNotFoundError):
                    os.chown(cgroup / name, user, user)
    except OSError:
        _remove(cgroup)
        raise
    return cgroup


def _remove_stale(parent: Path) -> None:
    """Cgroups left by runs of processes killed before they could remove them (kill -9)."""
    for cgroup in parent.glob("reasoning-factory-*-*"):
        pid = cgroup.name.split("-")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            with contextlib.suppress(OSError):
                cgroup.rmdir()


def _remove(cgroup: Path) -> None:
    """rmdir once its last process is gone (a killed run's may take a moment to be reaped)."""
    for _ in range(50):
        try:
            cgroup.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)


def join_argv(cgroup: Path) -> list[str]:
    """A prefix that moves the command into `cgroup` before it starts anything, or fails it."""
    return ["sh", "-c", 'echo 0 > "$0" || exit 125; exec "$@"', str(cgroup / "cgroup.procs")]


@functools.cache
def memory_cgroups(user: int | None) -> tuple[Path, str] | None:
    """Where runs started as `user` get their own memory cgroup, proven by joining a test one;
    None where only per-process limits are possible here."""
    for parent, version in _candidates():
        _remove_stale(parent)
        try:
            cgroup = _make(parent, version, 64, user)
        except OSError:
            continue
        try:
            joined = subprocess.run(
                [*join_argv(cgroup), "true"], capture_output=True, timeout=10, user=user
            )
        except (OSError, subprocess.TimeoutExpired):
            joined = None
        finally:
            _remove(cgroup)
        if joined is not None and joined.returncode == 0:
            return parent, version
    return None


@contextmanager
def run_cgroup(memory_mb: int, user: int | None) -> Iterator[Path | None]:
    """A fresh memory cgroup for one run, removed after it; None where none can be made."""
    place = memory_cgroups(user)
    if place is None:
        yield None
        return
    cgroup = _make(*place, memory_mb, user)
    try:
        yield cgroup
    finally:
        _remove(cgroup)


def oom_killed(cgroup: Path) -> bool:
    """Whether the kernel killed a process of `cgroup` for going over its limit."""
    for name in ("memory.events", "memory.oom_control"):
        try:
            lines = (cgroup / name).read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                return int(value) > 0
    return False
