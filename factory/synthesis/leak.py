"""Does a new problem give its answer away? Text checks only, safe on the host.

A statement leaks when it states a final answer (a box, a `####` line, "the answer is"), or
contains the answer itself: the same number (exact value, so `0.75` leaks `\\frac{3}{4}`), or,
for an answer that is not a number, its text. Whole numbers under 100 are exempt: they are
given quantities in many statements whatever the answer is (ages, minutes, counts), and a
generator that leaks one says so ("the answer is 12"), which the first check finds.
"""

from __future__ import annotations

import re
from fractions import Fraction

from verifiers.math.final_answer import extract

_STATED_RULES = ("boxed", "hashes", "statement")
_ANSWER_WORD = re.compile(r"\banswer\s*(?:is\b|[:=])\s*\S", re.I)
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\d.]\d)")
_FRACTION = re.compile(r"\\[dt]?frac\{\s*(-?\d+)\s*\}\{\s*(\d+)\s*\}")
_NAMED = re.compile(r"^\s*[A-Za-z](?:_\{?\w+\}?)?\s*=\s*")
_NOISE = re.compile(r"\s+|\$|\\[,;!: ]|\\left|\\right|\\text\{[^{}]*\}|\\%|%")
_MAX_DIGITS = 40


def _plain(text: str) -> str:
    return _NOISE.sub("", text.replace("\\$", "")).replace(",", "")


def _value(text: str) -> Fraction | None:
    """The exact value of a plain number or `\\frac{p}{q}` (nothing else is read)."""
    text = _plain(_NAMED.sub("", text))
    if len(text) > _MAX_DIGITS:
        return None
    fraction = _FRACTION.fullmatch(text)
    if fraction:
        denominator = int(fraction.group(2))
        return Fraction(int(fraction.group(1)), denominator) if denominator else None
    return Fraction(text) if _NUMBER.fullmatch(text) else None


def _numbers(statement: str) -> set[Fraction]:
    text = re.sub(r"(?<=\d),(?=\d{3})", "", statement)
    values = {Fraction(n) for n in _NUMBER.findall(text) if len(n) <= _MAX_DIGITS}
    for numerator, denominator in _FRACTION.findall(text):
        if int(denominator) and len(numerator + denominator) <= _MAX_DIGITS:
            values.add(Fraction(int(numerator), int(denominator)))
    return values


def leak(statement: str, answer_parts: tuple[str, ...]) -> str | None:
    """Why `statement` gives away an answer made of `answer_parts`, or None when it does not."""
    stated = extract(statement)
    if stated is not None and stated.rule in _STATED_RULES:
        return f"the statement states an answer ({stated.rule}): {' | '.join(stated.parts)[:120]}"
    said = _ANSWER_WORD.search(statement)
    if said:
        return f"the statement states an answer: {statement[said.start() :][:120]}"
    numbers = _numbers(statement)
    for part in answer_parts:
        value = _value(part)
        if value is not None:
            if (value.denominator > 1 or abs(value) >= 100) and value in numbers:
                return f"the statement contains the answer's value {part}"
            continue
        text = _plain(_NAMED.sub("", part))
        if len(text) >= 3 and text in _plain(statement):
            return f"the statement contains the answer {part}"
    return None
