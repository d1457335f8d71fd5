"""Properties that hold for every input of a shape, checked on generated examples."""

from __future__ import annotations

import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifiers.math import WorkerPool, verify_answers
from verifiers.verdict import Verdict

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
x = sympy.Symbol("x")

coefficients = st.lists(st.integers(-9, 9), min_size=1, max_size=3)


def _check(pool: WorkerPool, gold: str, answer: str) -> Verdict:
    return verify_answers([(gold, answer)], pool)[0]


def _factored(roots: list[int]) -> str:
    return "".join(f"(x{-root:+d})" for root in roots)


@SETTINGS
@given(roots=coefficients, scale=st.integers(1, 5))
def test_a_product_is_equivalent_to_its_expansion(
    answers_pool: WorkerPool, roots: list[int], scale: int
) -> None:
    expanded = sympy.expand(scale * sympy.prod([x - root for root in roots]))
    latex = sympy.latex(expanded)
    assert _check(answers_pool, f"{scale}{_factored(roots)}", latex).passed


@SETTINGS
@given(a=st.integers(-(10**30), 10**30), b=st.integers(-(10**30), 10**30))
def test_distinct_integers_are_never_equivalent(answers_pool: WorkerPool, a: int, b: int) -> None:
    verdict = _check(answers_pool, str(a), str(b))
    assert verdict.passed == (a == b)


@SETTINGS
@given(n=st.integers(1000, 10**12))
def test_thousands_separators_do_not_change_an_integer(answers_pool: WorkerPool, n: int) -> None:
    assert _check(answers_pool, f"{n:,}", str(n)).passed
    assert not _check(answers_pool, f"{n:,}", str(n + 1)).passed


@SETTINGS
@given(p=st.integers(-50, 50), q=st.integers(1, 50), k=st.integers(2, 9))
def test_a_fraction_equals_any_of_its_unreduced_forms(
    answers_pool: WorkerPool, p: int, q: int, k: int
) -> None:
    assert _check(answers_pool, f"\\frac{{{p}}}{{{q}}}", f"\\frac{{{p * k}}}{{{q * k}}}").passed
    assert not _check(answers_pool, f"\\frac{{{p}}}{{{q}}}", f"\\frac{{{p + 1}}}{{{q}}}").passed
