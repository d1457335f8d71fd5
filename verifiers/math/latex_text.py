"""String helpers for LaTeX text that need bracket depth but no parsing (safe on the host)."""

from __future__ import annotations

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


def last_boxed(text: str) -> str | None:
    """Content of the last \\boxed{...} or \\fbox{...}, braces matched (or `\\boxed 5`)."""
    start = max(text.rfind("\\boxed"), text.rfind("\\fbox"))
    if start < 0:
        return None
    command = "\\boxed" if text.startswith("\\boxed", start) else "\\fbox"
    rest = text[start + len(command) :].lstrip()
    if not rest.startswith("{"):
        token = rest.split(None, 1)[0] if rest.strip() else ""
        return token.split("$")[0] or None
    depth = 0
    for position, char in enumerate(rest):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return rest[1:position]
    return None


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
