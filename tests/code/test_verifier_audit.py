"""The code verifier's audit: no hostile candidate changes a verdict, its own or a batch-mate's,
on either backend; and the command fails when one does."""

from __future__ import annotations

import json
from functools import partial

import pytest
from typer.testing import CliRunner

import factory.verify_audit_cli
from factory.cli import app
from sandbox import ExecRequest, ExecResult, Sandbox
from verifiers.code.audit import ATTACKS, VerifierAttack, audit_verifier


def test_the_audit_covers_forgery_sabotage_and_stalls() -> None:
    assert {attack.category for attack in ATTACKS} == {"forgery", "sabotage", "stall"}
    assert len({attack.name for attack in ATTACKS}) == len(ATTACKS)


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda attack: attack.name)
def test_no_attack_changes_a_verdict(sandbox: Sandbox, attack: VerifierAttack) -> None:
    (row,) = audit_verifier(sandbox, (attack,))
    assert row.held, row.observed


class _Unconfined(Sandbox):
    """The isolation this audit is there to miss: the judge shares the candidate's uid (with the
    shell above it, which holds its report stream) and the candidate has no seccomp filter."""

    name = "unconfined"

    def __init__(self, inner: Sandbox) -> None:
        self._inner = inner

    def run(self, request: ExecRequest) -> ExecResult:
        harness = str(request.files["harness.py"])
        unfiltered = harness.replace("_SYSCALLS.get(os.uname().machine)", "None")
        assert unfiltered != harness
        files = {**request.files, "harness.py": unfiltered}
        return self._inner.run(request.model_copy(update={"two_users": False, "files": files}))


def _only(name: str) -> tuple[VerifierAttack, ...]:
    return tuple(attack for attack in ATTACKS if attack.name == name)


def test_the_command_reports_every_attack_held(
    bwrap_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        factory.verify_audit_cli,
        "audit_verifier",
        partial(audit_verifier, attacks=_only("fake-report")),
    )
    result = CliRunner().invoke(app, ["verify", "audit", "--backend", "bwrap", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["backend"] == "bwrap"
    assert [(row["attack"], row["held"]) for row in report["rows"]] == [("fake-report", True)]


def test_a_judge_within_the_candidates_reach_is_caught(
    bwrap_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On bwrap the namespace's init, a shell holding the judge's stdout, then shares the
    # candidate's uid: pidfd_getfd takes the stream from it.
    monkeypatch.setattr(
        factory.verify_audit_cli, "get_sandbox", lambda _: _Unconfined(bwrap_sandbox)
    )
    monkeypatch.setattr(
        factory.verify_audit_cli,
        "audit_verifier",
        partial(audit_verifier, attacks=_only("judge-stdout")),
    )
    result = CliRunner().invoke(app, ["verify", "audit"])
    assert result.exit_code == 1
    assert "BROKEN" in result.stdout and "0/1 attacks held on unconfined" in result.stdout
