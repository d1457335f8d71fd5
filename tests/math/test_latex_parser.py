"""Our LaTeX parser gives latex2sympy's values without its per-number sympify, parsing once."""

from __future__ import annotations

from unittest import mock

import pytest
import sympy
import sympy.core.numbers
from hypothesis import given, settings
from hypothesis import strategies as st
from latex2sympy2_extended import latex2sympy

from verifiers.math.latex_parser import NORMALIZE, parse_latex, parse_normalized

TEXTS = [
    "42", "-7", "007", "3.14", ".5", "1,000,000", "12 + 3.5 \\cdot 7", "\\frac{120}{60} = 2",
    "2^{10} - 1", "1.5e3", "x^2 + 2x + 1", "\\sqrt{8}", "(1, 2)", "\\{1, 2, 3\\}", "50\\%",
    "\\begin{pmatrix}1 & 2\\\\3 & 4\\end{pmatrix}", "0,5",
]  # fmt: skip


@pytest.mark.parametrize("text", TEXTS)
def test_values_are_latex2sympys_own(text: str) -> None:
    shipped = latex2sympy(text, is_real=True, normalization_config=NORMALIZE)
    if isinstance(shipped, sympy.MatrixBase):
        shipped = sympy.ImmutableMatrix(shipped)
    assert parse_latex(text) == shipped


def _no_sympify(*args: object, **kwargs: object) -> None:
    raise AssertionError("a number went through sympify")


def test_numbers_never_go_through_sympify() -> None:
    with mock.patch.object(sympy.core.numbers, "sympify", _no_sympify):
        for text in ("12 + 3.5 \\cdot 7", "\\frac{120}{60} = 2", "0.125", "19 \\cdot 6 - 114"):
            parse_normalized.__wrapped__(text)


def test_the_same_text_is_parsed_once() -> None:
    parse_normalized.cache_clear()
    first = parse_latex("\\frac{1}{2} + x")
    assert parse_latex("  \\frac{1}{2}  +  x ") is first
    assert parse_normalized.cache_info().misses == 1


@given(st.integers(-99, 99), st.integers(0, 99), st.booleans())
def test_juxtaposed_numbers_multiply(a: int, b: int, bracket_both: bool) -> None:
    """Never a mixed number: latex2sympy read any integer then a positive rational as one."""
    left = f"({a})" if bracket_both or a < 0 else str(a)
    assert sympy.simplify(parse_normalized.__wrapped__(f"{left}({b})")) == a * b


@given(st.integers(0, 99), st.integers(1, 99), st.integers(1, 99))
def test_a_whole_number_then_a_proper_fraction_is_a_mixed_number(w: int, p: int, q: int) -> None:
    value = sympy.simplify(parse_normalized.__wrapped__(f"{w}\\frac{{{p}}}{{{q}}}"))
    assert value == (w + sympy.Rational(p, q) if 0 < p < q else w * sympy.Rational(p, q))


OPERATORS = st.sampled_from(["+", "-", "*", "\\cdot", "\\times"])
SPACE = st.sampled_from(["", " ", "  "])


@st.composite
def arithmetic(draw: st.DrawFn) -> str:
    """Integers joined by sums, differences and products, spaced or not."""
    numbers = draw(st.lists(st.integers(0, 10**12), min_size=2, max_size=7))
    text = str(numbers[0])
    for number in numbers[1:]:
        text += f"{draw(SPACE)}{draw(OPERATORS)}{draw(SPACE)}{number}"
    return text


@settings(deadline=None)  # latex2sympy's own parse, the reference, is slow on a loaded machine
@given(arithmetic())
def test_plain_integer_arithmetic_is_latex2sympys_own_tree(text: str) -> None:
    shipped = latex2sympy(text, is_real=True, normalization_config=NORMALIZE)
    with mock.patch("verifiers.math.latex_parser._Converter.parse", _no_parse):
        fast = parse_normalized.__wrapped__(" ".join(text.split()))
    assert sympy.srepr(fast) == sympy.srepr(shipped)  # the same unevaluated tree, not only value


def _no_parse(*args: object, **kwargs: object) -> None:
    raise AssertionError("plain arithmetic went through the ANTLR parser")


@pytest.mark.parametrize(
    "text", ["2 \\cdot x", "3 \\div 4", "-2 + 3", "(2 + 3) \\cdot 4", "1,000 + 2", "2^3 - 1"]
)
def test_anything_else_goes_to_the_parser(text: str) -> None:
    shipped = latex2sympy(text, is_real=True, normalization_config=NORMALIZE)
    assert parse_normalized.__wrapped__(text) == shipped
