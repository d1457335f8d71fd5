"""`factory verify answers` and `factory verify traces` on small files."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from factory.cli import app

runner = CliRunner()


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _read(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_verify_answers_writes_one_row_per_pair(tmp_path: Path) -> None:
    source = _write(
        tmp_path / "in.jsonl",
        [
            {"id": "a", "gold": "\\frac{1}{2}", "answer": "0.5"},
            {"id": "b", "gold": "4", "answer": "4\\sqrt(2)"},
            {"id": "c", "gold": "1", "answer": "10^{10^{10^{10}}}"},
        ],
    )
    result = runner.invoke(
        app, ["verify", "answers", str(source), "-o", str(tmp_path / "out.jsonl")]
    )
    assert result.exit_code == 0, result.output
    rows = _read(tmp_path / "out.jsonl")
    assert [(r["id"], r["equivalent"], r["status"]) for r in rows] == [
        ("a", True, "pass"),
        ("b", False, "fail"),
        ("c", False, "fail"),
    ]
    assert set(rows[0]) == {"id", "equivalent", "status", "reason", "seconds"}
    assert "3 pairs: 1 equivalent, 2 not" in result.stderr


def test_verify_traces_names_the_first_refuted_step(tmp_path: Path) -> None:
    source = _write(
        tmp_path / "in.jsonl",
        [
            {
                "id": "lucky",
                "problem": "Solve 2x + 3 = 11.",
                "reference_answer": "4",
                "solution": "$2x + 3 = 11$\n$2x = 9$\n$x = 4$\n$\\boxed{4}$",
            },
            {
                "id": "good",
                "problem": "Compute 3 * 12.",
                "reference_answer": "36",
                "solution": "3 * 12 = 36\n#### 36",
            },
        ],
    )
    result = runner.invoke(
        app, ["verify", "traces", str(source), "-o", str(tmp_path / "out.jsonl")]
    )
    assert result.exit_code == 0, result.output
    lucky, good = _read(tmp_path / "out.jsonl")
    assert lucky["verdict"] == "fail" and lucky["answer_equivalent"] is True
    assert lucky["first_refuted_step"] == 2
    assert good["verdict"] == "pass" and good["first_refuted_step"] is None
    assert isinstance(good["steps"], list) and good["steps"][0]["status"] == "verified"
    assert "2 traces: 1 pass, 1 fail" in result.stderr


def test_a_bad_row_names_file_line_and_field(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "gold": "1", "answer": "1"}\n{"id": "b", "gold": 5}\n')
    result = runner.invoke(app, ["verify", "answers", str(source), "-o", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 1
    assert f"{source}:2: field 'gold'" in result.stderr
