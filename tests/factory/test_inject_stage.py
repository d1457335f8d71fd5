"""The inject stage end to end: `factory run` with the offline replay teacher writes proven
corrections next to the other outputs, `factory inject RUN_DIR` redoes them for an existing
run with other controls, and the stage can be switched off."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import yaml
from typer.testing import CliRunner

from factory.cli import app
from factory.inject.model import Source
from factory.inject.stage import spread
from sandbox import Sandbox
from tests.factory.fake_openai import FakeOpenAI, Reply, completion
from tests.factory.test_export import assert_conversational_for_every_seed
from tests.factory.transcripts import bundled, write_problems

PROBLEMS = ("math/arithmetic-03", "math/sequences-01", "code/top-words", "code/two-sum-sorted")


def run(tmp_path: Path, inject: dict[str, Any]) -> Path:
    write_problems(tmp_path / "problems.jsonl", bundled(*PROBLEMS))
    config = {
        "problems": ["problems.jsonl"],
        "k": 1,
        "budget": 2,
        "run_dir": "run",
        "verifiers": {"code": {"options": {"backend": "bwrap", "examples": 10}}},
        "inject": inject,
        "gates": {"enabled": False},  # every verified trace exported: tests/gates test the gates
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "--config", str(path)])
    assert result.exit_code == 0, result.output
    return tmp_path / "run"


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_factory_run_writes_proven_corrections_and_inject_redoes_them(
    tmp_path: Path, bwrap_sandbox: Sandbox
) -> None:
    run_dir = run(tmp_path, {"per_trace": 2, "share": 1.0})
    out = run_dir / "output"
    sft = lines(out / "sft.jsonl")
    corrections = lines(out / "corrections.jsonl")
    assert len(sft) == len(PROBLEMS)
    assert pq.read_table(out / "corrections.parquet").num_rows == len(corrections)
    by_trace = {row["provenance"][0]["trace_id"]: row for row in sft}
    per_trace = [row["provenance"][0]["trace_id"] for row in corrections]
    assert {per_trace.count(trace_id) for trace_id in by_trace} <= {1, 2}  # each gave 1 or 2
    for row in corrections:
        trace = by_trace[row["provenance"][0]["trace_id"]]
        assert row["messages"][:-1] == trace["messages"][:-1]  # the trace's own prompt
        example = row["messages"][-1]["content"]
        assert row["wrong"] in example and row["check"] in example
        fixed, against = row["verdicts"]
        assert fixed["status"] == "pass" and against["status"] == "fail"
        assert row["refutation"]["outcome"] in ("refuted", "failed", "error")
        assert row["refutation"] in against["evidence"]
    assert {row["domain"] for row in corrections} == {"math", "code"}
    assert len({row["operator"] for row in corrections}) >= 4
    pairs = lines(out / "correction_preferences.jsonl")
    negatives = [row for row in corrections if row["uncorrected"] is not None]
    assert pairs and len(pairs) == len(negatives)  # a pair only where the wrong answer is proven
    for pair, row in zip(pairs, negatives, strict=True):
        assert pair["chosen"][0]["content"] == row["messages"][-1]["content"]
        assert pair["rejected"][0]["content"] == row["uncorrected"]
        assert pair["reason"] == f"corrected_mistake:{row['operator']}"
    assert {"prompt", "chosen", "rejected", "completion"}.isdisjoint(corrections[0])
    for name in ("corrections", "correction_preferences"):
        assert_conversational_for_every_seed(out / f"{name}.jsonl")
    stats = json.loads((out / "stats.json").read_text())
    assert stats["records"]["corrections"] == len(corrections)
    assert "inject" in {stage["stage"] for stage in stats["stages"]}

    again = CliRunner().invoke(
        app, ["inject", str(run_dir), "--per-trace", "1", "--share", "0.2", "--backend", "bwrap"]
    )
    assert again.exit_code == 0, again.output
    [row] = lines(out / "corrections.jsonl")  # 1 of 4 + 1 is 20%
    assert len(lines(out / "correction_preferences.jsonl")) == (row["uncorrected"] is not None)
    assert "4 verified traces: 1 corrections" in again.output


def test_the_stage_can_be_switched_off(tmp_path: Path, bwrap_sandbox: Sandbox) -> None:
    out = run(tmp_path, {"enabled": False}) / "output"
    assert (out / "sft.jsonl").exists()
    assert not (out / "corrections.jsonl").exists()


def test_inject_needs_a_run_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["inject", str(tmp_path)])
    assert result.exit_code == 1
    assert "no run store" in result.output


def test_spread_alternates_domains_and_covers_problems_first() -> None:
    math_a, math_b, code_a = bundled("math/arithmetic-01", "math/arithmetic-02", "code/gcd-of-list")
    traces = [
        Source("a1", math_a, ""),
        Source("a2", math_a, ""),
        Source("b1", math_b, ""),
        Source("c1", code_a, ""),
        Source("c2", code_a, ""),
    ]
    assert [s.trace_id for s in spread(traces)] == ["a1", "c1", "b1", "c2", "a2"]


MUFFINS = (
    "1. Muffins sold: $19 \\cdot 6 = 114$.\n2. Muffins remaining: $150 - 114 = 36$.\n"
    "3. Final answer: \\boxed{36}"
)
SLIP = (
    "STEP: 2\nMISTAKE: 2. Muffins remaining: $150 - 114 = 46$.\nCORRECTION:\n"
    "Check: $150 - 114 = 36$, not $46$; I slipped in the subtraction.\n"
    "2. Muffins remaining: $150 - 114 = 36$.\n3. Final answer: \\boxed{36}\n"
)


def test_the_teacher_makes_mistakes_when_asked_and_the_card_counts_corrections(
    tmp_path: Path,
) -> None:
    def respond(body: dict[str, Any]) -> Reply:
        asked = "makes one plausible mistake" in body["messages"][-1]["content"]
        return Reply(body=completion(SLIP if asked else MUFFINS))

    write_problems(tmp_path / "problems.jsonl", bundled("math/arithmetic-01"))
    with FakeOpenAI(respond) as server:
        config = {
            "problems": ["problems.jsonl"],
            "k": 1,
            "run_dir": "run",
            "teachers": [{"name": "fake", "model": "m", "base_url": server.url, "api_key": "k"}],
            "inject": {"teacher": True, "share": 1.0},
        }
        (tmp_path / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        result = CliRunner().invoke(app, ["run", "--config", str(tmp_path / "config.yaml")])
    assert result.exit_code == 0, result.output
    out = tmp_path / "run" / "output"
    rows = lines(out / "corrections.jsonl")
    made = [row for row in rows if row["origin"] == "teacher"]
    assert [row["wrong"] for row in made] == ["2. Muffins remaining: $150 - 114 = 46$."]
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "Corrections by origin and operator:" in card
    assert f"| corrections | {len(rows)} |" in card
    assert "| teacher | teacher | 1 |" in card
    for origin, operator in {(row["origin"], row["operator"]) for row in rows}:
        count = sum(row["operator"] == operator and row["origin"] == origin for row in rows)
        assert f"| {origin} | {operator} | {count} |" in card
