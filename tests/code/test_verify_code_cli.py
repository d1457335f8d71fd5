"""`factory verify code` on HumanEval-shaped rows and on our own problem rows."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from factory.cli import app
from sandbox import Sandbox

PROMPT = 'def double(x: int) -> int:\n    """Return 2 * x."""\n'
TEST = "def check(candidate):\n    assert candidate(2) == 4\n    assert candidate(-3) == -6\n"
OURS = {
    "id": "t/echo",
    "domain": "code",
    "statement": "Print the line read from stdin, upper-cased.",
    "tests": {"stdio": [{"input": "hi\n", "output": "HI\n"}]},
}
ROWS = [
    {
        "id": "he/right",
        "prompt": PROMPT,
        "test": TEST,
        "entry_point": "double",
        "completion": "    return 2 * x\n",
    },
    {
        "id": "he/whole",
        "prompt": PROMPT,
        "test": TEST,
        "entry_point": "double",
        "completion": "def double(x):\n    return x + x\n",
    },
    {
        "id": "he/wrong",
        "prompt": PROMPT,
        "test": TEST,
        "entry_point": "double",
        "completion": "    return x * x\n",
    },
    {"id": "ours/echo", "problem": OURS, "completion": "print(input().upper())\n"},
]


def test_verify_code_writes_one_result_per_row(sandbox: Sandbox, tmp_path: Path) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    result = CliRunner().invoke(
        app, ["verify", "code", str(source), "-o", str(target), "--backend", sandbox.name]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["passed"], r["status"]) for r in rows] == [
        ("he/right", True, "pass"),
        ("he/whole", True, "pass"),
        ("he/wrong", False, "fail"),
        ("ours/echo", True, "pass"),
    ]
    assert set(rows[0]) == {"id", "passed", "status", "tests", "seconds"}
    first, second = rows[2]["tests"]
    assert (first["name"], first["status"]) == ("assert 1", "passed")
    assert (second["kind"], second["status"], second["input"]) == ("assert", "failed", "-3")
    assert (second["expected"], second["actual"]) == ("-6", "9")
    assert f"4 programs on {sandbox.name}: 3 pass, 1 fail" in result.stderr


def test_verify_code_names_the_bad_row(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    row = {"id": "x", "prompt": PROMPT, "entry_point": "double", "completion": "c"}
    source.write_text(json.dumps(row) + "\n")
    result = CliRunner().invoke(app, ["verify", "code", str(source), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "in.jsonl:1: field '<row>'" in result.stderr
    assert "humaneval field 'test': missing" in result.stderr
