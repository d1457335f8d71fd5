"""Sandbox backends for every test: missing ones skip locally, and fail the run under CI=true."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from sandbox import Sandbox, SandboxUnavailable, get_sandbox
from sandbox.bwrap_backend import BwrapSandbox
from sandbox.docker_backend import DockerSandbox

BACKENDS: dict[str, Callable[[], Sandbox]] = {"docker": DockerSandbox, "bwrap": BwrapSandbox}


OpenBackend = Callable[..., Sandbox]


def open_backend(name: str, make: Callable[[], Sandbox] | None = None) -> Sandbox:
    """The backend, or a skip when its infrastructure is absent; in CI, absence is a failure."""
    try:
        return (make or BACKENDS[name])()
    except SandboxUnavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the {name} sandbox must run in CI: {error}")
        pytest.skip(f"the {name} sandbox is unavailable here: {error}")


@pytest.fixture(scope="session", params=list(BACKENDS))
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """Each backend in turn, kept for the session (the docker one keeps its pool warm)."""
    with open_backend(request.param) as backend:
        yield backend


@pytest.fixture(scope="session")
def docker_sandbox() -> Iterator[Sandbox]:
    with open_backend("docker") as backend:
        yield backend


@pytest.fixture(scope="session")
def bwrap_sandbox() -> Iterator[Sandbox]:
    with open_backend("bwrap") as backend:
        yield backend


@pytest.fixture(scope="session")
def require_backend() -> OpenBackend:
    """`open_backend` for tests that build their own backend (a fresh or one-container pool)."""
    return open_backend


@pytest.fixture(scope="session")
def auto_sandbox() -> Iterator[Sandbox]:
    """The backend a user gets by default: docker where a daemon answers, else bubblewrap."""
    with open_backend("auto", lambda: get_sandbox("auto")) as backend:
        yield backend
