"""`factory synthesize` offline: the replay transcripts exercise every rejection path, the kept
problems validate as problems, and the bundled transcripts are the labelled sets'."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from factory.cli import app
from factory.synthesis.replay import load
from problems import load_problems
from sandbox import Sandbox
from tests.synthesis.replay_data import rows


def test_bundled_transcripts_are_made_from_the_labelled_sets() -> None:
    assert load() == rows()


def test_offline_synthesis_keeps_proven_problems_and_says_why_it_rejects(
    tmp_path: Path, auto_sandbox: Sandbox
) -> None:
    output = tmp_path / "out" / "synthesized.jsonl"
    result = CliRunner().invoke(
        app, ["synthesize", "-o", str(output), "--run-dir", str(tmp_path / "run")]
    )
    assert result.exit_code == 0, result.output
    [loaded] = load_problems([output])
    domains = Counter(problem.domain for problem in loaded.problems)
    assert domains == {"math": 16, "code": 14}
    assert all(p.source == "synthesized" and p.lineage is not None for p in loaded.problems)
    rejected = [json.loads(line) for line in (output.parent / "synthesis_rejected.jsonl").open()]
    reasons = Counter(row["reason"] for row in rejected)
    assert set(reasons) == {
        "no-agreement", "refuted-step", "leaked-answer", "near-duplicate", "unparseable",
        "reference-fails", "weak-tests", "disagreement",
    }  # fmt: skip
    assert "30 kept" in result.output
