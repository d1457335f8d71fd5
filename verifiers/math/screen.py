"""Cheap text checks that turn away hostile answers before any parser sees them."""

from __future__ import annotations

MAX_ANSWER_CHARS = 1_000
MAX_RELATION_CHARS = 600
MAX_SOLUTION_CHARS = 60_000
MAX_NESTING = 40


def nesting_depth(text: str) -> int:
    """Deepest bracket nesting; the LaTeX parser recurses once per level and can blow the stack."""
    depth = deepest = 0
    for char in text:
        if char in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})]":
            depth = max(0, depth - 1)
    return deepest


def refuse(text: str, max_chars: int) -> str | None:
    """Why `text` must not be parsed at all, or None when it may be."""
    if len(text) > max_chars:
        return f"too long to parse ({len(text)} characters, limit {max_chars})"
    if nesting_depth(text) > MAX_NESTING:
        return f"nested deeper than {MAX_NESTING} levels"
    if "\x00" in text:
        return "contains a NUL character"
    return None
