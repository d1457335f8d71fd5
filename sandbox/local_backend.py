"""unsafe-local: the program runs on this host with rlimits only. No isolation; for trusted code."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

from sandbox.base import Sandbox
from sandbox.environment import sandbox_env
from sandbox.errors import UnsafeSandboxWarning
from sandbox.model import ExecRequest, ExecResult, as_bytes
from sandbox.process import limited, run_process


class UnsafeLocalSandbox(Sandbox):
    """A temporary directory and rlimits: the program can read, write and reach what you can."""

    name = "unsafe-local"

    def __init__(self) -> None:
        warnings.warn(
            "unsafe-local runs untrusted code directly on this host: it can read your files, "
            "reach the network and outlive the run. Use docker or bwrap for untrusted code.",
            UnsafeSandboxWarning,
            stacklevel=2,
        )

    def run(self, request: ExecRequest) -> ExecResult:
        with tempfile.TemporaryDirectory(prefix="factory-unsafe-") as workdir:
            for name, data in request.files.items():
                path = Path(workdir, name)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(as_bytes(data))
            finished = run_process(
                # RLIMIT_NPROC would count every process this user already runs on the host.
                limited(request.limits, request.command, nproc=False, wait=False),
                as_bytes(request.stdin),
                request.limits,
                env={**sandbox_env(request.env, home=workdir), "TMPDIR": workdir},
                cwd=workdir,
            )
        return finished.result(self.name)
