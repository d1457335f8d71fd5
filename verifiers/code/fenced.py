"""The program a reply states: its one fenced python block (the parse stage, the rewards)."""

from __future__ import annotations

import re

# A fence opens at a line start with ``` and an info string, and closes at a line of ``` alone.
_FENCE = re.compile(r"^```[ \t]*([\w+-]*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
_PYTHON = {"python", "py", "python3", ""}


def python_blocks(text: str) -> list[tuple[int, str]]:
    """Every fenced python block of `text`: where it starts, and its code."""
    return [
        (match.start(), match.group(2))
        for match in _FENCE.finditer(text)
        if match.group(1).lower() in _PYTHON
    ]


def single_program(text: str) -> tuple[str | None, str | None]:
    """(the program, None) when `text` has exactly one non-empty python block, else (None, why)."""
    blocks = python_blocks(text)
    if not blocks:
        return None, "no fenced python code block"
    if len(blocks) > 1:
        return None, f"{len(blocks)} python code blocks; expected exactly one"
    code = blocks[0][1]
    if not code.strip():
        return None, "the python code block is empty"
    return code, None
