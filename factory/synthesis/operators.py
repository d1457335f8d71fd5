"""The synthesis operators as prompt templates, overridable from the config like the solve prompts.

Each template takes `{seeds}` (the parent problems, numbered) and asks for one fenced JSON object,
so a reply is read the same way whatever the operator: `statement` and `answer` (math; numeric
variation adds `parameters` and a `program` printing the answer from them), or `statement`,
`entry_point`, `signature`, `reference` and tests of any kind the code verifier runs (code):
`tests` (asserts in `check(candidate)`), `stdio` (whole-program runs: stdin in, stdout
expected) and `properties` (`prop(candidate, **args)` with hypothesis strategies per argument).
The reply is model text: it is parsed as JSON only, never evaluated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from factory.synthesis.model import NonEmpty, Operator
from factory.teachers.base import Message
from problems import AssertTests, CodeTests, PropertySpec, StdioCase

SEEDS = "{seeds}"
Reply = TypeVar("Reply", bound=BaseModel)
_REPLY_MATH = (
    'Reply with one ```json block holding {"statement": ..., "answer": ...}: the new problem '
    "and its final answer. The statement must not state or hint at its answer."
)
TEMPLATES: dict[Operator, str] = {
    "self-instruct": (
        "Here are example problems:\n\n{seeds}\n\nWrite one new problem in the manner of these "
        "examples (the same kind of skill and difficulty) but about something else, with one "
        "exact answer. " + _REPLY_MATH
    ),
    "evol-depth": (
        "Rewrite the problem below into a harder one: add a constraint, deepen the question, "
        "make it more concrete, ask for more reasoning steps or a harder input. It must stay "
        "well posed with one exact answer.\n\n{seeds}\n\n" + _REPLY_MATH
    ),
    "evol-breadth": (
        "Write a new problem that needs the same skill as the problem below, in a different "
        "setting, with one exact answer.\n\n{seeds}\n\n" + _REPLY_MATH
    ),
    "numeric-variation": (
        "Rewrite the problem below with its numbers as named parameters in braces, e.g. "
        '{apples}. Reply with one ```json block holding {"statement": the parametrised '
        'statement, "parameters": {name: [allowed values...]}, "program": a Python program '
        "that reads the parameters as JSON on stdin and prints the exact answer}.\n\n{seeds}"
    ),
}
_REPLY_CODE = (
    'Reply with one ```json block holding {"statement": the problem, "entry_point": the '
    'function name, "signature": its def line with type hints and a docstring, "reference": a '
    'complete correct Python program, "tests": Python code defining check(candidate) with '
    "asserts that call candidate(...), covering edge cases, so that a subtly wrong program "
    'fails}. When the program reads stdin and prints its answer, add "stdio": [{"input": ..., '
    '"output": ...}, ...] (and "tests" and "entry_point" may be left out). Where a property '
    'must hold for every input, add "properties": [{"name": ..., "code": "def prop(candidate, '
    'x): assert ...", "strategies": {"x": "st.integers(0, 99)"}}]. The statement must say '
    "everything a solver needs, with no ambiguity."
)
CODE_TEMPLATES: dict[Operator, str] = {
    "self-instruct": (
        "Here are example programming problems:\n\n{seeds}\n\nWrite one new programming "
        "problem in the manner of these examples but about something else. " + _REPLY_CODE
    ),
    "evol-depth": (
        "Rewrite the programming problem below into a harder one: add a constraint or an edge "
        "case, or ask for more reasoning.\n\n{seeds}\n\n" + _REPLY_CODE
    ),
    "evol-breadth": (
        "Write a new programming problem that needs the same skill as the problem below, in a "
        "different setting.\n\n{seeds}\n\n" + _REPLY_CODE
    ),
}
_FENCED = re.compile(r"```(?:json)?\s*\n(.*?)```", re.S)


def render(operator: Operator, seeds: Sequence[str], template: str | None = None) -> list[Message]:
    """The chat message asking `operator` of the teacher, the seed statements numbered."""
    numbered = "\n\n".join(f"Problem {n}:\n{text.strip()}" for n, text in enumerate(seeds, 1))
    text = (template or TEMPLATES[operator]).replace(SEEDS, numbered)
    return [Message(role="user", content=text.strip())]


class MathReply(BaseModel):
    """What a math operator's reply must hold (numeric variation: the parametrised form)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    statement: NonEmpty
    answer: str | None = None
    parameters: dict[str, list[int | str]] = Field(default_factory=dict)
    program: str | None = None


class CodeReply(BaseModel):
    """What a code operator's reply must hold: a reference and at least one kind of test
    (whether the tests fit the program is the candidate's to check: `CodeCandidate`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    statement: NonEmpty
    entry_point: NonEmpty | None = None
    signature: NonEmpty | None = None
    reference: NonEmpty
    tests: NonEmpty | None = None
    stdio: list[StdioCase] = Field(default_factory=list)
    properties: list[PropertySpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_a_test(self) -> CodeReply:
        if self.tests is None and not self.stdio and not self.properties:
            raise ValueError("a reply needs tests, stdio cases or properties")
        return self

    def code_tests(self) -> CodeTests:
        asserts = AssertTests(style="check", code=self.tests) if self.tests else None
        return CodeTests(asserts=asserts, stdio=self.stdio, properties=self.properties)


def _last_valid(text: str, shape: type[Reply]) -> Reply | None:
    for block in reversed(_FENCED.findall(text)):
        try:
            return shape.model_validate(json.loads(block))
        except (ValueError, RecursionError, ValidationError):
            continue
    return None


def parse_math_reply(text: str) -> MathReply | None:
    """The reply's last valid fenced JSON object as a `MathReply`, or None when there is none."""
    return _last_valid(text, MathReply)


def parse_code_reply(text: str) -> CodeReply | None:
    """The reply's last valid fenced JSON object as a `CodeReply`, or None when there is none."""
    return _last_valid(text, CodeReply)
