"""LaTeX as text for error injection: `=` chains in math segments, terms, groups and numbers.

Everything here reads brackets and tokens only; nothing is parsed as math or evaluated, so it
is safe on the host. Values are computed by the math verifier's workers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from verifiers.math.steps import split_steps

_SEGMENT = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|(?<!\\)\$(.+?)(?<!\\)\$|\\\((.+?)\\\)", re.S)
# A segment with any of these states more than one `=` chain, or not an equality at all.
_NOT_A_CHAIN = re.compile(
    r"\\(?:neq|ne|leq|le|geq|ge|leqslant|geqslant|approx|lt|gt|quad|qquad|Rightarrow|implies"
    r"|iff|text|mbox|textbf|pm|mp|in|cup|begin|boxed)(?![A-Za-z])"
    r"|[<>;&\u2264\u2265\u2260\u2248]|!=|\\\\"
)
# Calculus and big operators: a chain may start with one, but its result is not recomputed.
_CALCULUS = re.compile(r"\\(?:lim|int|sum|prod|infty|to|d?frac\s*\{d\})(?![A-Za-z])")
_NUMBER = re.compile(r"(?<![\w.\\])\d+(?:\.\d+)?(?!\d|\.\d)")
_DECIMAL = re.compile(r"^-?\d+\.(\d+)$")
_LITERAL = re.compile(r"^-?\d+(?:\.\d+)?$")
_COMMAND = re.compile(r"\\[A-Za-z]+$")
_PRODUCT = re.compile(r"\\(?:cdot|times|div)(?![A-Za-z])|/")
_OPERATOR_COMMANDS = ("\\cdot", "\\times", "\\div", "\\pm", "\\mp")
_OPEN = "({["
_CLOSE = ")}]"


@dataclass(frozen=True)
class Chain:
    """`A = B = C` inside one math segment of a step: the span of each side in the step text."""

    sides: tuple[tuple[int, int], ...]

    @property
    def lhs(self) -> tuple[int, int]:
        """The side the result is computed from: the one before the last."""
        return self.sides[-2]

    @property
    def result(self) -> tuple[int, int]:
        return self.sides[-1]

    @property
    def end(self) -> int:
        return self.sides[-1][1]


def step_spans(solution: str) -> list[tuple[int, int]]:
    """Where each step of `solution` (as the math verifier splits and numbers them) lies in it."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in split_steps(solution):
        start = solution.index(piece, cursor)
        spans.append((start, start + len(piece)))
        cursor = start + len(piece)
    return spans


def depths(text: str) -> list[int]:
    """The bracket depth before each character (escaped braces count as brackets)."""
    out: list[int] = []
    depth = 0
    for char in text:
        if char in _CLOSE:
            depth = max(0, depth - 1)
        out.append(depth)
        if char in _OPEN:
            depth += 1
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def chains(step: str) -> list[Chain]:
    """Every math segment of `step` that is one plain `=` chain (no other relation, no list)."""
    found: list[Chain] = []
    for match in _SEGMENT.finditer(step):
        group = next(g for g in range(1, 5) if match.group(g) is not None)
        start, end = match.span(group)
        math = step[start:end]
        if _NOT_A_CHAIN.search(math):
            continue
        levels = depths(math)
        if any(char == "," and levels[i] == 0 for i, char in enumerate(math)):
            continue
        cuts = [i for i, char in enumerate(math) if char == "=" and levels[i] == 0]
        if not cuts:
            continue
        bounds = [-1, *cuts, len(math)]
        sides = tuple(
            _trim(step, start + bounds[i] + 1, start + bounds[i + 1])
            for i in range(len(bounds) - 1)
        )
        if all(a < b for a, b in sides):
            found.append(Chain(sides))
    return found


def segment_end(step: str, position: int) -> int:
    """Where the math segment of `step` holding `position` ends, its closing delimiter included
    (`position` itself when it lies in no segment)."""
    for match in _SEGMENT.finditer(step):
        if match.start() <= position < match.end():
            return match.end()
    return position


def calculus(text: str) -> bool:
    """Whether `text` has a limit, integral, sum, product or derivative."""
    return bool(_CALCULUS.search(text))


def plain(text: str) -> bool:
    """Whether `text` is arithmetic on numbers: no letters once LaTeX commands are removed."""
    return not re.search(r"[A-Za-z]", re.sub(r"\\[A-Za-z]+", " ", text))


