"""Docker backend: hardened containers kept warm and reused through their PID 1, or a fresh one
per run."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import secrets
import socket
import struct
import tarfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import docker
from docker.errors import APIError, DockerException, ImageNotFound, NotFound
from requests.exceptions import RequestException

from sandbox.base import Sandbox
from sandbox.environment import sandbox_env
from sandbox.errors import SandboxError, SandboxUnavailable
from sandbox.model import WORKDIR, ExecRequest, ExecResult, Limits, as_bytes
from sandbox.streams import STDERR, STDOUT, Capture, Feed, pump

DEFAULT_IMAGE = "reasoning-factory-sandbox:latest"
LABEL = "reasoning-factory.sandbox"
OWNER_LABEL = "reasoning-factory.sandbox.owner"
SANDBOX_USER = "10001:10001"
_CPU_QUOTA_NANOS = 1_000_000_000  # one CPU per run
_TRAILER_ROOM = 128

# PID 1 of every container, and the server of its runs. The untrusted code runs as the same user
# but can neither ptrace it nor open its fds (not dumpable) nor signal it (a namespace's init gets
# only the signals it handles). It exits when its stdin closes, also in the middle of a run:
# stdin is attached to the process that created the container, so if that process dies, even by
# SIGKILL, the container stops and Docker removes it. A run: a JSON header line and `size` bytes
# (files, then the program's stdin) arrive on stdin; the runner is forked with pipes for its stdio
# and no other fd; its output goes back on stdout in frames (kind, length, bytes) only PID 1
# writes, and b"x" ends the run with its exit status. A fork here replaces a `docker exec`, whose
# runc exec cost ~45 ms of CPU a run.
_INIT = r"""
import ctypes, json, os, select, signal, sys, time
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)
signal.signal(signal.SIGINT, signal.SIG_IGN)
def send(kind, data=b""):
    frame = kind + len(data).to_bytes(4, "big") + data
    while frame:
        frame = frame[os.write(1, frame):]
def reap():
    deadline = time.monotonic() + 0.05
    while time.monotonic() < deadline:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                time.sleep(0.001)
        except ChildProcessError:
            return
def run(argv, env, feed):
    i_r, i_w = os.pipe()
    o_r, o_w = os.pipe()
    e_r, e_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            for fd, std in ((i_r, 0), (o_w, 1), (e_w, 2)):
                os.dup2(fd, std)
            os.closerange(3, os.sysconf("SC_OPEN_MAX"))
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGPIPE, signal.SIG_DFL)
            os.execve("/bin/sh", argv, env)
        finally:
            os._exit(125)
    for fd in (i_r, o_w, e_w):
        os.close(fd)
    os.set_blocking(i_w, False)
    kinds = {o_r: b"o", e_r: b"e"}
    feeding = True
    while kinds:
        if feeding and not feed:
            os.close(i_w)
            feeding = False
        readable, writable, _ = select.select([*kinds, 0], [i_w] if feeding else [], [])
        if 0 in readable and not os.read(0, 65536):
            os._exit(0)  # the host is gone: stop the container, and the run with it
        if writable:
            try:
                feed = feed[os.write(i_w, feed[:65536]):]
            except BrokenPipeError:
                feed = b""
        for fd in set(readable) & set(kinds):
            data = os.read(fd, 65536)
            if data:
                send(kinds[fd], data)
            else:
                os.close(fd)
                del kinds[fd]
    if feeding:
        os.close(i_w)
    status = os.waitpid(pid, 0)[1]
    reap()
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
    send(b"x", str(code).encode())
requests = sys.stdin.buffer
while line := requests.readline():
    request = json.loads(line)
    run(request["argv"], {**os.environ, **request["env"]}, requests.read(request["size"]))
