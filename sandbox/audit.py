"""The safety audit: run every attack in a backend, check the host for side effects, and report."""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import selectors
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType

from pydantic import BaseModel, ConfigDict, computed_field

from sandbox.attacks import ATTACKS, AUDIT_LIMITS, Attack, Bait, Evidence
from sandbox.base import Sandbox
from sandbox.errors import SandboxError
from sandbox.model import ExecRequest

_SIOCGIFADDR = 0x8915
# Processes an attack left behind are killed asynchronously; give the kernel this long to reap.
_STRAY_GRACE_SECONDS = 3.0


class AuditRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    attack: str
    category: str
    expected: str
    observed: str
    contained: bool


class AuditReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    backend: str
    rows: list[AuditRow]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def escaped(self) -> list[str]:
        return [row.attack for row in self.rows if not row.contained]


def run_audit(sandbox: Sandbox, attacks: tuple[Attack, ...] = ATTACKS) -> AuditReport:
    """Every attack once, in order; a row is contained only if the program's outcome matches what
    the attack expects and the host saw no side effect (connection, kill, write, stray process)."""
    if sandbox.name == "unsafe-local":
        raise SandboxError("the audit attacks the host itself: it never runs on unsafe-local")
    with _Host() as host:
        rows = [_attack(sandbox, attack, host) for attack in attacks]
    return AuditReport(backend=sandbox.name, rows=rows)


def _attack(sandbox: Sandbox, attack: Attack, host: _Host) -> AuditRow:
    request = ExecRequest(
        command=["python3", "attack.py"],
        files={"attack.py": attack.program(host.bait)},
        limits=AUDIT_LIMITS,
    )
    try:
        contained, observed = attack.judge(sandbox.run(request))
    except SandboxError as error:
        contained, observed = False, f"sandbox error: {error}"
    breach = host.evidence().breach()
    if breach:
        contained, observed = False, breach
    return AuditRow(
        attack=attack.name,
        category=attack.category,
        expected=attack.expected,
        observed=observed,
        contained=contained,
    )


class _Host:
    """The bait on the host (files, a secret, listeners, a victim process) and what it records."""

    def __init__(self) -> None:
        token = secrets.token_hex(8)
        self._scratch = Path(tempfile.mkdtemp(prefix="factory-audit-"))
        self._scratch.chmod(0o755)
        self._canary = self._scratch / "canary.txt"
        self._drop = self._scratch / "drop"
        self._env_name = f"FACTORY_AUDIT_SECRET_{token.upper()}"
        self._listener = _listen_everywhere()
        self._abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._abstract.bind(f"\0factory-audit-{token}")
        self._abstract.listen()
        self._connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._victim = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(3600)", f"factory-{token}-victim"]
        )
        self.bait = Bait(
            canary_path=str(self._canary),
            canary_secret=f"canary-{token}",
            drop_dir=str(self._drop),
            home=str(Path.home()),
            env_name=self._env_name,
            env_secret=f"secret-{token}",
            tcp_port=self._listener.getsockname()[1],
            host_addresses=_host_addresses() or ("172.17.0.1",),
            registry_address=_resolve("pypi.org"),
            abstract_socket=f"factory-audit-{token}",
            victim_pid=self._victim.pid,
            host_pid=os.getpid(),
            marker=f"factory-{token}",
        )

    def __enter__(self) -> _Host:
        self._canary.write_text(self.bait.canary_secret)
        self._canary.chmod(0o644)
        self._drop.mkdir()
        self._drop.chmod(0o777)
        os.environ[self._env_name] = self.bait.env_secret
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._listener.close()
        self._abstract.close()
        self._victim.kill()
        self._victim.wait()
        os.environ.pop(self._env_name, None)
        shutil.rmtree(self._scratch, ignore_errors=True)

    def evidence(self) -> Evidence:
        """What changed on the host since the last call."""
        connections, self._connections = self._connections, 0
        deadline = time.monotonic() + _STRAY_GRACE_SECONDS
        strays = processes_with(self.bait.marker + "-daemon")
        while strays and time.monotonic() < deadline:
            time.sleep(0.05)
            strays = processes_with(self.bait.marker + "-daemon")
        return Evidence(
            connections=connections,
            victim_alive=self._victim.poll() is None,
            canary_intact=self._canary.read_text() == self.bait.canary_secret,
            planted=tuple(sorted(os.listdir(self._drop))),
            strays=tuple(strays),
        )

    def _accept(self) -> None:
        with selectors.DefaultSelector() as selector:
            for listener in (self._listener, self._abstract):
                listener.setblocking(False)
                selector.register(listener, selectors.EVENT_READ)
            while not self._stop.is_set():
                for key, _ in selector.select(0.1):
                    ready = key.fileobj
                    assert isinstance(ready, socket.socket)
                    with contextlib.suppress(OSError):
                        ready.accept()[0].close()
                        self._connections += 1


def _listen_everywhere() -> socket.socket:
    """One TCP port on every host address, IPv6 and (dual-stack) IPv4 alike."""
    try:
        listener = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        listener.bind(("::", 0))
    except OSError:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("0.0.0.0", 0))
    listener.listen()
    return listener


def _host_addresses() -> tuple[str, ...]:
    """The host's own non-loopback IPv4 addresses: docker0 and the other bridges among them."""
    addresses = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _, name in socket.if_nameindex():
            request = struct.pack("256s", name.encode()[:15])
            try:
                reply = fcntl.ioctl(probe.fileno(), _SIOCGIFADDR, request)
            except OSError:
                continue  # an interface without an IPv4 address
            address = socket.inet_ntoa(reply[20:24])
            if not address.startswith("127."):
                addresses.append(address)
    return tuple(addresses)


def _resolve(name: str) -> str:
    try:
        return str(socket.getaddrinfo(name, 443, socket.AF_INET)[0][4][0])
    except OSError:
        return name


def processes_with(marker: str) -> list[int]:
    """Host pids whose command line contains `marker`: what a run may have left behind."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found
