"""Bubblewrap backend: namespaces and rlimits with no daemon, the default where Docker is absent."""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path, PurePosixPath

from sandbox.base import Sandbox
from sandbox.cgroup import join_argv, memory_cgroups, oom_killed, run_cgroup
from sandbox.environment import sandbox_env
from sandbox.errors import SandboxError, SandboxUnavailable
from sandbox.model import WORKDIR, ExecRequest, ExecResult, Limits, as_bytes
from sandbox.process import kill_session, limited, run_process

SANDBOX_UID = 10001
# When we are root, bwrap itself runs as nobody: the sandbox then maps to an unprivileged host
# user, so RLIMIT_NPROC applies and nothing inside acts as host root if a namespace leaks.
NOBODY = 65534
_PASSWD = f"sandbox:x:{SANDBOX_UID}:{SANDBOX_UID}:sandbox:{WORKDIR}:/usr/sbin/nologin\n"
_GROUP = f"sandbox:x:{SANDBOX_UID}:\n"
# Of /etc the runtime needs only the dynamic linker's cache and Debian's alternatives symlinks.
_ETC = ("/etc/ld.so.cache", "/etc/alternatives")
_ROOT_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# The judge's packages (hypothesis and what it needs) come from the environment this code runs
# in, bound read-only here and first on the sandbox's PYTHONPATH: what the host's python3 has
# installed does not matter.
SITE = "/opt/factory-site"
JUDGE_PACKAGES = ("hypothesis",)


class BwrapSandbox(Sandbox):
    """A fresh set of namespaces per run; the whole tree dies with bwrap's pid-namespace init."""

    name = "bwrap"

    def __init__(self) -> None:
        found = shutil.which("bwrap")
        if found is None:
            raise SandboxUnavailable("bubblewrap is not installed (apt-get install bubblewrap)")
        self._bwrap = found
        self._lock = threading.Lock()
        self._running: set[int] = set()  # bwrap pids of the runs going on
        self._closed = False

    def close(self) -> None:
        """Stop the runs still going (a run cut short ends as killed) and refuse new ones."""
        with self._lock:
            self._closed = True
            running = list(self._running)
        for pid in running:
            _kill_namespace(pid)

    @property
    def memory_per_run(self) -> bool:
        """Whether a run's memory limit binds its processes together (a memory cgroup per run)
        or, where no cgroup can be made here, each process alone."""
        return memory_cgroups(NOBODY if os.geteuid() == 0 else None) is not None

    def run(self, request: ExecRequest) -> ExecResult:
        with self._lock:
            if self._closed:
                raise SandboxError("this sandbox is closed")
        ours: list[int] = []

        def started(pid: int) -> None:
            with self._lock:
                if not self._closed:
                    self._running.add(pid)
                    ours.append(pid)
                    return
            _kill_namespace(pid)

        try:
            return self._run(request, started)
        finally:
            with self._lock:
                self._running.difference_update(ours)

    def _run(self, request: ExecRequest, started: Callable[[int], None]) -> ExecResult:
        user = NOBODY if os.geteuid() == 0 else None
        with (
            _memfds(_contents(request)) as fds,
            run_cgroup(request.limits.memory_mb, user) as cgroup,
        ):
            finished = run_process(
                [*(join_argv(cgroup) if cgroup else []), *bwrap_argv(self._bwrap, request, fds)],
                as_bytes(request.stdin),
                request.limits,
                env={"PATH": "/usr/bin:/bin"},
                pass_fds=list(fds.values()),
                user=user,
                stop=_kill_namespace,
                started_as=started,
            )
            result = finished.result(self.name)
            if cgroup is not None and oom_killed(cgroup):
                result = result.model_copy(update={"oom_killed": True})
        return result


def bwrap_argv(bwrap: str, request: ExecRequest, fds: dict[str, int]) -> list[str]:
    """Every mount read-only but the size-capped tmpfs dirs; `fds` maps sandbox paths to memfds."""
    limits = request.limits
    argv = [
        bwrap,
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--as-pid-1",
        "--uid", str(SANDBOX_UID),
        "--gid", str(SANDBOX_UID),
        "--hostname", "sandbox",
        "--ro-bind", "/usr", "/usr",
    ]  # fmt: skip
    for directory in _ROOT_DIRS:
        if os.path.islink(directory):
            argv += ["--symlink", os.readlink(directory), directory]
        elif os.path.isdir(directory):
            argv += ["--ro-bind", directory, directory]
    for path in _ETC:
        argv += ["--ro-bind-try", path, path]
    argv += site_binds()
    argv += ["--proc", "/proc", "--dev", "/dev"]
    for tmpfs in ("/dev/shm", "/tmp", WORKDIR):
        argv += ["--size", str(_disk_bytes(limits)), "--tmpfs", tmpfs]
    parents = {str(p) for path in fds for p in PurePosixPath(path).parents} - {"/", WORKDIR}
    for parent in sorted(parents, key=lambda p: p.count("/")):
        argv += ["--dir", parent]
    for path, fd in fds.items():
        argv += ["--perms", "0644", "--file", str(fd), path]
    argv += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", WORKDIR, "--clearenv"]
    argv += ["--setenv", "PYTHONPATH", SITE]
    for key, value in sandbox_env(request.env).items():
        argv += ["--setenv", key, value]
    # The limiting shell is the namespace's init and waits for the program, so the program's CPU
    # time reaches wait4 (bwrap's own init exits unreaped); when it exits, every stray is killed.
    return [*argv, "--", *limited(limits, request.command, nproc=True, wait=True)]


