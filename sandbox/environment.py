"""The environment in a sandbox: a fixed base plus the request's allow-list, never the host's."""

from __future__ import annotations

from collections.abc import Mapping

from sandbox.model import WORKDIR

BASE_ENV: Mapping[str, str] = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": WORKDIR,
    "LANG": "C.UTF-8",
    "TMPDIR": "/tmp",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def sandbox_env(allowed: Mapping[str, str], home: str = WORKDIR) -> dict[str, str]:
    """Built from constants and the caller's explicit variables only: no host secret can leak in."""
    return {**BASE_ENV, "HOME": home, **allowed}
