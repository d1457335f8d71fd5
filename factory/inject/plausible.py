"""Whether an injected math mistake is one a person could make, judged from text alone.

A mistake no one makes teaches nothing: a count that turns negative or fractional, a value
several times too big or too small, a result written in a form nobody writes (`\\frac{2}{1}`,
`07`, `1e`, `x + 0`, `2 + 2 = 2`), or a slip inside the solution's own check line (a check
exists to catch mistakes, not to hold one). Numbers are read from digits only; nothing is
evaluated.
"""

from __future__ import annotations

import re
from fractions import Fraction
from math import gcd

MAX_FACTOR = 3  # a wrong value further than this factor from the right one is not a slip
NEAR_ZERO = 10  # when the right value is 0, a wrong value up to this size is still a slip
_CHECK = re.compile(
    r"\b(?:check\w*|verif\w*|confirm\w*|sanity|substitut\w*|plug\w*\b[^.]{0,40}?\bback)\b", re.I
)
_UNWRITTEN = (
    (re.compile(r"\\d?frac\s*\{[^{}]*\}\s*\{\s*[+-]?1\s*\}"), "a fraction over 1"),
    (re.compile(r"\\d?frac\s*\{\s*0\s*\}"), "a fraction of 0"),
    (re.compile(r"\\d?frac\s*\{[^{}]*\}\s*\{\s*0\s*\}"), "a fraction over 0"),
    (re.compile(r"(?<![\d.])0\d"), "a number with a leading zero"),
    (re.compile(r"(?<![\d.])-\s*0(?![\d.])"), "minus zero"),
    (re.compile(r"[+-]\s*[+-]"), "two signs in a row"),
    (re.compile(r"(?<![\d.])\+\s*0(?![\d.])"), "adding zero"),  # (x + 0)
    (
        re.compile(r"(?<![\d.\\])1\s*(?=[A-Za-z\\])(?!\\(?:cdot|times|div|frac))"),
        "a factor 1",
    ),  # 1e
)
_COMMANDS = re.compile(r"\\(?:cdot|times|div|frac|dfrac|left|right)(?![A-Za-z])")
_INTEGER = re.compile(r"^\s*(-?)\s*(\d+)\s*$")
_DECIMAL = re.compile(r"^\s*(-?)\s*(\d+\.\d+)\s*$")
_FRACTION = re.compile(r"^\s*(-?)\s*\\d?frac\s*\{\s*(\d+)\s*\}\s*\{\s*(\d+)\s*\}\s*$")


def check_step(text: str) -> bool:
    """Whether a step checks the work (verifies, substitutes back) rather than doing it."""
    return bool(_CHECK.search(text))


def number(text: str) -> Fraction | None:
    """The value of a plain number as written (`12`, `-3`, `2.50`, `\\frac{7}{12}`), else None."""
    for pattern in (_INTEGER, _DECIMAL, _FRACTION):
        found = pattern.match(text)
        if found is None:
            continue
        sign = -1 if found.group(1) else 1
        if pattern is _FRACTION:
            if int(found.group(3)) == 0:
                return None
            return sign * Fraction(int(found.group(2)), int(found.group(3)))
        return sign * Fraction(found.group(2))
    return None


def _unreduced(text: str) -> bool:
    found = _FRACTION.match(text)
    return found is not None and gcd(int(found.group(2)), int(found.group(3))) > 1


def implausible(right: str, wrong: str, lhs: str = "", carried: bool = False) -> str | None:
    """Why writing `wrong` where `right` belongs, as the value of `lhs`, is not a mistake a
    person makes; None when it is one: the form is one people write, and for plain numbers the
    integrality, the sign (of arithmetic on numbers only: an integral may well be negative) and,
    unless the value is `carried` from an earlier mistake, the size stay the right value's."""
    for pattern, name in _UNWRITTEN:
        if pattern.search(wrong) and not pattern.search(right):
            return name
    if _unreduced(wrong) and not _unreduced(right):
        return "a fraction not in lowest terms"
    right_value, wrong_value = number(right), number(wrong)
    if right_value is None or wrong_value is None:
        return None
    operands = re.findall(r"\d+(?:\.\d+)?", lhs)
    if len(operands) == 2 and wrong.strip() in operands:
        return "the result of two numbers repeats one of them"  # 2 + 2 = 2
    if right_value.denominator == 1 and wrong_value.denominator != 1:
        return "a whole number turned into a fraction"
    if right_value >= 0 > wrong_value and not re.search(r"[A-Za-z]", _COMMANDS.sub(" ", lhs)):
        return "a quantity that is not negative turned negative"
    if carried:
        return None
    if right_value == 0:
        return None if abs(wrong_value) <= NEAR_ZERO else "far too large for 0"
    ratio = abs(wrong_value / right_value)
    if ratio > MAX_FACTOR or ratio < Fraction(1, MAX_FACTOR):
        return f"more than {MAX_FACTOR} times off"
    return None
