"""`code_reward`: the completion's program run against the row's tests in the sandbox: 1.0 when
every test passes (`partial=True`: the share passed), else 0.0.

The tests run in the code verifier's judge, apart from the program, so printing "passed",
exiting early or patching the test runner earns nothing; a row with a `reference_solution` also
meets inputs drawn once per problem and compared with the reference, so a program that only
special-cases the visible tests fails. Gold comes from the `tests` column (our `CodeTests`
object or its JSON, HumanEval `check` code, MBPP-style asserts as code or a list) with the
optional `entry_point`, `starter_code` and `reference_solution` columns; no `tests`: None.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import json
from typing import Any

from problems import CodeProblem
from problems.model import AssertTests, CodeTests
from verifiers.code.fenced import python_blocks, single_program
from verifiers.rewards.base import Reward, column
from verifiers.rewards.texts import completion_text, prompt_text
from verifiers.verdict import Verdict

# Extra columns a code row may carry beside `tests`.
CODE_COLUMNS = ("entry_point", "starter_code", "reference_solution")


def _tests(value: Any) -> CodeTests:
    if isinstance(value, str) and value.lstrip().startswith("{"):
        value = json.loads(value)
    if isinstance(value, dict):
        return CodeTests.model_validate(value)
    if isinstance(value, list | tuple):
        value = "\n".join(str(line) for line in value)
    if not isinstance(value, str):
        raise ValueError("tests must be a CodeTests object, JSON, assert code or a list of asserts")
    style = "check" if "def check(" in value else "pytest" if "def test_" in value else "asserts"
    return CodeTests(asserts=AssertTests(code=value, style=style))


def _called(tests: CodeTests) -> str | None:
    """The function MBPP-style asserts call (they name no entry point): the first non-builtin."""
    if tests.asserts is None or tests.asserts.style == "check":
        return None
    for node in ast.walk(ast.parse(tests.asserts.code)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if not hasattr(builtins, node.func.id):
            return node.func.id
    return None


def code_problem(prompt: str, tests: Any, extras: dict[str, Any]) -> CodeProblem:
    """The problem a row's columns describe (its id a hash of them, so draws are shared)."""
    fields = {key: extras[key] for key in CODE_COLUMNS if extras.get(key)}
    parsed = _tests(tests)
    if "entry_point" not in fields and (called := _called(parsed)):
        fields["entry_point"] = called
    key = json.dumps([parsed.model_dump(), fields], sort_keys=True)
    return CodeProblem(
        id="reward/" + hashlib.sha256(key.encode()).hexdigest()[:16],
        statement=prompt or "(no statement)",
        tests=parsed,
        **fields,
    )


def program_of(text: str) -> str | None:
    """The program: the one fenced python block, or the whole text when it has no fence."""
    if not python_blocks(text):
        return text if text.strip() else None
    program, _ = single_program(text)
    return program


def share_passed(verdict: Verdict) -> float:
    tests = [e for e in verdict.evidence if e.check != "harness"]
    if not tests:
        return 0.0
    return sum(e.outcome == "passed" for e in tests) / len(tests)


class CodeReward(Reward):
    """`partial=True` rewards the share of tests passed instead of all-or-nothing."""

    name = "code_reward"

    def __init__(self, *, partial: bool = False, **options: Any) -> None:
        super().__init__(**options)
        self.partial = partial

    def __call__(
        self, prompts: list[Any] | None = None, completions: list[Any] | None = None, **columns: Any
    ) -> list[float | None]:
        completions = list(completions or [])
        size = len(completions)
        tests = column(columns, "tests", size)
        extras = {key: column(columns, key, size) for key in CODE_COLUMNS}
        asked = list(prompts) if prompts is not None else [None] * size
        rewards: list[float | None] = [None] * size
        jobs: list[int] = []
        pairs: list[tuple[CodeProblem, str]] = []
        for index, completion in enumerate(completions):
            if tests[index] is None:
                continue  # not a code row: no reward from this function
            row = {key: values[index] for key, values in extras.items()}
            problem = code_problem(prompt_text(asked[index]), tests[index], row)
            program = program_of(completion_text(completion))
            if program is None:
                rewards[index] = 0.0
                continue
            jobs.append(index)
            pairs.append((problem, program))
        verdicts = self.service.judge_code(pairs) if pairs else []
        lost: list[str] = []
        for index, verdict in zip(jobs, verdicts, strict=True):
            if not verdict.judged:
                lost.append(verdict.evidence[0].reason if verdict.evidence else "no verdict")
            elif self.partial and verdict.status != "pass":
                rewards[index] = share_passed(verdict)
            else:
                rewards[index] = 1.0 if verdict.passed else 0.0
        if lost:
            self.unjudged(lost)
        return rewards


code_reward = CodeReward()
