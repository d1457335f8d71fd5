"""The attack battery: every attack contained on both backends, and an escape fails the command."""

from __future__ import annotations

import json
import os
from functools import partial

import pytest
from typer.testing import CliRunner

import factory.sandbox_cli
from factory.cli import app
from sandbox import ExecRequest, ExecResult, Sandbox, cgroup
from sandbox.attacks import ATTACKS, memory_split
from sandbox.audit import run_audit

REQUIRED_CATEGORIES = {"network", "filesystem", "processes", "privilege", "resources"}


def test_battery_covers_every_kind_of_attack() -> None:
    assert len(ATTACKS) >= 30
    assert {attack.category for attack in ATTACKS} == REQUIRED_CATEGORIES
    assert len({attack.name for attack in ATTACKS}) == len(ATTACKS)
    assert all(attack.expected for attack in ATTACKS)


def test_audit_command_finds_every_attack_contained(sandbox: Sandbox) -> None:
    result = CliRunner().invoke(app, ["sandbox", "audit", "--backend", sandbox.name, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["backend"] == sandbox.name
    assert report["escaped"] == []
    assert [row["attack"] for row in report["rows"]] == [attack.name for attack in ATTACKS]
    assert all(row["contained"] for row in report["rows"])


class _Leaky(Sandbox):
    """A deliberately broken sandbox: it hands the host's environment to the program."""

    name = "leaky"

    def __init__(self, inner: Sandbox) -> None:
        self._inner = inner

    def run(self, request: ExecRequest) -> ExecResult:
        env = {k: v for k, v in os.environ.items() if k.startswith("FACTORY_AUDIT_SECRET_")}
        return self._inner.run(request.model_copy(update={"env": env}))


def test_an_escape_is_reported_and_fails_the_command(
    bwrap_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    attack = next(a for a in ATTACKS if a.name == "host-env-secret")
    monkeypatch.setattr(factory.sandbox_cli, "get_sandbox", lambda name: _Leaky(bwrap_sandbox))
    monkeypatch.setattr(factory.sandbox_cli, "run_audit", partial(run_audit, attacks=(attack,)))
    result = CliRunner().invoke(app, ["sandbox", "audit"])
    assert result.exit_code == 1
    assert "ESCAPED" in result.stdout and "0/1 attacks contained on leaky" in result.stdout


def test_the_audit_refuses_unsafe_local() -> None:
    result = CliRunner().invoke(app, ["sandbox", "audit", "--backend", "unsafe-local"])
    assert result.exit_code == 2  # not a choice: the audit would attack this very host


def test_memory_split_escapes_where_only_per_process_limits_exist(
    bwrap_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host that offers no memory cgroup: the split attacks must say "not contained"."""
    monkeypatch.setattr(cgroup, "_candidates", list)
    cgroup.memory_cgroups.cache_clear()
    try:
        report = run_audit(bwrap_sandbox, attacks=memory_split.ATTACKS)
    finally:
        cgroup.memory_cgroups.cache_clear()
    assert [(row.attack, row.contained) for row in report.rows] == [
        ("memory-split-children", False),
        ("memory-split-batch", False),
    ]
    assert all("MiB" in row.observed for row in report.rows)
