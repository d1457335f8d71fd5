"""Nothing is left behind: after a run, a timeout, or the host being killed or interrupted."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable

import docker
import pytest

from sandbox import ExecRequest, Limits, Sandbox
from sandbox.docker_backend import OWNER_LABEL, DockerSandbox

OpenBackend = Callable[..., Sandbox]
ProcessesWith = Callable[[str], list[int]]

# A program that leaves a double-forked, setsid daemon and files in every writable place, then
# reports which container it ran in (from its cgroup path) and when that container's init began.
LITTER = """
import os, sys, time
marker = sys.argv[1]
for path in ("/work/left", "/tmp/left", "/dev/shm/left"):
    open(path, "w").write("x")
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("python3", ["python3", "-c", "import time; time.sleep(600)", marker])
    os._exit(0)
os.wait()
cgroup = open("/proc/self/cgroup").read()
print(cgroup.rsplit("docker", 1)[-1].strip("/-").split(".scope")[0].split()[0][:64])
print(open("/proc/1/stat").read().split(")")[1].split()[19], flush=True)
time.sleep(float(sys.argv[2]))
"""

INSPECT = """
import os
print(open("/proc/1/stat").read().split(")")[1].split()[19])
print(sorted(os.listdir("/work")), sorted(os.listdir("/tmp")), sorted(os.listdir("/dev/shm")))
print(sum(name.isdigit() for name in os.listdir("/proc")))
"""


def _litter(marker: str, sleep: float, timeout: float = 10) -> ExecRequest:
    return ExecRequest(
        command=["python3", "litter.py", marker, str(sleep)],
        files={"litter.py": LITTER},
        limits=Limits(timeout_seconds=timeout),
    )


def _eventually(condition: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _container_exists(container_id: str) -> bool:
    return bool(docker.from_env().api.containers(all=True, filters={"id": container_id}))


def test_docker_pool_reuses_a_container_only_after_wiping_it(
    require_backend: OpenBackend, host_processes: ProcessesWith
) -> None:
    marker = f"litter-{uuid.uuid4().hex}"
    with require_backend("docker", lambda: DockerSandbox(pool_size=1)) as pooled:
        first = pooled.run(_litter(marker, 0))
        assert first.exit_code == 0, first.stderr
        assert host_processes(marker) == []  # the daemon died with the run
        time.sleep(1)  # the container is checked and returned to the pool in the background
        second = pooled.run(
            ExecRequest(command=["python3", "inspect.py"], files={"inspect.py": INSPECT})
        )
        container_id, first_init = first.stdout.split()
        init_started, listings, pids = second.stdout.splitlines()
        assert init_started == first_init  # the same container: a run cost one exec
        assert listings == "['inspect.py'] [] []"
        assert pids == "3"  # its init, the runner shell, this program
    assert not _container_exists(container_id)


def test_docker_fresh_container_is_gone_when_the_run_returns(
    require_backend: OpenBackend, host_processes: ProcessesWith
) -> None:
    marker = f"litter-{uuid.uuid4().hex}"
    with require_backend("docker", lambda: DockerSandbox(fresh=True)) as fresh:
        result = fresh.run(_litter(marker, 0))
        container_id = result.stdout.split()[0]
        assert result.exit_code == 0 and len(container_id) == 64
        assert not _container_exists(container_id)
        assert host_processes(marker) == []


def test_docker_timeout_removes_the_container_and_everything_in_it(
    docker_sandbox: Sandbox, host_processes: ProcessesWith
) -> None:
    marker = f"litter-{uuid.uuid4().hex}"
    result = docker_sandbox.run(_litter(marker, 600, timeout=2))
    assert result.timed_out
    assert not _container_exists(result.stdout.split()[0])
    assert host_processes(marker) == []


def test_bwrap_leaves_nothing_after_a_run_or_a_timeout(
    bwrap_sandbox: Sandbox, host_processes: ProcessesWith
) -> None:
    marker = f"litter-{uuid.uuid4().hex}"
    assert bwrap_sandbox.run(_litter(marker, 0)).exit_code == 0
    assert host_processes(marker) == []
    assert bwrap_sandbox.run(_litter(marker, 600, timeout=2)).timed_out
    assert host_processes(marker) == []


# The host restores Ctrl-C's default handler: a shell starts background jobs with SIGINT ignored.
HOST = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
from sandbox import ExecRequest, Limits, get_sandbox
from sandbox.docker_backend import DockerSandbox
backend, marker, litter = sys.argv[1:]
sandbox = DockerSandbox(fresh=True) if backend == "docker-fresh" else get_sandbox(backend)
sandbox.run(ExecRequest(command=["python3", "litter.py", marker, "600"],
                        files={"litter.py": litter}, limits=Limits(timeout_seconds=600)))
"""


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT], ids=["sigkill", "ctrl-c"])
@pytest.mark.parametrize("backend", ["docker", "docker-fresh", "bwrap"])
def test_killed_or_interrupted_host_leaves_nothing_behind(
    backend: str, stop: int, require_backend: OpenBackend, host_processes: ProcessesWith
) -> None:
    require_backend(backend.removesuffix("-fresh")).close()  # skip (or fail in CI) without it
    marker = f"litter-{uuid.uuid4().hex}"
    host = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(HOST), backend, marker, LITTER],
        stderr=subprocess.PIPE,
    )
    owner = f"{socket.gethostname()}:{host.pid}"
    try:
        # The run is under way once the program and its daemon both show up on the host.
        assert _eventually(lambda: len(host_processes(marker)) >= 2, seconds=60)
        os.kill(host.pid, stop)
        _, stderr = host.communicate(timeout=60)
        if stop == signal.SIGINT:  # Ctrl-C reaches the caller as KeyboardInterrupt, as usual
            assert b"KeyboardInterrupt" in stderr
        assert _eventually(lambda: host_processes(marker) == [])
        if backend.startswith("docker"):
            api = docker.from_env().api

            def gone() -> bool:
                mine = api.containers(all=True, filters={"label": f"{OWNER_LABEL}={owner}"})
                return not mine

            assert _eventually(gone)
    finally:
        host.kill()
        host.wait()
