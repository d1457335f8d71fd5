"""Every loader on small files of its format, in every container (JSONL, gzip, JSON, Parquet)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from problems import CodeProblem, MathProblem, RowError, load_file
from problems.formats import last_boxed

GSM8K = [
    {"question": "Ann has 3 boxes of 12 pens. How many pens?", "answer": "3*12=36\n#### 36"},
    {"question": "A farm sells 1,250 eggs a day. Weekly?", "answer": "1250*7\n#### 8,750"},
]
MATH = [
    {
        "problem": "Compute $\\frac{1}{2}+\\frac{1}{3}$.",
        "solution": "We get $\\boxed{\\frac{5}{6}}$.",
        "level": "Level 1",
        "type": "Prealgebra",
    },
    {"problem": "Solve $x+1=3$.", "solution": "So $x=2$.", "answer": "2", "unique_id": "alg/7"},
]
HUMANEVAL = [
    {
        "task_id": "HumanEval/0",
        "prompt": 'def add(a: int, b: int) -> int:\n    """Add."""\n',
        "canonical_solution": "    return a + b\n",
        "test": "def check(candidate):\n    assert candidate(1, 2) == 3\n",
        "entry_point": "add",
    }
]
MBPP = [
    {
        "task_id": 11,
        "text": "Write a function to square a number.",
        "code": "import math\ndef helper(x):\n    return x\ndef square(x):\n    return x * x",
        "test_list": ["assert square(2) == 4", "assert square(-3) == 9"],
        "test_setup_code": "",
        "challenge_test_list": [],
    }
]
APPS = [
    {
        "problem_id": 4001,
        "question": "Read n and print n squared.",
        "input_output": json.dumps({"inputs": ["2\n", "5\n"], "outputs": ["4\n", "25\n"]}),
        "solutions": json.dumps(["n = int(input())\nprint(n * n)\n"]),
        "starter_code": "",
        "difficulty": "introductory",
    }
]
CODECONTESTS = [
    {
        "name": "1000_A. Echo",
        "description": "Print the input line back.",
        "public_tests": {"input": ["hi\n"], "output": ["hi\n"]},
        "private_tests": {"input": ["yo\n"], "output": ["yo\n"]},
        "generated_tests": {"input": [], "output": []},
        "solutions": {"language": [2, 3], "solution": ["// c++", "print(input())"]},
    }
]
INPUTS_OUTPUTS = [{"id": "io-1", "problem": "Echo.", "inputs": ["a\n"], "outputs": ["a\n"]}]
NATIVE: list[dict[str, Any]] = [
    {"id": "m1", "domain": "math", "statement": "What is 2+2?", "answer": "4"},
    {
        "id": "c1",
        "domain": "code",
        "statement": "Return x doubled.",
        "entry_point": "double",
        "tests": {"asserts": {"style": "asserts", "code": "assert double(2) == 4"}},
    },
]


def write(path: Path, rows: list[Any]) -> Path:
    """Write `rows` in the container that `path`'s extension names."""
    name = path.name
    if name.endswith(".parquet"):
        pq.write_table(pa.Table.from_pylist(rows), path)
    elif name.endswith(".jsonl.gz"):
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row) + "\n" for row in rows)
    elif name.endswith(".jsonl"):
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    else:
        path.write_text(json.dumps(rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["gsm8k.jsonl", "gsm8k.jsonl.gz", "gsm8k.json", "gsm8k.parquet"])
def test_gsm8k_in_every_container(tmp_path: Path, name: str) -> None:
    result = load_file(write(tmp_path / name, GSM8K))
    assert result.format == "gsm8k"
    answers = [p.answer for p in result.problems if isinstance(p, MathProblem)]
    assert answers == ["36", "8750"]
    assert [p.id for p in result.problems] == ["gsm8k/1", "gsm8k/2"]
    assert result.problems[0].source == "gsm8k"


def test_math_takes_answer_field_else_last_boxed(tmp_path: Path) -> None:
    result = load_file(write(tmp_path / "math.jsonl", MATH))
    first, second = result.problems
    assert result.format == "math"
    assert isinstance(first, MathProblem) and isinstance(second, MathProblem)
    assert (first.answer, first.level, first.topic) == ("\\frac{5}{6}", "Level 1", "Prealgebra")
    assert (second.id, second.answer) == ("alg/7", "2")


def test_humaneval_keeps_check_style_and_full_reference(tmp_path: Path) -> None:
    (problem,) = load_file(write(tmp_path / "he.jsonl", HUMANEVAL)).problems
    assert isinstance(problem, CodeProblem)
    assert problem.entry_point == "add"
    assert problem.tests.asserts is not None and problem.tests.asserts.style == "check"
    assert problem.reference_solution == HUMANEVAL[0]["prompt"] + "    return a + b\n"


def test_mbpp_entry_point_is_the_function_the_tests_call(tmp_path: Path) -> None:
    (problem,) = load_file(write(tmp_path / "mbpp.json", MBPP)).problems
    assert isinstance(problem, CodeProblem) and problem.tests.asserts is not None
    assert (problem.id, problem.entry_point) == ("mbpp/11", "square")
    assert problem.tests.asserts.style == "asserts"
    assert problem.tests.asserts.code == "assert square(2) == 4\nassert square(-3) == 9"


@pytest.mark.parametrize(
    ("rows", "expected_cases", "reference"),
    [
        (APPS, [("2\n", "4\n"), ("5\n", "25\n")], "n = int(input())\nprint(n * n)\n"),
        (CODECONTESTS, [("hi\n", "hi\n"), ("yo\n", "yo\n")], "print(input())"),
        (INPUTS_OUTPUTS, [("a\n", "a\n")], None),
    ],
)
def test_stdio_shapes(
    tmp_path: Path, rows: list[Any], expected_cases: list[tuple[str, str]], reference: str | None
) -> None:
    result = load_file(write(tmp_path / "stdio.parquet", rows))
    (problem,) = result.problems
    assert result.format == "stdio" and isinstance(problem, CodeProblem)
    assert [(case.input, case.output) for case in problem.tests.stdio] == expected_cases
    assert problem.reference_solution == reference
    assert problem.entry_point is None


def test_native_format_round_trips(tmp_path: Path) -> None:
    result = load_file(write(tmp_path / "ours.jsonl", NATIVE))
    assert result.format == "reasoning-factory"
    assert [p.domain for p in result.problems] == ["math", "code"]
    dumped = [p.model_dump(mode="json", exclude_none=True) for p in result.problems]
    again = load_file(write(tmp_path / "again.jsonl", dumped))
    assert again.problems == result.problems


BAD_ROWS: list[tuple[str, list[Any], int, str, str]] = [
    ("gsm8k", [GSM8K[0], {"question": "q", "answer": "no marker"}], 2, "answer", "####"),
    ("gsm8k", [GSM8K[0], {"question": 5, "answer": "#### 1"}], 2, "question", "string"),
    ("math", [MATH[0], {"problem": "p", "solution": "no box"}], 2, "solution", "boxed"),
    ("humaneval", [{**HUMANEVAL[0], "entry_point": None}], 1, "entry_point", "missing"),
    ("mbpp", [{**MBPP[0], "test_list": []}], 1, "test_list", "non-empty"),
    ("mbpp", [{**MBPP[0], "test_list": ["assert square(2 == 4"]}], 1, "test_list[0]", "Python"),
    ("mbpp", [{**MBPP[0], "code": "def other(x): return x"}], 1, "test_list", "call none"),
    (
        "apps",
        [{**APPS[0], "input_output": json.dumps({"inputs": ["1\n"], "outputs": []})}],
        1,
        "input_output",
        "1 inputs but 0 outputs",
    ),
    (
        "apps",
        [{**APPS[0], "input_output": json.dumps({"fn_name": "f", "inputs": [], "outputs": []})}],
        1,
        "input_output",
        "call-based",
    ),
    ("native", [NATIVE[0], {**NATIVE[0], "id": "m2", "answer": ""}], 2, "answer", "at least"),
    ("native", [{**NATIVE[1], "tests": {}}], 1, "tests", "at least one test"),
    (  # a top-level column we do not use is metadata; inside `tests` a typo is refused
        "native",
        [{**NATIVE[1], "tests": {**NATIVE[1]["tests"], "stdoi": []}}],
        1,
        "tests.stdoi",
        "Extra inputs",
    ),
    ("native", [NATIVE[0], NATIVE[0]], 2, "id", "repeats line 1"),
    ("unknown", [{"foo": 1}], 1, "<row>", "match no known format"),
]


@pytest.mark.parametrize(("kind", "rows", "line", "field", "reason"), BAD_ROWS)
def test_malformed_row_names_file_line_and_field(
    tmp_path: Path, kind: str, rows: list[Any], line: int, field: str, reason: str
) -> None:
    path = write(tmp_path / f"{kind}.jsonl", rows)
    with pytest.raises(RowError) as caught:
        load_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: field '{field}': ")
    assert reason in message


def test_broken_json_line_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text(json.dumps(GSM8K[0]) + "\n\n{not json\n", encoding="utf-8")
    with pytest.raises(RowError, match=r"broken.jsonl:3: field '<json>': not JSON"):
        load_file(path)


def test_skip_invalid_counts_and_keeps_the_good_rows(tmp_path: Path) -> None:
    rows = [GSM8K[0], {"question": "q", "answer": "x"}, GSM8K[1], {"question": "q"}, "text"]
    path = write(tmp_path / "mixed.jsonl", rows)
    result = load_file(path, skip_invalid=True)
    assert [p.id for p in result.problems] == ["mixed/1", "mixed/3"]
    assert [(e.line, e.field) for e in result.skipped] == [
        (2, "answer"),
        (4, "answer"),
        (5, "<row>"),
    ]


def test_skip_invalid_detects_format_after_bad_first_row(tmp_path: Path) -> None:
    path = write(tmp_path / "late.jsonl", [{"nothing": 1}, *HUMANEVAL])
    result = load_file(path, skip_invalid=True)
    assert result.format == "humaneval" and len(result.problems) == 1
    assert [e.line for e in result.skipped] == [1]


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RowError, match="no such file"):
        load_file(tmp_path / "absent.jsonl")


_BRACED = st.recursive(
    st.text(alphabet="abcx0123456789+-^ \\", max_size=8),
    lambda inner: st.builds(lambda a, b: f"{a}{{{b}}}", inner, inner),
    max_leaves=6,
)


@given(prefix=st.text(alphabet="abc ${}", max_size=20), content=_BRACED)
def test_last_boxed_returns_the_balanced_content(prefix: str, content: str) -> None:
    text = f"{prefix} \\boxed{{{content}}} $"
    assert last_boxed(text) == (content.strip() or None)


def test_last_boxed_variants() -> None:
    assert last_boxed("so \\boxed{1} then \\boxed{\\frac{1}{2}}") == "\\frac{1}{2}"
    assert last_boxed("answer \\boxed 5$") == "5"
    assert last_boxed("\\fbox{7}") == "7"
    assert last_boxed("\\boxed{unbalanced") is None
    assert last_boxed("nothing here") is None
