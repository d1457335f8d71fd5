"""Bubblewrap backend: namespaces and rlimits with no daemon, the default where Docker is absent."""

from __future__ import annotations

import fcntl
import os
import random
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from sandbox.base import Sandbox
from sandbox.environment import sandbox_env
from sandbox.errors import SandboxError, SandboxUnavailable
from sandbox.model import (
    CANDIDATE_UID_ENV,
    JUDGE_UID_ENV,
    WORKDIR,
    ExecRequest,
    ExecResult,
    Limits,
    as_bytes,
)
from sandbox.process import kill_session, limited, run_process

SANDBOX_UID = 10001
# When we are root, bwrap itself runs as nobody: the sandbox then maps to an unprivileged host
# user, so RLIMIT_NPROC applies and nothing inside acts as host root if a namespace leaks.
NOBODY = 65534
# A run with two users has no user namespace (one maps a single uid): it starts as real root
# with only CAP_SETUID and CAP_SETGID, and its two uids are host uids held by that run alone, so
# no other run's processes count against its RLIMIT_NPROC. A slot is held by a lock file.
_TWO_USER_BASE = 1_600_000_000
_TWO_USER_SLOTS = 4096
_SLOT_LOCKS = "/run/reasoning-factory-sandbox"
# Of /etc the runtime needs only the dynamic linker's cache and Debian's alternatives symlinks.
_ETC = ("/etc/ld.so.cache", "/etc/alternatives")
_ROOT_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


class BwrapSandbox(Sandbox):
    """A fresh set of namespaces per run; the whole tree dies with bwrap's pid-namespace init."""

    name = "bwrap"

    def __init__(self) -> None:
        found = shutil.which("bwrap")
        if found is None:
            raise SandboxUnavailable("bubblewrap is not installed (apt-get install bubblewrap)")
        self._bwrap = found

    def run(self, request: ExecRequest) -> ExecResult:
        with _two_users(request) as users, _memfds(_contents(request, users)) as fds:
            finished = run_process(
                bwrap_argv(self._bwrap, request, fds, users),
                as_bytes(request.stdin),
                request.limits,
                env={"PATH": "/usr/bin:/bin"},
                pass_fds=list(fds.values()),
                user=NOBODY if os.geteuid() == 0 and users is None else None,
                stop=_kill_namespace,
            )
        return finished.result(self.name)


Users = tuple[int, int]  # (judge uid, candidate uid) of a run with two users


def bwrap_argv(
    bwrap: str, request: ExecRequest, fds: dict[str, int], users: Users | None = None
) -> list[str]:
    """Every mount read-only but the size-capped tmpfs dirs; `fds` maps sandbox paths to memfds."""
    limits = request.limits
    argv = [
        bwrap,
        *_identity(users),
        "--die-with-parent",
        "--new-session",
        "--as-pid-1",
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
    argv += ["--proc", "/proc", "--dev", "/dev"]
    for tmpfs in ("/dev/shm", "/tmp", WORKDIR):
        # with two users, root makes the dirs: both users may write, neither remove the other's
        shared = ["--perms", "01777"] if users else []
        argv += [*shared, "--size", str(_disk_bytes(limits)), "--tmpfs", tmpfs]
    parents = {str(p) for path in fds for p in PurePosixPath(path).parents} - {"/", WORKDIR}
    for parent in sorted(parents, key=lambda p: p.count("/")):
        argv += ["--dir", parent]
    for path, fd in fds.items():
        argv += ["--perms", "0644", "--file", str(fd), path]
    argv += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", WORKDIR, "--clearenv"]
    env = sandbox_env(request.env)
    if users:
        env |= {JUDGE_UID_ENV: str(users[0]), CANDIDATE_UID_ENV: str(users[1])}
    for key, value in env.items():
        argv += ["--setenv", key, value]
    # The limiting shell is the namespace's init and waits for the program, so the program's CPU
    # time reaches wait4 (bwrap's own init exits unreaped); when it exits, every stray is killed.
    return [*argv, "--", *limited(limits, request.command, nproc=True, wait=True)]


def _identity(users: Users | None) -> list[str]:
    """One user: a user namespace mapping only the sandbox user. Two: no user namespace, and root
    keeps only the capabilities to become the run's two users (bwrap sets no_new_privs)."""
    if users is None:
        return [
            "--unshare-all",
            "--unshare-user",
            "--disable-userns",
            "--uid", str(SANDBOX_UID),
            "--gid", str(SANDBOX_UID),
        ]  # fmt: skip
    return [
        "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
        "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
    ]  # fmt: skip


@contextmanager
def _two_users(request: ExecRequest) -> Iterator[Users | None]:
    """Two uids no other run holds, for as long as this run lasts (its pid namespace dies with
    it, so none of its processes outlives the slot); None when the request wants one user, or
    this host process is not root and so cannot make a second one."""
    if not request.two_users or os.geteuid() != 0:
        yield None
        return
    os.makedirs(_SLOT_LOCKS, mode=0o700, exist_ok=True)
    start = random.randrange(_TWO_USER_SLOTS)
    for offset in range(_TWO_USER_SLOTS):
        slot = (start + offset) % _TWO_USER_SLOTS
        with open(f"{_SLOT_LOCKS}/{slot}", "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # another run holds it
            uid = _TWO_USER_BASE + 2 * slot
            yield uid, uid + 1
            return
    raise SandboxError(f"all {_TWO_USER_SLOTS} two-user slots are in use")


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


def _contents(request: ExecRequest, users: Users | None) -> dict[str, bytes]:
    files = {f"{WORKDIR}/{name}": as_bytes(data) for name, data in request.files.items()}
    named = {"sandbox": users[1], "judge": users[0]} if users else {"sandbox": SANDBOX_UID}
    passwd = "".join(f"{n}:x:{u}:{u}:{n}:{WORKDIR}:/usr/sbin/nologin\n" for n, u in named.items())
    group = "".join(f"{n}:x:{u}:\n" for n, u in named.items())
    return {"/etc/passwd": passwd.encode(), "/etc/group": group.encode(), **files}


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
