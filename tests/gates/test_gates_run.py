"""The gates in a whole run: `factory run` (offline replay teacher, math verifier) decontaminates
against a benchmark file of its config (corrections included), mixes the problems' verified
reference solutions in at 70/30, writes filtered.jsonl and shows the counts in its summary,
stats.json and the card; then `factory gates RUN_DIR --benchmark FILE` re-applies the gates with
one more benchmark, and the run store is left as it was."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import datasets
import pyarrow.parquet as pq
import yaml
from typer.testing import CliRunner

from factory.card import schemas
from factory.cli import app
from problems import MathProblem
from tests.gates.planted import bundled, gsm8k_file, math_file

PROBLEMS = 10  # the first bundled math problems: the replay teacher has transcripts for them


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def records_in_store(run_dir: Path) -> int:
    with sqlite3.connect(run_dir / "run.sqlite") as db:
        return int(db.execute("SELECT COUNT(*) FROM records").fetchone()[0])


def test_a_run_gates_its_export_and_factory_gates_reapplies_them(tmp_path: Path) -> None:
    math = [p for p in bundled() if isinstance(p, MathProblem)][:PROBLEMS]
    (tmp_path / "problems.jsonl").write_text(
        "".join(p.model_dump_json(exclude_none=True) + "\n" for p in math), encoding="utf-8"
    )
    gsm8k_file(tmp_path / "gsm8k_test.jsonl", math[:2])  # two of them leaked into GSM8K's test
    config = {
        "problems": ["problems.jsonl"],
        "budget": 2,
        "run_dir": "run",
        "inject": {"share": 0.5},
        "gates": {"decontaminate": {"benchmarks": ["gsm8k_test.jsonl"]}},
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "--config", str(tmp_path / "config.yaml")])
    assert result.exit_code == 0, result.output
    assert "filtered by the gates" in result.output and "contaminated" in result.output
    out = tmp_path / "run" / "output"
    filtered = lines(out / "filtered.jsonl")
    leaked = {row["problem_id"]: row for row in filtered if row["reason"] == "contaminated"}
    assert set(leaked) == {math[0].id, math[1].id}
    evidence = {pair["key"]: pair["value"] for pair in leaked[math[0].id]["evidence"]}
    assert evidence["benchmark"] == "gsm8k_test" and evidence["item"] == "gsm8k_test/1"
    assert evidence["on"] == "problem" and "muffins" in evidence["span"]
    sft = lines(out / "sft.jsonl")
    assert not {row["problem_id"] for row in sft} & set(leaked)
    # A leaked problem's corrected-mistake examples leave with it.
    corrections = lines(out / "corrections.jsonl") + lines(out / "correction_preferences.jsonl")
    assert corrections and not {row["problem_id"] for row in corrections} & set(leaked)
    assert {row["problem_id"] for row in filtered if row["kind"] == "correction"} == set(leaked)
    origins = {row["origin"] for row in sft}
    assert origins == {"synthetic", "human"}
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    gates = stats["gates"]
    assert gates["removed"]["contaminated"] == len(leaked_records(filtered))
    assert gates["benchmarks"] == {"HumanEval": 164, "gsm8k_test": 2}
    mix, made = gates["mix"], Counter(row["origin"] for row in sft)
    assert gates["diversity"]["by_origin"] == made
    assert (mix["synthetic"], mix["human"]) == (made["synthetic"], made["human"])
    # Few teacher traces survive dedup here (the replay teacher's copy the references, and the
    # shorter reference is kept): 7/10 needs 7 synthetic rows, and the report says so.
    assert mix["exact"] is (made["synthetic"] / len(sft) == 0.7)
    assert mix["exact"] or mix["note"].startswith("a share of 7/10 needs at least 7 synthetic")
    assert "human mix" in result.output
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "## Quality gates" in card and "| contaminated |" in card
    assert "gsm8k_test (2 items)" in card
    for name in ("sft", "filtered"):
        loaded = datasets.load_dataset(str(out), name, split="train", cache_dir=str(tmp_path))
        assert isinstance(loaded, datasets.Dataset)
        assert loaded.features == datasets.Features.from_arrow_schema(schemas()[name])
        assert len(loaded) == pq.read_metadata(out / f"{name}.parquet").num_rows > 0

    stored = records_in_store(tmp_path / "run")
    math_file(tmp_path / "math500.jsonl", math[2:3])
    again = CliRunner().invoke(
        app, ["gates", str(tmp_path / "run"), "--config", str(tmp_path / "config.yaml"),
              "--benchmark", str(tmp_path / "math500.jsonl")],
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "gsm8k_test (2 items)" in again.output and "math500 (1 items)" in again.output
    refiltered = lines(out / "filtered.jsonl")
    leaked_now = {row["problem_id"] for row in refiltered if row["reason"] == "contaminated"}
    assert leaked_now == {math[0].id, math[1].id, math[2].id}
    assert not {row["problem_id"] for row in lines(out / "sft.jsonl")} & leaked_now
    assert records_in_store(tmp_path / "run") == stored  # nothing deleted from the store
    restats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    assert restats["gates"]["benchmarks"]["math500"] == 1
    assert restats["records"]["filtered"] == len(refiltered)
    assert restats["tally"] == stats["tally"]  # the teacher's figures are the run's


def leaked_records(filtered: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row for row in filtered if row["reason"] == "contaminated"]
