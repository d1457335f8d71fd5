"""The dataset shapes we read, how each is recognised, and how a row of it becomes a `Problem`."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from problems.model import (
    AssertTests,
    CodeProblem,
    CodeTests,
    MathProblem,
    Problem,
    StdioCase,
    problem_adapter,
)


class FieldError(ValueError):
    """A row is wrong in one named field; the loader adds the file and line."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class RowContext:
    """What a converter knows besides the row: used for ids and `source` when a row has none."""

    dataset: str  # the file's stem, e.g. "HumanEval" for HumanEval.jsonl.gz
    line: int


Converter = Callable[[Mapping[str, Any], RowContext], Problem]


@dataclass(frozen=True)
class Format:
    name: str
    matches: Callable[[Mapping[str, Any]], bool]
    convert: Converter


def _text(row: Mapping[str, Any], field: str, *, allow_empty: bool = False) -> str:
    if field not in row or row[field] is None:
        raise FieldError(field, "missing")
    value = row[field]
    if not isinstance(value, str):
        raise FieldError(field, f"expected a string, got {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise FieldError(field, "empty")
    return value


def _optional_text(row: Mapping[str, Any], field: str) -> str | None:
    value = row.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise FieldError(field, f"expected a string, got {type(value).__name__}")
    return value


def _row_id(row: Mapping[str, Any], fields: tuple[str, ...], ctx: RowContext) -> str:
    for field in fields:
        value = row.get(field)
        if value is not None and str(value).strip():
            return str(value)
    return f"{ctx.dataset}/{ctx.line}"


def _validated(build: Callable[[], Problem]) -> Problem:
    """Run a model constructor, turning pydantic's error into a `FieldError` naming the field."""
    try:
        return build()
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = list(first["loc"])
        if loc[:1] in (["math"], ["code"]):  # the union's tag, not a field of the row
            loc = loc[1:]
        field = ".".join(str(part) for part in loc) or "<row>"
        raise FieldError(field, first["msg"]) from exc


# --- our own format ---------------------------------------------------------------------------


def _from_native(row: Mapping[str, Any], ctx: RowContext) -> Problem:
    data = dict(row)
    data.setdefault("source", ctx.dataset)
    return _validated(lambda: problem_adapter.validate_python(data))


# --- GSM8K: {"question", "answer": "...reasoning...\n#### 72"} -----------------------------


def _from_gsm8k(row: Mapping[str, Any], ctx: RowContext) -> Problem:
    question = _text(row, "question")
    answer_text = _text(row, "answer")
    reasoning, marker, final = answer_text.rpartition("####")
    final = final.strip().replace(",", "")
    if not marker or not final:
        raise FieldError("answer", "no final '#### <answer>' line")
    return _validated(
        lambda: MathProblem(
            id=_row_id(row, ("id",), ctx),
            statement=question,
            answer=final,
            solution=reasoning.strip() or None,
            source=ctx.dataset,
        )
    )


# --- MATH: {"problem", "solution": "... \\boxed{42}", "answer"?, "level"?, "type"?} -----------

_BOXED = re.compile(r"\\(?:boxed|fbox)\s*")


def last_boxed(text: str) -> str | None:
    """The content of the last `\\boxed{...}` (or `\\boxed 5`), braces balanced; None if absent."""
    starts = [match.end() for match in _BOXED.finditer(text)]
    if not starts:
        return None
    start = starts[-1]
    if start >= len(text):
        return None
    if text[start] != "{":
        token = re.match(r"[^\s$]+", text[start:])
        return token.group(0) if token else None
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : index].strip() or None
    return None


def _from_math(row: Mapping[str, Any], ctx: RowContext) -> Problem:
    statement = _text(row, "problem")
    solution = _optional_text(row, "solution")
    answer = _optional_text(row, "answer")
    if answer is None:
        if solution is None:
            raise FieldError("solution", "missing, and there is no 'answer' field")
        answer = last_boxed(solution)
        if answer is None:
            raise FieldError("solution", "no \\boxed{} answer, and there is no 'answer' field")
    final_answer = answer
    return _validated(
        lambda: MathProblem(
            id=_row_id(row, ("unique_id", "id"), ctx),
            statement=statement,
            answer=final_answer,
            solution=solution,
            level=_optional_text(row, "level"),
            topic=_optional_text(row, "type") or _optional_text(row, "subject"),
            source=ctx.dataset,
        )
    )


# --- HumanEval: {"task_id", "prompt", "canonical_solution", "test", "entry_point"} -------------


def _from_humaneval(row: Mapping[str, Any], ctx: RowContext) -> Problem:
    prompt = _text(row, "prompt")
    test = _text(row, "test")
    entry_point = _text(row, "entry_point")
    task_id = _text(row, "task_id")
    body = _optional_text(row, "canonical_solution")
    return _validated(
        lambda: CodeProblem(
            id=task_id,
            statement=prompt,
            starter_code=prompt,
            entry_point=entry_point,
            tests=CodeTests(asserts=AssertTests(code=test, style="check")),
            reference_solution=prompt + body if body else None,
            source=ctx.dataset,
        )
    )


# --- MBPP: {"task_id", "text", "code", "test_list", "test_setup_code"} -----------------------


