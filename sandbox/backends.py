"""Choosing a backend by name: `auto` prefers Docker, then bubblewrap, never the host itself."""

from __future__ import annotations

from sandbox.base import Sandbox
from sandbox.bwrap_backend import BwrapSandbox, bwrap_works
from sandbox.docker_backend import DEFAULT_IMAGE, DockerSandbox, docker_answers
from sandbox.errors import SandboxUnavailable
from sandbox.local_backend import UnsafeLocalSandbox

BACKEND_NAMES = ("auto", "docker", "bwrap", "unsafe-local")


def get_sandbox(name: str = "auto") -> Sandbox:
    """The named backend, ready to run; raises SandboxUnavailable with what to install or build.

    `auto` takes Docker when a daemon answers and the sandbox image exists, else bubblewrap when
    it can make namespaces here; `unsafe-local` is never chosen for you.
    """
    if name == "docker":
        return DockerSandbox()
    if name == "bwrap":
        return BwrapSandbox()
    if name == "unsafe-local":
        return UnsafeLocalSandbox()
    if name != "auto":
        raise ValueError(f"unknown sandbox backend {name!r}; choose one of {BACKEND_NAMES}")
    reasons = []
    if docker_answers():
        try:
            return DockerSandbox()
        except SandboxUnavailable as error:
            reasons.append(str(error))
    else:
        reasons.append("no Docker daemon answers")
    if bwrap_works():
        return BwrapSandbox()
    reasons.append("bubblewrap is missing or cannot create namespaces here")
    raise SandboxUnavailable(
        "no sandbox backend is usable: "
        + "; ".join(reasons)
        + f". Start Docker and build {DEFAULT_IMAGE} (`factory sandbox build-image`), or install "
        "bubblewrap. `unsafe-local` runs code without isolation and is only used when named."
    )
