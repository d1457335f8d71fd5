"""What a teacher is asked: one user message per problem, from a template per domain."""

from __future__ import annotations

import hashlib
import json

from factory.teachers.base import Message
from problems import CodeProblem, Problem

STATEMENT = "{statement}"
STARTER = "{starter_code}"

MATH_TEMPLATE = (
    "Solve the following problem. Write the solution as numbered steps, one step per line, "
    "showing every calculation as an equation. End with the final answer in \\boxed{}.\n\n"
    "{statement}"
)
CODE_TEMPLATE = (
    "Solve the following programming problem in Python. First explain your reasoning briefly, "
    "then give the complete program in one fenced ```python code block, and write no other "
    "code block.\n\n"
    "{statement}\n"
    "{starter_code}"
)


def render(problem: Problem, template: str) -> list[Message]:
    """The chat messages for `problem`; `{starter_code}` becomes the signature to start from."""
    text = template.replace(STATEMENT, problem.statement)
    starter = ""
    if isinstance(problem, CodeProblem) and problem.starter_code:
        starter = f"\nStart from this signature:\n```python\n{problem.starter_code.rstrip()}\n```\n"
    return [Message(role="user", content=text.replace(STARTER, starter).strip())]


def prompt_hash(messages: list[Message]) -> str:
    """A stable hash of the prompt alone, so rows can be grouped by exactly what was asked."""
    canonical = json.dumps([m.model_dump() for m in messages], sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()
