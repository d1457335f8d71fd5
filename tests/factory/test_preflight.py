"""A domain's verifier must judge its canary right before any request is sent for the domain."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factory.cli import app
from factory.preflight import preflight
from problems import Problem
from sandbox.bwrap_backend import bwrap_works
from sandbox.docker_backend import docker_answers
from verifiers.plugins import load_verifier
from verifiers.verdict import Verdict


class Lenient:
    """A verifier that passes whatever it is given, as a misconfigured plugin might."""

    name = "lenient"
    version = "0"
    domain = "math"

    def verify(self, jobs: Sequence[tuple[Problem, str]]) -> list[Verdict]:
        return [Verdict(status="pass", verifier="lenient", version="0", seconds=0) for _ in jobs]

    def close(self) -> None:
        return None


def test_a_verifier_that_passes_the_known_bad_candidate_is_refused() -> None:
    reason = preflight("math", Lenient())
    assert reason is not None
    assert "pass and pass instead of pass and fail" in reason and "fix:" in reason


@pytest.mark.parametrize(("domain", "options"), [("math", {"workers": 1}), ("code", {})])
def test_the_built_in_verifiers_judge_their_canaries(
    domain: str, options: dict[str, object], auto_sandbox: object
) -> None:
    verifier = load_verifier(domain, options)
    try:
        assert preflight(domain, verifier) is None
    finally:
        verifier.close()


def test_sandbox_setup_does_nothing_where_bubblewrap_works() -> None:
    if not bwrap_works():
        pytest.skip("bubblewrap does not work here")
    result = CliRunner().invoke(app, ["sandbox", "setup"])
    assert result.exit_code == 0, result.output
    assert "nothing to do" in result.output


def test_sandbox_setup_does_nothing_where_only_docker_answers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if not docker_answers():
        pytest.skip("no Docker daemon answers here")
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap to be found, nor apt-get to run
    result = CliRunner().invoke(app, ["sandbox", "setup"])
    assert result.exit_code == 0, result.output
    assert "a Docker daemon answers here" in result.output