def literal(text: str) -> bool:
    """A number written as such: `114`, `-6`, `12.40`."""
    return bool(_LITERAL.match(text.strip()))


def numbers(text: str) -> list[tuple[int, int]]:
    """Spans of the number literals of `text`, leaving out exponents and subscripts."""
    spans = []
    for match in _NUMBER.finditer(text):
        before = text[: match.start()].rstrip()
        if before.endswith(("^", "_", "^{", "_{")):
            continue
        spans.append(match.span())
    return spans


def binary_sign(text: str, position: int) -> bool:
    """Whether an operand ends just before `position`, so a sign there is binary."""
    before = text[:position].rstrip()
    if not before:
        return False
    command = _COMMAND.search(before)
    if command:
        return command.group(0) not in (*_OPERATOR_COMMANDS, "\\left")
    return before[-1].isalnum() or before[-1] in ")]}!"


def terms(text: str) -> list[tuple[int, int]]:
    """Spans of the top-level terms of a sum; each span starts at the term's binary sign."""
    levels = depths(text)
    cuts = [
        i for i, char in enumerate(text) if char in "+-" and levels[i] == 0 and binary_sign(text, i)
    ]
    bounds = [0, *cuts, len(text)]
    return [_trim(text, bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def groups(text: str) -> list[tuple[int, int, int, int]]:
    """Parenthesised sums: (open start, inside start, inside end, close end) of each `(a + b)`
    or `\\left(a + b\\right)` whose inside has at least two top-level terms."""
    found = []
    stack: list[tuple[int, int]] = []
    position = 0
    while position < len(text):
        if text.startswith("\\left(", position):
            stack.append((position, position + len("\\left(")))
            position += len("\\left(")
            continue
        if text.startswith("\\right)", position) and stack:
            opened, inside = stack.pop()
            close = position + len("\\right)")
            if len(terms(text[inside:position])) >= 2:
                found.append((opened, inside, position, close))
            position = close
            continue
        char = text[position]
        if char == "(":
            stack.append((position, position + 1))
        elif char == ")" and stack:
            opened, inside = stack.pop()
            if len(terms(text[inside:position])) >= 2:
                found.append((opened, inside, position, position + 1))
        position += 1
    return sorted(found)


def multiplied(text: str, position: int) -> bool:
    """Whether a factor (number, letter, bracket, `\\cdot`) multiplies what starts at `position`."""
    before = text[:position].rstrip()
    if before.endswith(("\\cdot", "\\times")):
        return True
    if _COMMAND.search(before):
        return False
    return bool(before) and (before[-1].isalnum() or before[-1] in ")}")


def factors(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of the two factors the product or quotient sign at `text[start:end]` joins
    (up to the sums around them); None when the sign is one link of a longer product or
    quotient (`3 \\cdot 2 \\cdot 1`), where no one slips on one link alone."""
    levels = depths(text)
    level = levels[start]
    low, high = start, end
    while low > 0 and levels[low - 1] >= level:
        low -= 1
    while high < len(text) and levels[high] >= level:
        high += 1
    for match in _PRODUCT.finditer(text, low, high):
        if levels[match.start()] == level and match.start() != start:
            return None
    sums = [
        i
        for i in range(low, high)
        if levels[i] == level and text[i] in "+-" and binary_sign(text, i)
    ]
    left = max((i + 1 for i in sums if i < start), default=low)
    right = min((i for i in sums if i >= end), default=high)
    return left, right


def fraction(text: str) -> Fraction:
    """The value a worker sent back as `p/q` text (exact, never evaluated from teacher text)."""
    return Fraction(text)


def show(value: Fraction, like: str) -> str:
    """`value` written the way `like` (the number it replaces) is written: a decimal with as
    many places when it has a finite expansion, else an integer or a `\\frac`."""
    places = _DECIMAL.match(like.strip())
    if places is not None:
        digits = len(places.group(1))
        scaled = value * 10**digits
        if scaled.denominator == 1:
            sign = "-" if scaled < 0 else ""
            whole, part = divmod(abs(scaled.numerator), 10**digits)
            return f"{sign}{whole}.{part:0{digits}d}"
    if value.denominator == 1:
        return str(value.numerator)
    sign = "-" if value < 0 else ""
    return f"{sign}\\frac{{{abs(value.numerator)}}}{{{value.denominator}}}"
