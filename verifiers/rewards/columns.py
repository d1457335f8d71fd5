"""Our problems as the dataset columns the rewards read, so a problem file becomes an RL prompt
set: `prompt` plus `answer` (math) or `tests` (JSON) with `entry_point`, `starter_code`,
`reference_solution` (code). Every row has every column (None where it does not apply), as
Arrow-backed datasets need."""

from __future__ import annotations

from typing import Any

from problems import CodeProblem, MathProblem, Problem

COLUMNS = ("prompt", "answer", "tests", "entry_point", "starter_code", "reference_solution")


def problem_columns(problem: Problem) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row["prompt"] = problem.statement
    if isinstance(problem, MathProblem):
        row["answer"] = problem.answer
    elif isinstance(problem, CodeProblem):
        row["tests"] = problem.tests.model_dump_json(exclude_defaults=True)
        row["entry_point"] = problem.entry_point
        row["starter_code"] = problem.starter_code
        row["reference_solution"] = problem.reference_solution
    return row
