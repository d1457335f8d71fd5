"""String helpers for LaTeX text that need bracket depth but no parsing (safe on the host)."""

from __future__ import annotations

import re

_OPEN = "({["
_CLOSE = ")}]"


def split_top_level(text: str, separator: str = ",") -> list[str]:
    """Split at `separator` where no bracket is open ("f(1, 2), 3" -> ["f(1, 2)", " 3"])."""
    parts: list[str] = []
    depth = 0
    start = 0
    position = 0
    while position < len(text):
        char = text[position]
        if char == "\\" and text.startswith(("\\{", "\\}"), position):
            depth += 1 if text[position + 1] == "{" else -1
            position += 2
            continue
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and text.startswith(separator, position):
            parts.append(text[start:position])
            start = position + len(separator)
            position = start
            continue
        position += 1
    parts.append(text[start:])
    return parts


def wrapped_in(text: str, opening: str, closing: str) -> str | None:
    """The inside of `text` when one bracket pair encloses all of it, else None."""
    text = text.strip()
    if not (text.startswith(opening) and text.endswith(closing)):
        return None
    inner = text[len(opening) : len(text) - len(closing)]
    depth = 0
    for char in inner:
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
            if depth < 0:
                return None
    return inner if depth == 0 else None


def _boxed_at(text: str, start: int) -> tuple[str | None, int]:
    """The content of the box command at `start` (braces matched, or `\\boxed 5`) and its end."""
    command = "\\boxed" if text.startswith("\\boxed", start) else "\\fbox"
    after = start + len(command)
    rest = text[after:].lstrip()
    offset = len(text) - len(rest)
    if not rest.startswith("{"):
        token = rest.split(None, 1)[0] if rest.strip() else ""
        return token.split("$")[0] or None, offset + len(token)
    depth = 0
    for position, char in enumerate(rest):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return rest[1:position], offset + position + 1
    return None, len(text)


_BOX = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])")


def all_boxed(text: str) -> list[str]:
    """The content of every \\boxed{...} or \\fbox{...} in order; none when one is unclosed
    (a cut-off box may have held a different answer)."""
    found = []
    position = 0
    while match := _BOX.search(text, position):
        content, position = _boxed_at(text, match.start())
        if content is None:
            return []
        found.append(content)
    return found


def last_boxed(text: str) -> str | None:
    """Content of the last \\boxed{...} or \\fbox{...}, braces matched (or `\\boxed 5`)."""
    start = max(text.rfind("\\boxed"), text.rfind("\\fbox"))
    if start < 0:
        return None
    return _boxed_at(text, start)[0]


def unbox(text: str) -> str:
    """`x = \\boxed{5}` -> `x = 5`: the box marks the answer, it is not part of the math."""
    while True:
        start = text.find("\\boxed{")
        if start < 0:
            return text
        depth = 0
        for position in range(start + len("\\boxed"), len(text)):
            if text[position] == "{":
                depth += 1
            elif text[position] == "}":
                depth -= 1
                if depth == 0:
                    inner = text[start + len("\\boxed{") : position]
                    text = text[:start] + inner + text[position + 1 :]
                    break
        else:
            return text
