"""Identity by problem, economy by prompt: problems from several sources that repeat a prompt
share each paid request, and each keeps its own traces, verdicts and rows under its own id."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from factory.cli import app
from problems import MathProblem, Problem
from tests.factory.fake_openai import FakeOpenAI
from tests.factory.transcripts import Endpoint, bundled, write_problems

FIRST = bundled("math/arithmetic-01", "math/arithmetic-02", "code/reverse-words")


def copy(problem: Problem, new_id: str, **changes: Any) -> Problem:
    return problem.model_copy(update={"id": new_id, "source": "b", **changes})


SECOND = [
    copy(FIRST[0], "b/arithmetic-01"),
    copy(FIRST[0], "b/arithmetic-01-other-gold", answer="1000"),  # same prompt, other truth
    copy(FIRST[1], "b/arithmetic-02"),
    copy(FIRST[2], "b/reverse-words"),
]
PLAN = {"math/arithmetic-01": ["wrong", "right"]}  # the endpoint answers by prompt


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def run(tmp_path: Path, server: FakeOpenAI) -> None:
    config = {
        "problems": ["a.jsonl", "b.jsonl"],
        "k": 1,
        "budget": 2,
        "run_dir": "run",
        "verifiers": {"code": {"options": {"backend": "bwrap", "examples": 10}}},
        "gates": {"enabled": False},  # problems that share a prompt are duplicates to the gates
        "teachers": [
            {
                "name": "fake",
                "model": "fake-model",
                "base_url": server.url,
                "api_key": "test",
                "sampling": {"seed": 0},
            }
        ],
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "--config", str(path)])
    assert result.exit_code == 0, result.output


def test_problems_sharing_a_prompt_share_requests_and_keep_their_own_rows(
    tmp_path: Path,
) -> None:
    write_problems(tmp_path / "a.jsonl", FIRST)
    write_problems(tmp_path / "b.jsonl", SECOND)
    endpoint = Endpoint(FIRST, PLAN)
    with FakeOpenAI(endpoint) as server:
        run(tmp_path, server)
        paid = len(server.requests)
        # Arithmetic-01's prompt is asked twice (sample 0 is wrong), the others once.
        assert paid == 4
        with closing(sqlite3.connect(tmp_path / "run/run.sqlite")) as db:
            assert db.execute("SELECT COUNT(*) FROM responses").fetchone() == (paid,)
        out = tmp_path / "run/output"
        first = {name: read_jsonl(out / f"{name}.jsonl") for name in ("sft", "rejected")}
        run(tmp_path, server)  # a rerun pays for nothing and exports the same rows
        assert len(server.requests) == paid
        assert {name: read_jsonl(out / f"{name}.jsonl") for name in first} == first

    rows = {name: read_jsonl(out / f"{name}.jsonl") for name in ("sft", "rejected", "preferences")}
    every = [row for table in rows.values() for row in table]
    assert len({row["id"] for row in every}) == len(every)
    assert sorted(row["problem_id"] for row in rows["sft"]) == sorted(
        p.id for p in [*FIRST, *SECOND] if p.id != "b/arithmetic-01-other-gold"
    )
    assert Counter(row["problem_id"] for row in rows["rejected"]) == {
        "math/arithmetic-01": 1,
        "b/arithmetic-01": 1,
        "b/arithmetic-01-other-gold": 2,
    }
    assert sorted(row["problem_id"] for row in rows["preferences"]) == [
        "b/arithmetic-01",
        "math/arithmetic-01",
    ]
    sources = {p.id: p.source for p in [*FIRST, *SECOND]}
    for row in [*rows["sft"], *rows["rejected"]]:
        (provenance,) = row["provenance"]
        assert provenance["problem_source"] == sources[row["problem_id"]]
    other_gold = next(p for p in SECOND if isinstance(p, MathProblem) and p.answer == "1000")
    assert all(
        row["reason"] == "answer:different"
        for row in rows["rejected"]
        if row["problem_id"] == other_gold.id
    )
    stats = json.loads((out / "stats.json").read_text())
    assert (stats["problems"], stats["problems_with_k"], stats["problems_unsolved"]) == (7, 6, 1)
    assert stats["tally"]["traces"] == len(rows["sft"]) + len(rows["rejected"])
    assert stats["tally"]["passed"] == len(rows["sft"])
    assert stats["records"] == {name: len(table) for name, table in rows.items()} | {
        "corrections": stats["records"]["corrections"],
        "correction_preferences": stats["records"]["correction_preferences"],
        "filtered": 0,
    }


def test_a_run_store_of_a_later_factory_is_refused_with_a_message(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    with closing(sqlite3.connect(tmp_path / "run/run.sqlite")) as db:
        db.execute("PRAGMA user_version = 99")
        db.commit()
    result = CliRunner().invoke(app, ["run", "--run-dir", str(tmp_path / "run")])
    assert result.exit_code == 1
    assert "run store of version 99" in result.output
    assert "reads up to version" in result.output
