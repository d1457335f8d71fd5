"""Rounding, only when the problem asks for it: "to the nearest hundredth", "to 2 decimal places".

No tolerance otherwise: a decimal is equivalent to a gold only when it is exactly its value.
When the statement asks for a precision, a decimal written to that many places is equivalent
when it is the gold rounded (the gap provably at most half a unit of the last place).
`asked_places` reads text on the host; `rounded_equal` runs in a worker.
"""

from __future__ import annotations

import re

import sympy

from verifiers.math.equivalence import approximate, certainly_nonzero

_WORDS = {
    "whole number": 0, "integer": 0, "dollar": 0,
    "tenth": 1, "hundredth": 2, "cent": 2, "thousandth": 3, "ten-thousandth": 4,
}  # fmt: skip
_NEAREST = re.compile(
    r"\bnearest\s+(whole\s+number|ten-thousandth|thousandth|hundredth|tenth|integer|dollar"
    r"|cent)\b",
    re.I,
)
_PLACES = re.compile(
    r"\b(?:to|with|correct\s+to)\s+(\d|one|two|three|four)\s+(?:decimal\s+places?|d\.\s?p\.)",
    re.I,
)
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4}
_DECIMAL = re.compile(r"^\s*-?\d+(?:\.(\d+))?\s*$")


def asked_places(problem: str) -> int | None:
    """The decimal places the statement asks the answer to be rounded to, if it asks."""
    nearest = _NEAREST.search(problem)
    if nearest:
        return _WORDS[re.sub(r"\s+", " ", nearest.group(1).lower())]
    places = _PLACES.search(problem)
    if places:
        word = places.group(1).lower()
        return int(word) if word.isdigit() else _NUMBERS[word]
    return None


def written_places(text: str) -> int | None:
    """How many decimals a plain decimal answer is written with (`3.14` -> 2, `7` -> 0)."""
    match = _DECIMAL.match(text)
    if match is None:
        return None
    return len(match.group(1) or "")


def rounded_equal(gold: sympy.Basic, candidate: sympy.Basic, places: int) -> bool:
    """Whether |gold - candidate| <= half a unit of the `places`-th decimal, proven."""
    if not (isinstance(gold, sympy.Expr) and isinstance(candidate, sympy.Rational)):
        return False
    half = sympy.Rational(1, 2 * 10**places)
    margin = approximate(half - sympy.Abs(gold - candidate))
    if margin is None or not margin.is_real:
        return False
    if margin == 0:  # an exact tie (2.5 to a whole number) rounds half away from zero
        return bool(sympy.Abs(candidate) > sympy.Abs(gold))
    return bool(margin > 0 and certainly_nonzero(margin))