@functools.cache
def site_binds() -> tuple[str, ...]:
    """bwrap arguments binding the judge's packages read-only under SITE. As root, bwrap runs as
    nobody, who may not reach this environment (a venv under /root): a copy of them in a private
    world-readable directory, made once per process, is bound instead."""
    sources = judge_modules()
    if os.geteuid() == 0 and sources:
        for stale in Path(tempfile.gettempdir()).glob("factory-site-*-*"):  # from a kill -9
            pid = stale.name.split("-")[2]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                shutil.rmtree(stale, ignore_errors=True)
        copy = Path(tempfile.mkdtemp(prefix=f"factory-site-{os.getpid()}-"))
        atexit.register(shutil.rmtree, copy, ignore_errors=True)
        for top, host in sources.items():
            if os.path.isdir(host):
                shutil.copytree(host, copy / top)
            else:
                shutil.copy(host, copy / top)
        for path in [copy, *copy.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        sources = {top: str(copy / top) for top in sources}
    return tuple(
        arg for top, host in sorted(sources.items()) for arg in ("--ro-bind", host, f"{SITE}/{top}")
    )


def judge_modules() -> dict[str, str]:
    """Every top-level module of JUDGE_PACKAGES and their (non-extra) requirements, as installed
    in this environment: name -> path."""
    binds: dict[str, str] = {}
    todo, seen = list(JUDGE_PACKAGES), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue  # an optional requirement not installed here (e.g. a backport)
        for file in dist.files or ():
            top = file.parts[0]
            if top not in ("..", "__pycache__") and not top.endswith((".dist-info", ".egg-info")):
                binds.setdefault(top, str(dist.locate_file(top)))
        for requirement in dist.requires or ():
            if "extra ==" not in requirement:
                todo.append(re.split(r"[^A-Za-z0-9._-]", requirement.strip(), maxsplit=1)[0])
    return binds


def bwrap_works() -> bool:
    """Installed is not enough: user namespaces may be off, so try a real (tiny) sandbox."""
    found = shutil.which("bwrap")
    if found is None:
        return False
    argv = bwrap_argv(found, ExecRequest(command=["true"]), {})
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            timeout=10,
            env={"PATH": "/usr/bin:/bin"},
            user=NOBODY if os.geteuid() == 0 else None,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _kill_namespace(bwrap_pid: int) -> None:
    """SIGKILL everything in the sandbox but its init: init then reaps the program and exits, so
    the killed run's CPU time still reaches wait4 (the kernel discards what it reaps itself)."""
    try:
        inits = Path(f"/proc/{bwrap_pid}/task/{bwrap_pid}/children").read_text().split()
        namespace = os.readlink(f"/proc/{inits[0]}/ns/pid")
    except (OSError, IndexError):
        kill_session(bwrap_pid)
        return
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or entry.name == inits[0]:
            continue
        try:
            if os.readlink(entry / "ns" / "pid") == namespace:
                os.kill(int(entry.name), signal.SIGKILL)
        except OSError:
            continue  # gone already, or not ours to inspect (then not in our namespace either)


def _disk_bytes(limits: Limits) -> int:
    return limits.disk_mb * 1024 * 1024


def _contents(request: ExecRequest) -> dict[str, bytes]:
    files = {f"{WORKDIR}/{name}": as_bytes(data) for name, data in request.files.items()}
    return {"/etc/passwd": _PASSWD.encode(), "/etc/group": _GROUP.encode(), **files}


@contextmanager
def _memfds(contents: dict[str, bytes]) -> Iterator[dict[str, int]]:
    """bwrap copies each file from an fd into the sandbox: no host directory is ever shared."""
    fds: dict[str, int] = {}
    try:
        for path, data in contents.items():
            fd = os.memfd_create(Path(path).name)
            fds[path] = fd
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.lseek(fd, 0, os.SEEK_SET)
        yield fds
    finally:
        for fd in fds.values():
            os.close(fd)
