"""What goes into a sandbox and what comes out: the only types callers exchange with a backend."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

WORKDIR = "/work"

JUDGE_UID_ENV = "SANDBOX_JUDGE_UID"
CANDIDATE_UID_ENV = "SANDBOX_USER_UID"

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def as_bytes(data: str | bytes) -> bytes:
    """Requests accept text or bytes for files and stdin; what crosses into a sandbox is bytes."""
    return data.encode() if isinstance(data, str) else data


class _Frozen(BaseModel):
    # A typo in a limit name must fail loudly: a silently ignored limit is an unbounded run.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Frozen):
    """Bounds every backend enforces on one run."""

    timeout_seconds: Annotated[float, Field(gt=0, le=3600)] = 10.0
    cpu_seconds: Annotated[int, Field(ge=1, le=3600)] = 10
    memory_mb: Annotated[int, Field(ge=32, le=65536)] = 512
    pids: Annotated[int, Field(ge=8, le=4096)] = 64
    # stdout and stderr are each kept up to this many bytes; a run that writes more is stopped.
    output_bytes: Annotated[int, Field(ge=1, le=64 * 1024 * 1024)] = 1024 * 1024
    # Size of each writable tmpfs (the working directory and /tmp); also the largest file.
    disk_mb: Annotated[int, Field(ge=1, le=16384)] = 64


class ExecRequest(_Frozen):
    """Files to place in a fresh working directory, the command to run there, and its bounds.

    `env` is the whole allow-list: the sandbox sees a fixed base (PATH, HOME, LANG, TMPDIR)
    plus exactly these variables, and never anything from the host's environment.

    With `two_users`, the command starts as the sandbox's root holding only CAP_SETUID and
    CAP_SETGID, and finds in its environment two unprivileged uids of this run (JUDGE_UID_ENV,
    CANDIDATE_UID_ENV) to which it must drop itself at once: a judge, and the untrusted code
    it judges, which then cannot reach the judge or anything above it. Backends that cannot give
    a run two users (unsafe-local, bubblewrap when not root) run the command as one user, with
    neither variable set.
    """

    command: Annotated[list[str], Field(min_length=1)]
    files: dict[str, str | bytes] = Field(default_factory=dict)
    stdin: str | bytes = ""
    env: dict[str, str] = Field(default_factory=dict)
    limits: Limits = Field(default_factory=Limits)
    two_users: bool = False

    @field_validator("command")
    @classmethod
    def _no_nul_in_command(cls, command: list[str]) -> list[str]:
        if not command[0] or any("\0" in arg for arg in command):
            raise ValueError("the program name must be non-empty and no argument may contain NUL")
        return command

    @field_validator("files")
    @classmethod
    def _relative_paths(cls, files: dict[str, str | bytes]) -> dict[str, str | bytes]:
        for name in files:
            path = PurePosixPath(name)
            if (
                not name
                or "\0" in name
                or path.is_absolute()
                or str(path) != name
                or any(part in ("", ".", "..") for part in path.parts)
            ):
                raise ValueError(f"file name {name!r} must be a plain relative path in {WORKDIR}")
        return files

    @field_validator("env")
    @classmethod
    def _valid_env(cls, env: dict[str, str]) -> dict[str, str]:
        for name, value in env.items():
            if not _ENV_NAME.fullmatch(name) or "\0" in value:
                raise ValueError(f"environment variable {name!r} has an invalid name or value")
        return env


class ExecResult(_Frozen):
    """What happened, as every backend reports it.

    `exit_code` follows the shell: the program's status, 128+N when signal N killed it, and
    None when the sandbox itself stopped the run (timeout, output cap).
    `cpu_seconds` is None where a backend cannot attribute CPU time (docker, after a kill).
    """

    exit_code: int | None
    stdout: str
    stderr: str
    timed_out: bool
    oom_killed: bool
    output_truncated: bool
    wall_seconds: float
    cpu_seconds: float | None
    backend: str
