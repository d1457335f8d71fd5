"""`synthesize:` in `factory run`: new problems are proven, then solved, verified and exported in
the same run and store, offline, with the kept and rejected ones in their own files."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from factory.cli import app
from problems import load_problems
from sandbox import Sandbox
from tests.factory.transcripts import bundled, write_problems

SEEDS = bundled("math/arithmetic-01", "math/arithmetic-02", "code/two-sum-sorted")


def test_a_run_with_synthesize_solves_and_exports_its_new_problems(
    tmp_path: Path, auto_sandbox: Sandbox
) -> None:
    write_problems(tmp_path / "problems.jsonl", SEEDS)
    config = tmp_path / "factory.yaml"
    settings = {
        "problems": ["problems.jsonl"],
        "run_dir": "run",
        "inject": {"enabled": False},
        "synthesize": {"per_seed": 2},
    }
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "run" / "output"
    [kept] = load_problems([out / "synthesized.jsonl"])
    ids = {problem.id for problem in kept.problems}
    rejected = [json.loads(line) for line in (out / "synthesis_rejected.jsonl").open()]
    stats = json.loads((out / "stats.json").read_text())
    assert stats["synthesized"]["accepted"] == len(ids) >= 3
    assert sum(stats["synthesized"].values()) == len(ids) + len(rejected) == 6
    assert stats["problems"] == len(SEEDS) + len(ids)
    solved = {json.loads(line)["problem_id"] for line in (out / "sft.jsonl").open()}
    new_math = {p.id for p in kept.problems if p.domain == "math"}
    assert new_math and new_math <= solved  # solved from the solutions that proved them
    by_operator = stats["synthesized_by_operator"]
    assert sum(n for counts in by_operator.values() for n in counts.values()) == 6
    assert sum(c.get("accepted", 0) for c in by_operator.values()) == len(ids)
    card = (out / "README.md").read_text()
    assert f"New problems: 6 synthesized from the loaded ones, {len(ids)} kept" in card
    assert "| accepted | " + str(len(ids)) + " |" in card
    for chain, counts in by_operator.items():
        assert f"| {chain} | {counts.get('accepted', 0)} | " in card
    for reason in {row["reason"] for row in rejected}:
        assert f"| rejected: {reason} | " in card