def _called_function(code: str, tests: list[str], field: str) -> str:
    """The function of `code` that the tests call: MBPP names no entry point."""
    try:
        defined = [node.name for node in ast.parse(code).body if isinstance(node, ast.FunctionDef)]
    except SyntaxError as exc:
        raise FieldError("code", f"not valid Python: {exc.msg} (line {exc.lineno})") from exc
    called = {
        node.func.id
        for test in tests
        for node in ast.walk(ast.parse(test))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    for name in defined:
        if name in called:
            return name
    raise FieldError(field, "the tests call none of the functions that 'code' defines")


def _from_mbpp(row: Mapping[str, Any], ctx: RowContext) -> Problem:
    text = _text(row, "text")
    code = _text(row, "code")
    tests = row.get("test_list")
    if not isinstance(tests, list) or not tests or not all(isinstance(t, str) for t in tests):
        raise FieldError("test_list", "expected a non-empty list of assert strings")
    for index, test in enumerate(tests):
        try:
            ast.parse(test)
        except SyntaxError as exc:
            raise FieldError(f"test_list[{index}]", f"not valid Python: {exc.msg}") from exc
    entry_point = _called_function(code, tests, "test_list")
    setup = _optional_text(row, "test_setup_code") or ""
    return _validated(
        lambda: CodeProblem(
            id=f"{ctx.dataset}/{row['task_id']}"
            if "task_id" in row
            else f"{ctx.dataset}/{ctx.line}",
            statement=text,
            entry_point=entry_point,
            tests=CodeTests(
                asserts=AssertTests(code="\n".join(tests), style="asserts", setup=setup)
            ),
            reference_solution=code,
            source=ctx.dataset,
        )
    )


# --- stdin/stdout sets: APPS ("input_output"), CodeContests ("public_tests"), "inputs"/"outputs" -


def _json_field(row: Mapping[str, Any], field: str) -> Any:
    value = row[field]
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise FieldError(field, f"not JSON: {exc.msg}") from exc
    return value


def _cases(inputs: Any, outputs: Any, field: str) -> list[StdioCase]:
    if not isinstance(inputs, list) or not isinstance(outputs, list):
        raise FieldError(field, "expected lists of inputs and outputs")
    if len(inputs) != len(outputs):
        raise FieldError(field, f"{len(inputs)} inputs but {len(outputs)} outputs")
    cases = []
    for index, (given, expected) in enumerate(zip(inputs, outputs, strict=True)):
        if not isinstance(given, str) or not isinstance(expected, str):
            raise FieldError(f"{field}[{index}]", "stdin/stdout cases must be strings")
        cases.append(StdioCase(input=given, output=expected))
    return cases


def _stdio_cases(row: Mapping[str, Any]) -> list[StdioCase]:
    if "input_output" in row:
        spec = _json_field(row, "input_output")
        if not isinstance(spec, dict):
            raise FieldError("input_output", "expected an object with 'inputs' and 'outputs'")
        if spec.get("fn_name"):
            raise FieldError("input_output", "call-based (fn_name) rows are not stdin/stdout tests")
        return _cases(spec.get("inputs"), spec.get("outputs"), "input_output")
    if "inputs" in row or "outputs" in row:
        return _cases(_json_field(row, "inputs"), _json_field(row, "outputs"), "inputs")
    cases: list[StdioCase] = []
    for field in ("public_tests", "private_tests", "generated_tests"):
        if row.get(field):
            tests = _json_field(row, field)
            if not isinstance(tests, dict):
                raise FieldError(field, "expected an object with 'input' and 'output' lists")
            cases += _cases(tests.get("input"), tests.get("output"), field)
    return cases


def _python_solution(row: Mapping[str, Any]) -> str | None:
    if not row.get("solutions"):
        return None
    solutions = _json_field(row, "solutions")
    if isinstance(solutions, list):  # APPS: a list of Python programs
        return next((s for s in solutions if isinstance(s, str) and s.strip()), None)
    if isinstance(solutions, dict):  # CodeContests: parallel lists; language 3 is Python 3
        pairs = zip(solutions.get("language", []), solutions.get("solution", []), strict=False)
        return next((code for language, code in pairs if language == 3), None)
    raise FieldError("solutions", "expected a list of programs or a CodeContests solutions object")


def _from_stdio(row: Mapping[str, Any], ctx: RowContext) -> Problem:
    statement_field = next(
        (f for f in ("question", "problem", "description") if f in row), "question"
    )
    statement = _text(row, statement_field)
    cases = _stdio_cases(row)
    if not cases:
        raise FieldError("input_output", "no stdin/stdout cases")
    reference = _python_solution(row)
    return _validated(
        lambda: CodeProblem(
            id=_row_id(row, ("problem_id", "id", "name"), ctx),
            statement=statement,
            tests=CodeTests(stdio=cases),
            starter_code=_optional_text(row, "starter_code"),
            reference_solution=reference,
            level=_optional_text(row, "difficulty"),
            source=ctx.dataset,
        )
    )


def _has(*fields: str) -> Callable[[Mapping[str, Any]], bool]:
    return lambda row: all(field in row for field in fields)


def _has_any(*fields: str) -> Callable[[Mapping[str, Any]], bool]:
    return lambda row: any(field in row for field in fields)


# Checked in order; each test uses keys that only its format has, so the first match wins and
# a row missing a required field still gets that field named by the converter.
FORMATS: tuple[Format, ...] = (
    Format("reasoning-factory", _has("domain"), _from_native),
    Format("humaneval", _has("prompt", "entry_point"), _from_humaneval),
    Format("mbpp", _has("test_list"), _from_mbpp),
    Format(
        "stdio",
        _has_any("input_output", "inputs", "outputs", "public_tests", "private_tests"),
        _from_stdio,
    ),
    Format("math", _has("problem"), _from_math),
    Format("gsm8k", _has("question", "answer"), _from_gsm8k),
)


def detect(row: Mapping[str, Any]) -> Format | None:
    return next((fmt for fmt in FORMATS if fmt.matches(row)), None)
