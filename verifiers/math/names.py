"""Names in answers, as text: geometry names (`\\angle PQR`, segment `PQ`) and the named
left-hand sides models put before a value (`g(x) = 5`, `(a, b) = (4, 1)`, `|PQ| = 3`).

Point names read as LaTeX are products of commuting letters, so `\\angle PRQ` would equal
`\\angle PQR`; they are compared here as names instead, and never reach the parser.
"""

from __future__ import annotations

import re

from verifiers.math.latex_text import split_top_level, wrapped_in

_ANGLE = re.compile(r"^(?:m\s*)?\\(?:angle|measuredangle)\s*\{?\s*([A-Z])([A-Z])([A-Z])\s*\}?$")
_SEGMENT = re.compile(r"^(?:\\overline\s*\{\s*([A-Z])\s*([A-Z])\s*\}|([A-Z])([A-Z]))$")
_FIGURE = re.compile(
    r"^(?:\\triangle|\\text\{\s*triangle\s*\}|triangle\s)\s*\{?\s*([A-Z]{3})\s*\}?$|^([A-Z]{3,})$"
)
_ROMAN = set("IVX")
_CONSTANTS = {"e", "i", "\\pi", "\\infty"}
_POINT_RUN = re.compile(r"(?<![\\A-Za-z])[A-Z]{2,}(?![A-Za-z])")
_COMMAND = re.compile(r"\\[A-Za-z]+(?:\s*\{[^{}]*\})?")
_SYMBOL = r"(?:[A-Za-z]|\\[A-Za-z]+)(?:_\{?[A-Za-z0-9]+\}?)?'*"
_PLAIN_SYMBOL = re.compile(rf"^{_SYMBOL}$")
_NAME = re.compile(
    rf"^(?:{_SYMBOL}(?:\s*\([^()=]*\))?|\|\s*[A-Z]{{2}}\s*\||[A-Z]{{2,4}}"
    r"|(?:m\s*)?\\(?:angle|measuredangle)\s*[A-Z]{3}|\\overline\s*\{[A-Z]{2}\}"
    r"|[A-Za-z](?:\s*:\s*[A-Za-z])+)$"
)


def geometry_name(text: str) -> str | None:
    """A canonical name when the whole answer names an angle, a segment or a figure.

    `\\angle PQR` = `\\angle RQP` (same vertex, same arms) and `PQ` = `QP`; a triangle keeps
    its letter order, which states a correspondence in congruence and similarity answers.
    """
    text = text.strip()
    angle = _ANGLE.match(text)
    if angle:
        first, vertex, last = angle.groups()
        return f"angle {min(first + vertex + last, last + vertex + first)}"
    segment = _SEGMENT.match(text)
    if segment and not set(text) <= _ROMAN:  # `IV` and `VI` are numerals, not a segment
        ends = "".join(group for group in segment.groups() if group)
        return f"segment {min(ends, ends[::-1])}"
    figure = _FIGURE.match(text)
    if figure:
        return f"figure {figure.group(1) or figure.group(2)}"
    return None


def has_point_names(text: str) -> bool:
    """Whether an expression contains a run of capitals (`AB + BC`): point names, not a product."""
    return bool(_POINT_RUN.search(_COMMAND.sub(" ", text)))


def is_name(text: str) -> bool:
    """A variable, function value, point name or ratio of names; never a constant (`\\pi`)."""
    return bool(_NAME.match(text.strip())) and text.strip() not in _CONSTANTS


def named_value(text: str) -> tuple[str, str] | None:
    """`g(x) = 5` -> ("g(x)", "5") when the left side is a name other than a plain variable.

    `x = 3` stays an equation (compared as an assignment); `x + y = 5` has no name at all.
    """
    sides = split_top_level(text, "=")
    if len(sides) != 2:
        return None
    name, value = sides[0].strip(), sides[1].strip()
    if not value or not is_name(name) or _PLAIN_SYMBOL.match(name):
        return None
    return name, value


def named_items(text: str) -> tuple[tuple[str, ...], list[str]] | None:
    """`m=-2, n=9/4` or `(a, b) = (4, 1)` as names and value texts, when every name differs."""
    sides = split_top_level(text, "=")
    if len(sides) == 2:
        inner = wrapped_in(sides[0], "(", ")")
        names = [name.strip() for name in split_top_level(inner)] if inner is not None else []
        if len(names) > 1 and all(is_name(name) for name in names):
            return tuple(names), [sides[1].strip()]
    items = split_top_level(text)
    if len(items) < 2:
        return None
    pairs = [split_top_level(item, "=") for item in items]
    if not all(len(pair) == 2 and is_name(pair[0].strip()) for pair in pairs):
        return None
    names = [pair[0].strip() for pair in pairs]
    if len(set(names)) != len(names):
        return None
    return tuple(names), [pair[1].strip() for pair in pairs]
