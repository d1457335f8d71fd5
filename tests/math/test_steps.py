"""Splitting solutions into steps and relations (host side, text only) and judging them."""

from __future__ import annotations

import pytest

from verifiers.math import TraceInput, WorkerPool, verify_traces
from verifiers.math.steps import parse_solution, split_steps, step_relations
from verifiers.verdict import Verdict


def test_lines_numbered_items_and_display_math_are_steps() -> None:
    solution = "1. First $a = 1$.\n2. Then\n$$b = 2$$\n\nFinally $c = 3$."
    assert split_steps(solution) == [
        "1. First $a = 1$.",
        "2. Then",
        "$$b = 2$$",
        "Finally $c = 3$.",
    ]


def test_chains_inline_display_and_plain_relations_are_extracted() -> None:
    relations = step_relations("So $x^2 - 1 = (x-1)(x+1) = 0$, and 3 + 4 = 7 apples.")
    assert [r["sides"] for r in relations] == [["x^2 - 1", "(x-1)(x+1)", "0"], ["3 + 4", "7"]]
    assert relations[0]["ops"] == ["=", "="]


def test_align_rows_continue_the_chain_and_words_say_how_relations_join() -> None:
    aligned = step_relations("\\begin{align*} (a+1)^2 &= a^2 + 2a + 1 \\\\ &= 1 \\end{align*}")
    assert [r["sides"] for r in aligned] == [["(a+1)^2", "a^2 + 2a + 1"], ["a^2 + 2a + 1", "1"]]
    assert [r["joiner"] for r in aligned] == ["and", "then"]
    either = step_relations("$x = 2$ or $x = 3$, and $y = 1$, so $z = 2$")
    assert [r["joiner"] for r in either] == ["and", "or", "and", "then"]


def test_calculator_annotations_and_dollar_amounts() -> None:
    relations = step_relations("She pays $5 and $3, so 5+3 = <<5+3=8>>8 dollars.")
    assert next(r["sides"] for r in relations) == ["5+3", "8"]


def test_step_flags_name_what_the_words_announce() -> None:
    steps = parse_solution("Squaring both sides:\n$$x + 3 = 25$$")
    assert steps[1].flags["squaring"]


def _steps(pool: WorkerPool, solution: str, answer: str) -> Verdict:
    trace = TraceInput(id="t", reference_answer=answer, solution=solution)
    return verify_traces([trace], pool)[0]


def test_refuted_identity_carries_a_counterexample(traces_pool: WorkerPool) -> None:
    verdict = _steps(traces_pool, "$x^2 - 1 = (x-1)^2$\n$\\boxed{1}$", "1")
    step = next(e for e in verdict.evidence if e.check == "step")
    assert step.outcome == "refuted"
    assert step.details["point"].startswith("x=")


def test_squaring_that_adds_a_root_is_unchecked_not_refuted(traces_pool: WorkerPool) -> None:
    solution = "$\\sqrt{x} = x - 2$\nSquaring both sides, $x = x^2 - 4x + 4$.\n$\\boxed{4}$"
    verdict = _steps(traces_pool, solution, "4")
    step = next(e for e in verdict.evidence if e.index == 2)
    assert step.outcome == "unchecked"
    assert "squaring" in step.reason


def test_dropping_a_root_without_a_reason_is_refuted(traces_pool: WorkerPool) -> None:
    solution = "$x^2 = 4x$\n$x = 4$\n$\\boxed{4}$"
    verdict = _steps(traces_pool, solution, "4")
    assert verdict.status == "fail"
    step = next(e for e in verdict.evidence if e.index == 2)
    assert step.outcome == "refuted"
    assert "x = 0" in step.reason


def test_rounded_decimals_and_approximations_are_accepted(traces_pool: WorkerPool) -> None:
    solution = "$\\frac{1}{3} = 0.33$\n$\\sqrt{2} \\approx 1.414$\n$2.5 + 1.3 = 3.9$\n$\\boxed{1}$"
    verdict = _steps(traces_pool, solution, "1")
    outcomes = [e.outcome for e in verdict.evidence if e.check == "step"]
    assert outcomes[:3] == ["verified", "verified", "refuted"]


def test_a_product_written_by_juxtaposition_is_a_product(traces_pool: WorkerPool) -> None:
    """latex2sympy read `5(2)` as the mixed number 5 + 2: a false `= 7` passed, a true `= 10`
    was refuted."""
    wrong = _steps(traces_pool, "$5(2) = 7$\n$(-1)(3) = -4$\n$\\boxed{7}$", "7")
    assert [e.outcome for e in wrong.evidence if e.check == "step"][:2] == ["refuted", "refuted"]
    right = _steps(
        traces_pool, "$5(2) = 10$\n$(-1)(3) = -3$\n$2\\frac{1}{2} = 2.5$\n$\\boxed{10}$", "10"
    )
    assert right.status == "pass"
    assert [e.outcome for e in right.evidence if e.check == "step"][:3] == ["verified"] * 3


IMPLIED = {  # a later step every solution of the earlier ones solves; the step's own extra root
    # (r = -5, x = 3, x = -2) contradicts an earlier step, which makes it weaker, not false
    "square": ("$r = 5$\n$\\pi r^2 = 25\\pi$", 2),
    "square through a number": ("$r = 5$\nThe area is $\\pi r^2 = \\pi \\cdot 5^2 = 25\\pi$", 2),
    "negative squared": ("$x = -3$\n$x^2 = 9$", 2),
    "absolute value": ("$x = -3$\n$|x| = 3$", 2),
    "even power": ("$x = 2$\n$x^4 = 16$", 2),
    "substituted assignment": ("$x = 3$\n$y = 2x + 1$\n$y = 7$", 3),
    "two unknowns": ("$x = 2$ and $y = -3$\n$x^2 + y^2 = 13$", 2),
    "a consequence with a new root": ("$x + 1 = 3$\n$x^2 - 5x + 6 = 0$", 2),
}
FALSE = {  # the same shapes with a false later step: still refuted, naming a counterexample
    "square": ("$r = 5$\n$\\pi r^2 = 10\\pi$", 2),
    "absolute value": ("$x = -3$\n$|x| = 4$", 2),
    "absolute value of a sign": ("$x = -3$\n$|x| = -3$", 2),
    "even power": ("$x = 2$\n$x^4 = 32$", 2),
    "substituted assignment": ("$x = 3$\n$y = 2x + 1$\n$y = 8$", 3),
    "two unknowns": ("$x = 2$ and $y = 3$\n$x + y = 6$", 2),
    "the extra root kept": ("$x + 1 = 3$\n$x^2 - 5x + 6 = 0$\n$x = 3$", 3),
    "squaring then the extraneous root": ("$\\sqrt{x} = x - 2$\n$x = x^2 - 4x + 4$\n$x = 1$", 3),
}


@pytest.mark.parametrize("name", IMPLIED)
def test_a_step_that_follows_from_earlier_ones_is_verified(
    traces_pool: WorkerPool, name: str
) -> None:
    solution, index = IMPLIED[name]
    verdict = _steps(traces_pool, solution + "\n$\\boxed{1}$", "1")
    step = next(e for e in verdict.evidence if e.index == index)
    assert step.outcome == "verified", step.reason


@pytest.mark.parametrize("name", FALSE)
def test_a_false_later_step_is_still_refuted(traces_pool: WorkerPool, name: str) -> None:
    solution, index = FALSE[name]
    verdict = _steps(traces_pool, solution + "\n$\\boxed{1}$", "1")
    step = next(e for e in verdict.evidence if e.index == index)
    assert step.outcome == "refuted", step.reason
    assert step.details["counterexample"]
