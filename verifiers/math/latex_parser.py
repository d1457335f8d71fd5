"""latex2sympy's LaTeX grammar, made cheap: plain numerals and plain integer arithmetic skip the
parser, numbers inside it skip `sympify`, and each text is parsed once per worker.

latex2sympy reads every number with `sympy.Number(text)`, which goes through `sympify` and
runs `from sympy import *` each time (about 0.2 ms against 0.001 ms for `sympy.Integer`); at
scale that was a fifth of all worker time. The ANTLR parse itself is the next largest cost,
and the same gold answers and step sides come back for every trace of a problem.
Call only inside a worker: parsing evaluates.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import sympy
from latex2sympy2_extended.latex2sympy2 import ConversionConfig, _Latex2Sympy
from latex2sympy2_extended.math_normalization import NormalizationConfig, normalize_latex

NORMALIZE = NormalizationConfig(
    basic_latex=True, units=False, malformed_operators=True, nits=True, boxed="none"
)
_INTEGER = re.compile(r"\d+")
_DECIMAL = re.compile(r"\d*\.\d+|\d+\.\d*")
_PLAIN_NUMERAL = re.compile(r"\s*(-?)\s*(\d+)\s*")
_FRACTION = re.compile(r"\\[dt]?frac\{?\d")
# Integers joined by + - \cdot \times *, nothing else: the step sides of most arithmetic.
_OPERATOR = r"\s*(?:\+|-|\*|\\cdot(?![a-zA-Z])|\\times(?![a-zA-Z]))\s*"
_ARITHMETIC = re.compile(rf"\s*\d+(?:{_OPERATOR}\d+)+\s*")
_TOKEN = re.compile(r"\d+|\+|-|\*|\\cdot|\\times")
CACHE_SIZE = 4096


class _Converter(_Latex2Sympy):  # type: ignore[misc]
    """latex2sympy's converter, with its numbers built directly instead of through sympify."""

    def parse_number(self, text: str) -> sympy.Number:
        text = text.replace(",", "")
        if _INTEGER.fullmatch(text):
            return sympy.Integer(int(text))
        if _DECIMAL.fullmatch(text):
            return sympy.Float(text)
        return super().parse_number(text)  # exponent forms ("1e5"): rare, left to sympify

    def convert_postfix_list(self, arr: list[Any], i: int = 0) -> Any:
        """latex2sympy's juxtaposition, without its mixed-number rule run wild: it read any
        integer followed by a positive rational as a mixed number, so `3(4)` was 7 and
        `(-1)(3)` was -4. Only `a\\frac{b}{c}` as written, with 0 < b < c, is a mixed number."""
        if i >= len(arr):
            raise ValueError("index out of bounds")
        res = self.convert_postfix(arr[i])
        if isinstance(res, list) and len(res) == 1:  # d/dx: what follows is differentiated
            if i == len(arr) - 1:
                raise ValueError("expected an expression to differentiate")
            return sympy.Derivative(self.convert_postfix_list(arr, i + 1), res[0])
        if not isinstance(res, sympy.Expr | sympy.MatrixBase) or i == len(arr) - 1:
            return res
        rh = self.convert_postfix_list(arr, i + 1)
        if getattr(res, "is_Matrix", False) or getattr(rh, "is_Matrix", False):
            return self.mat_mul_flat(res, rh)
        if _mixed_number(res, rh, arr, i):
            return sympy.Rational(res * rh.q + (rh.p if res >= 0 else -rh.p), rh.q)
        return self.mul_flat(res, rh)


def _mixed_number(whole: Any, part: Any, arr: list[Any], i: int) -> bool:
    """`2\\frac{1}{2}`: a whole number, then a proper fraction written with \\frac, and nothing
    after it."""
    return (
        i + 2 == len(arr)
        and getattr(whole, "is_Integer", False)
        and getattr(part, "is_Rational", False)
        and 0 < part.p < part.q
        and _FRACTION.match(arr[i + 1].getText()) is not None
    )


def parse_latex(latex: str) -> sympy.Basic:
    """SymPy for one LaTeX expression; the same text (up to runs of spaces) is parsed once."""
    return parse_normalized(" ".join(latex.split()))


@lru_cache(maxsize=CACHE_SIZE)
def parse_normalized(latex: str) -> sympy.Basic:
    """Results are immutable SymPy values, so one parse can serve every later caller."""
    numeral = _PLAIN_NUMERAL.fullmatch(latex)
    if numeral:
        value = sympy.Integer(int(numeral.group(2)))
        return -value if numeral.group(1) else value
    if _ARITHMETIC.fullmatch(latex):
        return _arithmetic(_TOKEN.findall(latex))
    converter = _Converter(None, True, config=ConversionConfig())
    value = converter.parse(normalize_latex(latex, NORMALIZE))
    if isinstance(value, sympy.MatrixBase):
        return sympy.ImmutableMatrix(value)
    return value


def _arithmetic(tokens: list[str]) -> sympy.Basic:
    """The tree latex2sympy builds for integers joined by + - and products (unevaluated, flat,
    left to right, a difference as a sum with the negated term), without its ANTLR parse."""
    converter = _Converter(None, True, config=ConversionConfig())
    terms: list[Any] = []
    signs: list[str] = []
    term: Any = None
    for token in tokens:
        if token.isdigit():
            number = sympy.Integer(int(token))
            term = number if term is None else converter.mul_flat(term, number)
        elif token in "+-":
            terms.append(term)
            signs.append(token)
            term = None
    terms.append(term)
    value = terms[0]
    for sign, right in zip(signs, terms[1:], strict=True):
        if sign == "-":
            right = -right if right.is_Number else converter.mul_flat(-1, right)
        value = converter.add_flat(value, right)
    return value
