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


@SETTINGS
@given(a=st.integers(-99, 99), b=st.integers(-99, 99), style=st.integers(0, 3))
def test_an_answer_offering_two_values_never_passes(
    answers_pool: WorkerPool, a: int, b: int, style: int
) -> None:
    hedge = [
        f"\\boxed{{{a}}} or \\boxed{{{b}}}",
        f"The answer is {a}. Actually, the answer is {b}.",
        f"So \\boxed{{{b}}}.\n#### {a}",
        f"Work.\n$$x = {a} \\text{{ or }} x = {b}$$",
    ][style]
    for gold in (str(a), str(b)):
        assert _check(answers_pool, gold, hedge).passed == (a == b)


points = st.lists(st.sampled_from("ABCDEPQR"), min_size=3, max_size=3, unique=True)


@SETTINGS
@given(name=points, other=points)
def test_an_angle_equals_only_itself_read_either_way(
    answers_pool: WorkerPool, name: list[str], other: list[str]
) -> None:
    same = other == name or other == name[::-1]
    gold, answer = "\\angle " + "".join(name), "\\angle " + "".join(other)
    assert _check(answers_pool, gold, answer).passed == same


tokens = st.sampled_from(
    ["x", "=", "(", ")", ",", ":", ";", "\\pm", "2", "-3", "\\frac{1}{2}", "\\angle", "AB", "<",
     "\\text{ or }", "|", "g(t)", "\\quad", "\\boxed{", "}", " and ", "0.5", "\\le", "PQ"]
)  # fmt: skip


@SETTINGS
@given(gold=st.lists(tokens, max_size=8), answer=st.lists(tokens, max_size=8))
def test_any_mix_of_the_new_forms_gets_a_verdict_never_an_error(
    answers_pool: WorkerPool, gold: list[str], answer: list[str]
) -> None:
    verdict = _check(answers_pool, "".join(gold) or "1", "".join(answer) or "1")
    assert verdict.status in ("pass", "fail"), verdict.evidence
