"""The mistakes error injection makes in one `lhs = result` relation of a math step.

The written calculation `lhs` stays as the solution has it; what goes wrong is the result, the
way a person gets it wrong: a slipped digit, a lost sign, a forgotten term, a factor applied to
one term of a bracket, the wrong operation. (A misread number is not among them: the written
calculation would still show the number read right, so the step contradicts itself.) An
operator either writes the wrong result directly or names the mistaken calculation whose value
(computed in a math worker) is the wrong result. Each candidate carries a note in words, which
the check line quotes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from factory.inject.math_text import (
    binary_sign,
    factors,
    groups,
    multiplied,
    numbers,
    plain,
    terms,
)

_FRACTION = re.compile(r"^\s*-?\s*\\d?frac\s*\{\s*\d+\s*\}\s*\{\s*\d+\s*\}\s*$")
_SWAPS = (  # (written, computed instead, note)
    ("\\cdot", "+", "I added instead of multiplying"),
    ("\\times", "+", "I added instead of multiplying"),
    ("\\div", "\\cdot", "I multiplied instead of dividing"),
    ("+", "-", "I subtracted instead of adding"),
    ("-", "+", "I added instead of subtracting"),
)


@dataclass(frozen=True)
class Slip:
    """One wrong result for a relation: `result` as written, or `compute`, the mistaken
    calculation whose value is the result."""

    operator: str
    note: str
    result: str = ""
    compute: str = ""


def _replace(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def _bare(term: str) -> str:
    return term.lstrip("+- ").strip()


def arithmetic_slip(lhs: str, result: str) -> list[Slip]:
    """The last digit of a number of the result is off by two (`7 \\cdot 8 = 54`): of the
    result's last number, or of a fraction's numerator (its denominator is the common one the
    step names: `\\frac{1}{4} = \\frac{3}{10}` over 12 is no one's slip); in a numeric
    result only when that number has two digits or more: a one-digit value is seen at once
    (`\\frac{9}{3} = 1`)."""
    spans = numbers(result)
    if not spans:
        return []
    start, end = spans[0] if _FRACTION.match(result) else spans[-1]
    if plain(result) and end - start - result[start:end].count(".") < 2:
        return []
    digit = int(result[end - 1])
    slipped = digit - 2 if digit >= 2 else digit + 2
    wrong = _replace(result, end - 1, end, str(slipped))
    return [Slip("arithmetic-slip", "an arithmetic slip", result=wrong)]


def sign_error(lhs: str, result: str) -> list[Slip]:
    """A negative number of the calculation taken as positive, else a term of the result with
    the opposite sign, else (when the calculation subtracts) the whole result negated."""
    slips = []
    for start, end in numbers(lhs):
        before = lhs[:start].rstrip()
        if before.endswith("-") and not binary_sign(lhs, len(before) - 1):
            minus = len(before) - 1
            number = lhs[start:end]
            compute = lhs[:minus] + lhs[minus + 1 :]
            note = f"I lost the minus sign of $-{number}$"
            slips.append(Slip("sign-error", note, compute=compute))
    parts = terms(result)
    if len(parts) >= 2:
        start = parts[-1][0]
        flipped = "+" if result[start] == "-" else "-"
        wrong = _replace(result, start, start + 1, flipped)
        note = f"I gave ${_bare(result[parts[-1][0] : parts[-1][1]])}$ the wrong sign"
        slips.append(Slip("sign-error", note, result=wrong))
    elif "-" in lhs and result.strip() not in ("0", "-0"):
        stripped = result.strip()
        wrong = stripped[1:].lstrip() if stripped.startswith("-") else f"-{stripped}"
        slips.append(Slip("sign-error", "I got the sign wrong", result=wrong))
    return slips


def dropped_term(lhs: str, result: str) -> list[Slip]:
    """The last term of a sum left out: of the result, of a calculation adding three or more
    terms (with two, the "result" would just be the other one), or of a bracket."""
    slips = []
    parts = terms(result)
    if len(parts) >= 2:
        term = result[parts[-1][0] : parts[-1][1]]
        wrong = result[: parts[-1][0]].rstrip()
        slips.append(Slip("dropped-term", f"I left out the term ${_bare(term)}$", result=wrong))
    parts = terms(lhs)
    if len(parts) >= 3:
        term = lhs[parts[-1][0] : parts[-1][1]]
        compute = lhs[: parts[-1][0]].rstrip()
        slips.append(Slip("dropped-term", f"I left out the term ${_bare(term)}$", compute=compute))
    for _, inside, inside_end, _ in groups(lhs):
        inner = lhs[inside:inside_end]
        last = terms(inner)[-1]
        term = inner[last[0] : last[1]]
        compute = lhs[:inside] + inner[: last[0]].rstrip() + lhs[inside_end:]
        slips.append(Slip("dropped-term", f"I left out the term ${_bare(term)}$", compute=compute))
    return slips


def wrong_distribution(lhs: str, result: str) -> list[Slip]:
    """A factor or a minus sign in front of a bracketed sum applied to its first term only."""
    slips = []
    for opened, inside, inside_end, closed in groups(lhs):
        group = lhs[opened:closed]
        compute = lhs[:opened] + lhs[inside:inside_end] + lhs[closed:]
        before = lhs[:opened].rstrip()
        if before.endswith("-"):
            note = f"I did not carry the minus sign through ${group}$"
        elif multiplied(lhs, opened) or lhs[closed:].lstrip().startswith(("\\cdot", "\\times")):
            note = f"I multiplied only one term of ${group}$"
        else:
            continue
        slips.append(Slip("wrong-distribution", note, compute=compute))
    return slips


def wrong_operation(lhs: str, result: str) -> list[Slip]:
    """One operation of the calculation done as another (added instead of multiplied, ...).
    A written fraction is never taken for a product: `\\frac{150}{6} = 900` is no one's slip;
    nor is one link of a longer product (`3 \\cdot 2 \\cdot 1` as `3 \\cdot 2 + 1`); a product
    added instead is the sum of its two factors (`14 - 2 \\cdot 4` as `14 - (2 + 4)`)."""
    slips = []
    for written, instead, note in _SWAPS:
        for match in re.finditer(
            re.escape(written) + (r"(?![A-Za-z])" if "\\" in written else ""), lhs
        ):
            start, end = match.span()
            if written in "+-" and not binary_sign(lhs, start):
                continue
            if written == "-" and lhs[:start].rstrip().endswith(("^", "_")):
                continue
            compute = _replace(lhs, start, end, f" {instead} ")
            if written not in "+-":
                joined = factors(lhs, start, end)
                if joined is None:
                    continue
                left, right = joined
                if lhs[:left].strip() or lhs[right:].strip():
                    inside = f"{lhs[left:start].strip()} {instead} {lhs[end:right].strip()}"
                    compute = f"{lhs[:left].rstrip()} ({inside}) {lhs[right:].lstrip()}".strip()
            slips.append(Slip("wrong-operation", note, compute=compute))
    return slips


OPERATORS: dict[str, Callable[[str, str], list[Slip]]] = {
    "arithmetic-slip": arithmetic_slip,
    "sign-error": sign_error,
    "dropped-term": dropped_term,
    "wrong-distribution": wrong_distribution,
    "wrong-operation": wrong_operation,
}
