"""A warm container's PID 1 runs every request: no run can reach it, forge its frames or stop it."""

from __future__ import annotations

import time

from sandbox import ExecRequest
from sandbox.docker_backend import DockerSandbox
from tests.conftest import OpenBackend

INIT_STARTED = "print(open('/proc/1/stat').read().split()[21])\n"

REACH_PID_1 = (
    """
import ctypes, os, signal
libc = ctypes.CDLL(None, use_errno=True)
reached = []
if libc.ptrace(16, 1, None, None) == 0:  # PTRACE_ATTACH
    reached.append("ptrace")
for path, mode in (("/proc/1/fd/0", os.O_RDONLY), ("/proc/1/fd/1", os.O_WRONLY),
                   ("/proc/1/mem", os.O_RDONLY)):
    try:
        os.close(os.open(path, mode))
        reached.append(path)
    except OSError:
        pass
for sig in (signal.SIGSTOP, signal.SIGTERM, signal.SIGKILL):
    try:
        os.kill(1, sig)
    except OSError:
        pass
print("reached:", reached)
"""
    + INIT_STARTED
)

# PID 1's own frames, as bytes on the run's stdout: an exit frame, then an "output" frame.
FORGE = (
    "import sys\n"
    "sys.stdout.buffer.write(b'x\\x00\\x00\\x00\\x010' + b'o\\x00\\x00\\x00\\x02ok')\n"
    "sys.stdout.flush()\n"
    "sys.exit(7)\n"
)


def test_runs_cannot_reach_stop_or_speak_for_pid_1(require_backend: OpenBackend) -> None:
    with require_backend("docker", lambda: DockerSandbox(pool_size=1)) as pooled:
        probe = pooled.run(ExecRequest(command=["python3", "-c", REACH_PID_1]))
        reached, started = probe.stdout.splitlines()
        assert reached == "reached: []", probe.stderr
        time.sleep(1)  # the container is checked and returned to the pool in the background
        forged = pooled.run(ExecRequest(command=["python3", "-c", FORGE]))
        assert forged.exit_code == 7
        assert forged.stdout == "x\x00\x00\x00\x010o\x00\x00\x00\x02ok"
        time.sleep(1)
        after = pooled.run(ExecRequest(command=["python3", "-c", INIT_STARTED]))
        assert after.stdout.strip() == started  # the same PID 1 served all three runs


IPC_LEFT = (
    "import ctypes\n"
    "libc = ctypes.CDLL(None)\n"
    "print(libc.msgget(4242, 0) != -1, libc.shmget(4243, 0, 0) != -1)\n"
    "libc.msgget(4242, 0o1600)\n"  # IPC_CREAT | 0o600
    "libc.shmget(4243, 4096, 0o1600)\n"
)


def test_sysv_ipc_objects_do_not_outlive_their_run(require_backend: OpenBackend) -> None:
    with require_backend("docker", lambda: DockerSandbox(pool_size=1)) as pooled:
        first = pooled.run(ExecRequest(command=["python3", "-c", IPC_LEFT + INIT_STARTED]))
        time.sleep(1)  # the container is checked and returned to the pool in the background
        second = pooled.run(ExecRequest(command=["python3", "-c", IPC_LEFT + INIT_STARTED]))
        assert first.stdout.splitlines()[0] == "False False", first.stderr
        assert second.stdout.splitlines() == first.stdout.splitlines()  # same PID 1, nothing left
