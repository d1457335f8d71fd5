"""A teacher's text as steps plus a final answer (math) or one program (code).

Nothing here raises on bad text: what cannot be parsed comes back with `error` set, and the
pipeline keeps it as a trace rejected for its format.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from verifiers.math.final_answer import extract
from verifiers.math.steps import split_steps

# A fence opens at a line start with ``` and an info string, and closes at a line of ``` alone.
_FENCE = re.compile(r"^```[ \t]*([\w+-]*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
_PYTHON = {"python", "py", "python3", ""}


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
    blocks = [m for m in _FENCE.finditer(text) if m.group(1).lower() in _PYTHON]
    if not blocks:
        return Parsed(error="no fenced python code block")
    if len(blocks) > 1:
        return Parsed(error=f"{len(blocks)} python code blocks; expected exactly one")
    block = blocks[0]
    code = block.group(2)
    if not code.strip():
        return Parsed(error="the python code block is empty")
    steps = [line.strip() for line in text[: block.start()].splitlines() if line.strip()]
    return Parsed(steps=steps, code=code)


def parse(domain: str, text: str, finish_reason: str | None) -> Parsed:
    """Parse a completion of a `domain` problem; a reply cut off at max_tokens is unusable."""
    if not text.strip():
        return Parsed(error="empty response")
    if finish_reason == "length":
        return Parsed(error="cut off at max_tokens")
    return parse_math(text) if domain == "math" else parse_code(text)
