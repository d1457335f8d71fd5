"""`format_reward`: 1.0 when a verifier can read the completion at all, else 0.0: math rows need
exactly one final answer (a hedge is not a format), code rows exactly one program that parses.
Rows with neither gold column accept either. Runs on the host: it parses, never evaluates."""

from __future__ import annotations

import ast
from typing import Any

from verifiers.math import screen
from verifiers.math.final_answer import extract
from verifiers.rewards.answers import math_gold
from verifiers.rewards.base import column
from verifiers.rewards.programs import program_of
from verifiers.rewards.texts import completion_text


def _one_answer(text: str) -> bool:
    found = extract(text)
    return found is not None and len(found.parts) == 1


def _one_program(text: str) -> bool:
    program = program_of(text)
    if program is None:
        return False
    try:
        ast.parse(program)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def format_reward(
    prompts: list[Any] | None = None, completions: list[Any] | None = None, **columns: Any
) -> list[float | None]:
    completions = list(completions or [])
    size = len(completions)
    answers, solutions = column(columns, "answer", size), column(columns, "solution", size)
    tests = column(columns, "tests", size)
    rewards: list[float | None] = []
    for index, completion in enumerate(completions):
        text = completion_text(completion)
        if screen.refuse(text, screen.MAX_SOLUTION_CHARS) is not None:
            rewards.append(0.0)
        elif math_gold(answers[index], solutions[index]) is not None:
            rewards.append(float(_one_answer(text)))
        elif tests[index] is not None:
            rewards.append(float(_one_program(text)))
        else:
            rewards.append(float(_one_answer(text) or _one_program(text)))
    return rewards
