"""What an attack is made of: the host bait it aims at, its program, how its outcome is judged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sandbox.model import ExecResult, Limits

# Every attack runs under these bounds; the resource attacks are judged against them.
AUDIT_LIMITS = Limits(
    timeout_seconds=5,
    cpu_seconds=3,
    memory_mb=256,
    pids=64,
    output_bytes=64 * 1024,
    disk_mb=32,
)


@dataclass(frozen=True)
class Bait:
    """Things on the host that only a broken sandbox could touch; each attack aims at some."""

    canary_path: str  # a world-readable host file holding canary_secret
    canary_secret: str
    drop_dir: str  # a world-writable host directory that must stay empty
    home: str  # the auditing user's home directory
    env_name: str  # set in the host's environment for the whole audit
    env_secret: str
    tcp_port: int  # a host listener on every address, IPv4 and IPv6
    host_addresses: tuple[str, ...]  # the host's own non-loopback IPv4 addresses (bridges too)
    registry_address: str  # where a package registry resolves from the host: "the internet"
    abstract_socket: str  # a host listener in the abstract unix namespace
    victim_pid: int  # a host process that must survive
    host_pid: int  # the auditing process itself
    marker: str  # unique token in the argv of anything an attack leaves running


@dataclass(frozen=True)
class Evidence:
    """What the host saw during one attack, whatever the program inside claimed."""

    connections: int
    victim_alive: bool
    canary_intact: bool
    planted: tuple[str, ...]
    strays: tuple[int, ...]

    def breach(self) -> str | None:
        if self.connections:
            return f"host listener accepted {self.connections} connection(s)"
        if not self.victim_alive:
            return "host victim process was killed"
        if not self.canary_intact:
            return "host canary file was changed"
        if self.planted:
            return f"files appeared in the host drop dir: {', '.join(self.planted)}"
        if self.strays:
            return f"processes outlived the run: pids {self.strays}"
        return None


Judge = Callable[[ExecResult], tuple[bool, str]]


@dataclass(frozen=True)
class Attack:
    """One attempt to escape or exhaust; `expected` is the outcome that counts as contained."""

    name: str
    category: str
    expected: str
    program: Callable[[Bait], str]
    judge: Judge


PRELUDE = """
import ctypes, errno, os, socket, sys, time
libc = ctypes.CDLL(None, use_errno=True)
def report(escaped, detail):
    print(("ESCAPED " if escaped else "BLOCKED ") + str(detail)[:160], flush=True)
def err(e):
    if isinstance(e, OSError):
        return errno.errorcode.get(e.errno, str(e.errno))
    return f"{type(e).__name__}: {e}"
"""


def program(body: str, **constants: object) -> str:
    """An attack program: its constants (repr'd, so no quoting games), the prelude, the body."""
    header = "".join(f"{name} = {value!r}\n" for name, value in constants.items())
    return header + PRELUDE + body


def reported(result: ExecResult) -> tuple[bool, str]:
    """The program's own last verdict line; none at all fails closed (counts as an escape)."""
    for line in reversed(result.stdout.splitlines()):
        if line.startswith(("ESCAPED ", "BLOCKED ")):
            verdict, _, detail = line.partition(" ")
            return verdict == "BLOCKED", detail
    tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
    return False, f"no verdict (exit {result.exit_code}): {tail[:120]}"