"""

# One runner per run: wipe what a previous run left (files, SysV IPC objects), unpack the files
# from stdin, run the program under its CPU and file-size rlimits, kill every process it left
# behind, then append the cgroup's CPU and OOM-kill deltas to stderr after a per-run marker. The
# rest of stdin is the program's.
_RUNNER = r"""
cpu=$1 fsize=$2 size=$3 marker=$4
shift 4
for d in /work /tmp /dev/shm; do
  for f in "$d"/* "$d"/.[!.]* "$d"/..?*; do
    if [ -e "$f" ] || [ -h "$f" ]; then
      chmod -R u+rwX "$d" 2>/dev/null
      rm -rf -- "$d"/* "$d"/.[!.]* "$d"/..?* || exit 125
      break
    fi
  done
done
ipcrm --all 2>/dev/null || exit 125
if [ "$size" -gt 0 ]; then head -c "$size" | tar -x -f - -C /work || exit 125; fi
counters() {
  cpu_us=0 oom=0
  if [ -r /sys/fs/cgroup/cpu.stat ]; then
    while read -r key value; do
      [ "$key" = usage_usec ] && cpu_us=$value
    done < /sys/fs/cgroup/cpu.stat
  elif [ -r /sys/fs/cgroup/cpuacct/cpuacct.usage ]; then
    read -r ns < /sys/fs/cgroup/cpuacct/cpuacct.usage
    cpu_us=$((ns / 1000))
  fi
  for f in /sys/fs/cgroup/memory.events /sys/fs/cgroup/memory/memory.oom_control; do
    if [ -r "$f" ]; then
      while read -r key value; do [ "$key" = oom_kill ] && oom=$value; done < "$f"
    fi
  done
}
counters
cpu0=$cpu_us oom0=$oom
ulimit -t "$cpu"
ulimit -f "$fsize"
"$@"
rc=$?
kill -9 -1 2>/dev/null
counters
printf '\n%s %s %s\n' "$marker" "$((cpu_us - cpu0))" "$((oom - oom0))" >&2
exit $rc
"""


@dataclass(frozen=True)
class _Shape:
    """The limits fixed when a container is created; runs with the same shape share a pool."""

    memory_mb: int
    pids: int
    disk_mb: int

    @classmethod
    def of(cls, limits: Limits) -> _Shape:
        return cls(limits.memory_mb, limits.pids, limits.disk_mb)


@dataclass(frozen=True)
class _Container:
    """A started container: `conn` is its PID 1's stdin and stdout, and closing it ends the
    container; `init_pid` is the host pid of its PID 1."""

    id: str
    shape: _Shape
    conn: socket.socket
    init_pid: int


class DockerSandbox(Sandbox):
    """Runs each request through a warm container's PID 1 (or, with `fresh`, a new container's).

    Between runs a container goes back to the pool only when the daemon's own process list
    shows nothing but its init left; anything else, a timeout or an overflow discards it.
    """

    name = "docker"

    def __init__(self, image: str = DEFAULT_IMAGE, *, fresh: bool = False, pool_size: int = 4):
        try:
            self._client = docker.from_env()
            self._api = self._client.api
            self._client.images.get(image)
        except ImageNotFound as error:
            raise SandboxUnavailable(
                f"docker image {image} is missing: build it with `factory sandbox build-image`"
            ) from error
        except (DockerException, RequestException) as error:
            raise SandboxUnavailable(f"no Docker daemon answers: {error}") from error
        self._image = image
        self._fresh = fresh
        self._pool_size = pool_size
        self._owner = f"{socket.gethostname()}:{os.getpid()}"
        self._lock = threading.Lock()
        self._idle: dict[_Shape, list[_Container]] = {}
        self._live: set[_Container] = set()
        self._closed = False
        self._recycler = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sandbox-recycle")
        self._sweep_orphans()

    def run(self, request: ExecRequest) -> ExecResult:
        container = self._acquire(_Shape.of(request.limits))
        try:
            result, reusable = self._exec(container, request)
        except BaseException:
            self._discard(container)
            raise
        if reusable and not self._fresh:
            try:
                self._recycler.submit(self._recycle, container)
                return result
            except RuntimeError:  # close() has shut the recycler down
                pass
        self._discard(container)
        return result

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._idle.clear()
        self._recycler.shutdown(wait=True)
        for container in list(self._live):
            self._discard(container)

    def _acquire(self, shape: _Shape) -> _Container:
        with self._lock:
            if self._closed:
                raise SandboxError("this sandbox is closed")
            idle = self._idle.get(shape)
            if idle:
                return idle.pop()
        return self._start(shape)

    def _start(self, shape: _Shape) -> _Container:
        """Create, attach PID 1's stdio, then start: no window where nothing holds its stdin."""
        host_config = self._api.create_host_config(
            network_mode="none",
            read_only=True,
            tmpfs={
                WORKDIR: f"rw,nosuid,nodev,size={shape.disk_mb}m,uid=10001,gid=10001,mode=0700",
                "/tmp": f"rw,nosuid,nodev,size={shape.disk_mb}m,mode=1777",
            },
            shm_size=f"{shape.disk_mb}m",
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            pids_limit=shape.pids,
            mem_limit=f"{shape.memory_mb}m",
            memswap_limit=f"{shape.memory_mb}m",
            nano_cpus=_CPU_QUOTA_NANOS,
            ipc_mode="private",
            auto_remove=True,
        )
        created = self._api.create_container(
            self._image,
            command=["python3", "-I", "-S", "-c", _INIT],
            user=SANDBOX_USER,
            stdin_open=True,
            working_dir=WORKDIR,
            hostname="sandbox",
            labels={LABEL: "1", OWNER_LABEL: self._owner},
            host_config=host_config,
        )
        container_id: str = created["Id"]
        try:
            attached = self._api.attach_socket(
                container_id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
            )
            conn = socket.socket(fileno=os.dup(attached.fileno()))
            conn.setblocking(False)
            self._api.start(container_id)
            init_pid = int(self._api.inspect_container(container_id)["State"]["Pid"])
        except BaseException:
            _remove(self._api, container_id)
            raise
        container = _Container(container_id, shape, conn, init_pid)
        with self._lock:
            self._live.add(container)
            closed = self._closed
        if closed:  # close() ran while this one started: it saw no container to stop
            self._discard(container)
            raise SandboxError("this sandbox is closed")
        return container

    def _exec(self, container: _Container, request: ExecRequest) -> tuple[ExecResult, bool]:
        limits = request.limits
        files = _tar(request.files)
        marker = f"\x1esandbox-{secrets.token_hex(8)}"
        argv = [
            "sh", "-c", _RUNNER, "runner",
            str(limits.cpu_seconds), str(limits.disk_mb * 2048), str(len(files)), marker,
            *request.command,
        ]  # fmt: skip
        feed = files + as_bytes(request.stdin)
        header = json.dumps({"argv": argv, "env": sandbox_env(request.env), "size": len(feed)})
        started = time.monotonic()
        capture = Capture(limits.output_bytes, limits.output_bytes + _TRAILER_ROOM)
        request_bytes = header.encode() + b"\n" + feed
        deadline = started + limits.timeout_seconds
        outcome, exit_code = _converse(container.conn, request_bytes, deadline, capture)
        if outcome != "done":
            self._discard(container)  # kills the run with its container, the one sure way
            del capture.stderr[limits.output_bytes :]
            return self._result(capture, None, outcome == "timeout", None, False, started), False
        stderr, trailer = _split_trailer(bytes(capture.stderr), marker)
        if trailer is None and exit_code == 125:
            raise SandboxError(f"the sandbox could not set up the run: {stderr.decode()[-500:]}")
        capture.stderr = bytearray(stderr[: limits.output_bytes])
        capture.truncated |= len(stderr) > limits.output_bytes
        cpu_seconds, oom_killed = trailer if trailer else (None, False)
        result = self._result(capture, exit_code, False, cpu_seconds, oom_killed, started)
        return result, trailer is not None

    def _result(
        self,
        capture: Capture,
        exit_code: int | None,
        timed_out: bool,
        cpu_seconds: float | None,
        oom_killed: bool,
        started: float,
    ) -> ExecResult:
        return ExecResult(
            exit_code=exit_code,
            stdout=capture.stdout.decode(errors="replace"),
            stderr=capture.stderr.decode(errors="replace"),
            timed_out=timed_out,
            oom_killed=oom_killed,
            output_truncated=capture.truncated,
            wall_seconds=time.monotonic() - started,
            cpu_seconds=cpu_seconds,
            backend=self.name,
        )

    def _recycle(self, container: _Container) -> None:
        """Trust the daemon's process list, not the container's word: only init may remain."""
        try:
            processes = self._api.top(container.id, ps_args="-o pid")["Processes"] or []
            clean = [int(row[0]) for row in processes] == [container.init_pid]
        except (DockerException, RequestException, ValueError):
            clean = False
        with self._lock:
            idle = self._idle.setdefault(container.shape, [])
            if clean and not self._closed and len(idle) < self._pool_size:
                idle.append(container)
                return
        self._discard(container)

    def _discard(self, container: _Container) -> None:
        with self._lock:
            self._live.discard(container)
        _shutdown(container.conn)
        _remove(self._api, container.id)

    def _sweep_orphans(self) -> None:
        """Remove containers whose creating process on this host is gone (killed before start)."""
        host = socket.gethostname()
        for info in self._api.containers(all=True, filters={"label": LABEL}):
            owner_host, _, owner_pid = info["Labels"].get(OWNER_LABEL, "").rpartition(":")
            if owner_host == host and owner_pid.isdigit() and not _alive(int(owner_pid)):
                _remove(self._api, info["Id"])


class _Frames:
    """Docker's multiplexed stream: an 8-byte header (stream id, 3 zero bytes, big-endian size),
    then the payload. Frames are at most a few KiB, so only one partial frame is ever held."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> Iterator[tuple[int, bytes]]:
        self._buffer += chunk
        while len(self._buffer) >= 8:
            stream, size = struct.unpack(">BxxxL", self._buffer[:8])
            if len(self._buffer) < 8 + size:
                return
            payload = bytes(self._buffer[8 : 8 + size])
            del self._buffer[: 8 + size]
            yield (STDERR if stream == STDERR else STDOUT), payload


class _Messages:
    """PID 1's frames inside its stdout: a kind byte (o, e, x), a big-endian length, the bytes."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> Iterator[tuple[bytes, bytes]]:
        self._buffer += chunk
        while len(self._buffer) >= 5:
            size = int.from_bytes(self._buffer[1:5], "big")
            if len(self._buffer) < 5 + size:
                return
            kind, payload = bytes(self._buffer[:1]), bytes(self._buffer[5 : 5 + size])
            del self._buffer[: 5 + size]
            yield kind, payload


Outcome = Literal["done", "timeout", "capped"]


def _converse(
    conn: socket.socket, request: bytes, deadline: float, capture: Capture
) -> tuple[Outcome, int | None]:
    """Send one run to PID 1 and collect its output until the exit frame, the deadline, or an
    overflow; (outcome, exit status)."""
    frames, messages = _Frames(), _Messages()
    exit_codes: list[int] = []
    errors = bytearray()  # PID 1's own stderr: only a crash of ours writes there

    def sink(_fd: int, chunk: bytes) -> bool:
        for stream, payload in frames.feed(chunk):
            if stream == STDERR:
                errors.extend(payload[-4096:])
                continue
            for kind, body in messages.feed(payload):
                if kind == b"x":
                    exit_codes.append(int(body))
                    return False
                if not capture.add(STDOUT if kind == b"o" else STDERR, body):
                    return False
        return True

    # The request ends by its length, not by closing: the connection is PID 1's stdin for good.
    outcome = pump([conn.fileno()], Feed(conn.fileno(), request, lambda: None), deadline, sink)
    if exit_codes:
        return "done", exit_codes[0]
    if outcome == "eof":
        raise SandboxError(f"the container's init stopped: {errors.decode()[-500:]}")
    return ("timeout" if outcome == "timeout" else "capped"), None


_TRAILER = re.compile(rb"\n(\S+) (\d+) (\d+)\n\Z")


def _split_trailer(stderr: bytes, marker: str) -> tuple[bytes, tuple[float, bool] | None]:
    """Separate the runner's trailer from the program's stderr: (cpu seconds, OOM kill seen)."""
    start = stderr.rfind(b"\n" + marker.encode() + b" ")
    match = _TRAILER.match(stderr, start) if start >= 0 else None
    if match is None or match.group(1) != marker.encode():
        return stderr, None
    return stderr[:start], (int(match.group(2)) / 1e6, int(match.group(3)) > 0)


def _tar(files: dict[str, str | bytes]) -> bytes:
    """The request's files as a tar archive, streamed to the runner over the exec's stdin."""
    if not files:
        return b""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, data in files.items():
            content = as_bytes(data)
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mode = 0o644
            info.mtime = int(time.time())
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def _shutdown(conn: socket.socket) -> None:
    """Shut the connection down for every fd that shares it, then close ours."""
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)
    conn.close()


def _remove(api: docker.APIClient, container_id: str) -> None:
    try:
        api.remove_container(container_id, force=True)
    except NotFound:
        pass
    except APIError as error:
        if error.status_code != 409:  # 409: Docker's auto-remove got there first
            raise


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def docker_answers() -> bool:
    """True when a Docker daemon responds; says nothing about the image."""
    try:
        return bool(docker.from_env(timeout=5).ping())
    except (DockerException, RequestException):
        return False
