"""latex2sympy's LaTeX grammar, made cheap: plain numerals skip the parser, numbers inside it
skip `sympify`, and each text is parsed once per worker.

latex2sympy reads every number with `sympy.Number(text)`, which goes through `sympify` and
runs `from sympy import *` each time (about 0.2 ms against 0.001 ms for `sympy.Integer`); at
scale that was a fifth of all worker time. The ANTLR parse itself is the next largest cost,
and the same gold answers and step sides come back for every trace of a problem.
Call only inside a worker: parsing evaluates.
"""

from __future__ import annotations

import re
from functools import lru_cache

import sympy
from latex2sympy2_extended.latex2sympy2 import ConversionConfig, _Latex2Sympy
from latex2sympy2_extended.math_normalization import NormalizationConfig, normalize_latex

NORMALIZE = NormalizationConfig(
    basic_latex=True, units=False, malformed_operators=True, nits=True, boxed="none"
)
_INTEGER = re.compile(r"\d+")
_DECIMAL = re.compile(r"\d*\.\d+|\d+\.\d*")
_PLAIN_NUMERAL = re.compile(r"\s*(-?)\s*(\d+)\s*")
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
    converter = _Converter(None, True, config=ConversionConfig())
    value = converter.parse(normalize_latex(latex, NORMALIZE))
    if isinstance(value, sympy.MatrixBase):
        return sympy.ImmutableMatrix(value)
    return value
