"""The sandbox's boundary types, environment and backend choice: no backend needed to run these."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

import sandbox.backends
from sandbox import (
    ExecRequest,
    ExecResult,
    Limits,
    SandboxUnavailable,
    UnsafeSandboxWarning,
    get_sandbox,
)
from sandbox.environment import BASE_ENV, sandbox_env
from sandbox.streams import STDERR, STDOUT, Capture


@pytest.mark.parametrize(
    "name", ["/etc/passwd", "../escape.py", "a/../../b", "a//b", "./a.py", "a/./b", "", "a\0b"]
)
def test_file_names_must_stay_inside_the_workspace(name: str) -> None:
    with pytest.raises(ValidationError, match="plain relative path"):
        ExecRequest(command=["true"], files={name: "x"})


def test_nested_relative_file_names_are_fine() -> None:
    request = ExecRequest(command=["true"], files={"pkg/mod.py": "x", "data.bin": b"\x00\xff"})
    assert set(request.files) == {"pkg/mod.py", "data.bin"}


@pytest.mark.parametrize(
    "fields",
    [
        {"command": []},
        {"command": [""]},
        {"command": ["echo", "a\0b"]},
        {"command": ["true"], "env": {"BAD-NAME": "x"}},
        {"command": ["true"], "env": {"OK": "nul\0"}},
        {"command": ["true"], "limits": {"timeout_seconds": 0}},
        {"command": ["true"], "limits": {"memory_mb": 1}},
        {"command": ["true"], "limits": {"timeout": 5}},  # a typo must not silently unbound
    ],
)
def test_invalid_requests_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ExecRequest.model_validate(fields)


def test_limits_defaults() -> None:
    assert Limits() == Limits(
        timeout_seconds=10,
        cpu_seconds=10,
        memory_mb=512,
        pids=64,
        output_bytes=1024 * 1024,
        disk_mb=64,
    )


def test_result_round_trips_through_json() -> None:
    result = ExecResult(
        exit_code=None,
        stdout="out",
        stderr="",
        timed_out=True,
        oom_killed=False,
        output_truncated=False,
        wall_seconds=1.5,
        cpu_seconds=None,
        backend="docker",
    )
    assert ExecResult.model_validate_json(result.model_dump_json()) == result


def test_environment_is_the_base_plus_the_allow_list_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOST_SECRET_TOKEN", "s3cret")
    env = sandbox_env({"ALLOWED": "yes"})
    assert env == {**BASE_ENV, "ALLOWED": "yes"}
    assert "s3cret" not in env.values()


def test_capture_keeps_exactly_the_cap_per_stream() -> None:
    capture = Capture(stdout_cap=5, stderr_cap=3)
    assert capture.add(STDOUT, b"abc")
    assert capture.add(STDERR, b"xyz")
    assert capture.add(STDOUT, b"de")
    assert not capture.truncated
    assert not capture.add(STDOUT, b"f")
    assert (bytes(capture.stdout), bytes(capture.stderr), capture.truncated) == (
        b"abcde",
        b"xyz",
        True,
    )


def test_unknown_backend_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown sandbox backend"):
        get_sandbox("chroot")


def test_unsafe_local_warns_loudly() -> None:
    with pytest.warns(UnsafeSandboxWarning, match="no isolation|directly on this host"):
        backend = get_sandbox("unsafe-local")
    assert backend.name == "unsafe-local"


def test_auto_never_falls_back_to_unsafe_local(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pretend this host has neither backend; auto must refuse rather than run unsandboxed.
    monkeypatch.setattr(sandbox.backends, "docker_answers", lambda: False)
    monkeypatch.setattr(sandbox.backends, "bwrap_works", lambda: False)
    with pytest.raises(SandboxUnavailable, match="`unsafe-local` runs code without isolation"):
        get_sandbox("auto")
