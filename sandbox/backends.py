"""Choosing a backend by name: `auto` prefers Docker, then bubblewrap, never the host itself."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from sandbox.base import Sandbox
from sandbox.bwrap_backend import BwrapSandbox, bwrap_works
from sandbox.docker_backend import DEFAULT_IMAGE, DockerSandbox, docker_answers
from sandbox.errors import SandboxError, SandboxUnavailable
from sandbox.image import build_image, image_exists
from sandbox.local_backend import UnsafeLocalSandbox

BACKEND_NAMES = ("auto", "docker", "bwrap", "unsafe-local")
# The source checkout this package runs from: its Dockerfile builds the sandbox image.
CHECKOUT = Path(__file__).resolve().parents[1]
SETUP = "factory sandbox setup"  # installs what bubblewrap needs (as root, on Debian)

Log = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def get_sandbox(name: str = "auto", *, image: str = DEFAULT_IMAGE, log: Log = _stderr) -> Sandbox:
    """The named backend, ready to run; raises SandboxUnavailable with what to install or build.

    `auto` takes Docker when a daemon answers (building its image on first use), else
    bubblewrap when it can make namespaces here; `unsafe-local` is never chosen for you.
    """
    if name == "docker":
        return _docker(image, log)
    if name == "bwrap":
        return BwrapSandbox()
    if name == "unsafe-local":
        return UnsafeLocalSandbox()
    if name != "auto":
        raise ValueError(f"unknown sandbox backend {name!r}; choose one of {BACKEND_NAMES}")
    reasons = []
    if docker_answers():
        try:
            return _docker(image, log)
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
        + f". Install bubblewrap with `{SETUP}` (as root on Debian; it runs apt-get install "
        "bubblewrap), or start a Docker daemon (the sandbox image is then built on first use). "
        "`unsafe-local` runs code without isolation and is only used when named."
    )


def _docker(image: str, log: Log) -> DockerSandbox:
    """The Docker backend; where the daemon answers and `image` is missing, it is built first."""
    if docker_answers() and not image_exists(image):
        log(f"building the sandbox image {image} on first use (once; a minute or two)...")
        try:
            build_image(CHECKOUT, image, "sandbox", lambda line: None)
        except SandboxError as error:
            raise SandboxUnavailable(f"building {image} failed: {error}") from error
        log(f"built {image}")
    return DockerSandbox(image)
