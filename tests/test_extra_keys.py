"""Rows that carry keys we do not use (a real file's metadata columns) are never refused: the
verify commands copy them to their output rows, problem loaders keep them as `metadata`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from factory.cli import app
from problems import CodeProblem, load_file

runner = CliRunner()
EXTRA = {"difficulty": "easy", "url": "https://example.org/1", "tags": ["a", "b"], "n": 3}
ECHO = {
    "id": "t/echo",
    "domain": "code",
    "statement": "Print the line read from stdin, upper-cased.",
    "tests": {"stdio": [{"input": "hi\n", "output": "HI\n"}]},
}


def write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def verify(kind: str, tmp_path: Path, rows: list[dict[str, object]], *flags: str) -> list[Any]:
    source = write(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["verify", kind, str(source), "-o", str(out), *flags])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_verify_answers_copies_extra_keys(tmp_path: Path) -> None:
    (row,) = verify("answers", tmp_path, [{"id": "a", "gold": "1/2", "answer": "0.5", **EXTRA}])
    assert row["equivalent"] is True
    assert {key: row[key] for key in EXTRA} == EXTRA


def test_verify_traces_copies_extra_keys(tmp_path: Path) -> None:
    trace = {"id": "t", "reference_answer": "2", "solution": "1. $1 + 1 = 2$\n\\boxed{2}"}
    (row,) = verify("traces", tmp_path, [{**trace, **EXTRA}])
    assert row["verdict"] == "pass"
    assert {key: row[key] for key in EXTRA} == EXTRA


def test_verify_code_takes_rows_and_problems_with_extra_keys(
    tmp_path: Path, bwrap_sandbox: object
) -> None:
    program = "print(input().upper())\n"
    rows = [{"id": "x", "problem": {**ECHO, **EXTRA}, "completion": program, **EXTRA}]
    (row,) = verify("code", tmp_path, rows, "--backend", "bwrap")
    assert (row["id"], row["status"]) == ("x", "pass")


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_loaders_keep_extra_columns_as_metadata(tmp_path: Path, suffix: str) -> None:
    rows: list[dict[str, object]] = [{**ECHO, **EXTRA}]
    path = tmp_path / f"problems{suffix}"
    if suffix == ".jsonl":
        write(path, rows)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), path)
    (problem,) = load_file(path).problems
    assert isinstance(problem, CodeProblem)
    assert problem.metadata == EXTRA


def test_a_typo_inside_the_tests_is_still_refused(tmp_path: Path) -> None:
    tests = {"stdio": [{"input": "hi\n", "output": "HI\n", "ouptut": "x"}]}
    path = write(tmp_path / "problems.jsonl", [{**ECHO, "tests": tests}])
    result = runner.invoke(app, ["problems", "validate", str(path)])
    assert result.exit_code != 0
    assert "ouptut" in result.output
