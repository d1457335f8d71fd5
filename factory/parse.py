"""A teacher's text as steps plus a final answer (math) or one program (code).

Nothing here raises on bad text: what cannot be parsed comes back with `error` set, and the
pipeline keeps it as a trace rejected for its format.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from verifiers.code.fenced import python_blocks, single_program
from verifiers.math.final_answer import extract
from verifiers.math.steps import split_steps


class Parsed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    steps: list[str] = []
    final_answer: str | None = None  # math: the last \boxed{} content
    code: str | None = None  # code: the program in the single python block
    error: str | None = None  # why the text is unusable; None when it parsed


def parse_math(text: str) -> Parsed:
    """Steps are lines and display blocks; the final answer is found by the math verifier's
    rules (boxes, `####`, "The answer is", a last display or bare line), and must exist."""
    steps = split_steps(text)
    found = extract(text)
    if found is None:
        return Parsed(steps=steps, error="no recognisable final answer")
    return Parsed(steps=steps, final_answer="; ".join(found.parts))


def parse_code(text: str) -> Parsed:
    """The one fenced python block is the program; the text before it is the reasoning."""
    code, error = single_program(text)
    if code is None:
        return Parsed(error=error)
    start = python_blocks(text)[0][0]
    steps = [line.strip() for line in text[:start].splitlines() if line.strip()]
    return Parsed(steps=steps, code=code)


def parse(domain: str, text: str, finish_reason: str | None) -> Parsed:
    """Parse a completion of a `domain` problem; a reply cut off at max_tokens is unusable."""
    if not text.strip():
        return Parsed(error="empty response")
    if finish_reason == "length":
        return Parsed(error="cut off at max_tokens")
    return parse_math(text) if domain == "math" else parse_code(text)
