"""Code acceptance on the labelled set: no bad candidate kept, at least 80% of good ones kept,
each bad one rejected for its own reason, and the median mutation score of kept ones >= 0.8."""

from __future__ import annotations

import statistics

import pytest

from factory.synthesis.code_accept import judge_code
from factory.synthesis.model import Decision
from factory.synthesis.near_dup import NearDuplicates
from problems import CodeProblem, bundled_paths, load_problems
from sandbox import Sandbox
from tests.synthesis.labelled_code import LABELLED, Labelled

Judged = list[tuple[Labelled, Decision]]


def code_seeds() -> NearDuplicates:
    index = NearDuplicates()
    for result in load_problems(bundled_paths()):
        for problem in result.problems:
            if isinstance(problem, CodeProblem):
                index.add(problem.id, problem.statement)
    return index


@pytest.fixture(scope="module")
def judged(auto_sandbox: Sandbox) -> Judged:
    decisions = judge_code([item.candidate for item in LABELLED], code_seeds(), auto_sandbox)
    return list(zip(LABELLED, decisions, strict=True))


def test_no_bad_candidate_is_kept_and_most_good_ones_are(judged: Judged) -> None:
    good = [decision for item, decision in judged if item.reason is None]
    bad = [decision for item, decision in judged if item.reason is not None]
    assert len(judged) >= 20 and len(good) >= 10 and len(bad) >= 10
    assert not [decision.id for decision in bad if decision.accepted]
    assert all(decision.status != "unjudged" for _, decision in judged), judged
    kept = [decision for decision in good if decision.accepted]
    assert len(kept) >= 0.8 * len(good), [(d.id, d.detail) for d in good if not d.accepted]
    scores = [d.mutation_score for d in kept if d.mutation_score is not None]
    assert len(scores) == len(kept) and statistics.median(scores) >= 0.8


def test_every_bad_candidate_is_rejected_for_its_own_reason(judged: Judged) -> None:
    wrong = [
        (decision.id, item.reason, decision.reason, decision.detail)
        for item, decision in judged
        if item.reason is not None and decision.reason != item.reason
    ]
    assert not wrong
    decisions = {decision.id: decision for _, decision in judged}
    ambiguous = decisions["syn/ambiguous-mean"].detail  # passes the given tests, not the drawn
    assert "differential" in ambiguous and "expected" in ambiguous, ambiguous
    assert "survivors: line" in decisions["syn/happy-path-only"].detail


def test_stdio_cases_and_properties_go_through_the_same_proofs(judged: Judged) -> None:
    """Whole-program runs and properties are tests like asserts: the reference must pass them,
    they must kill the mutants, the independent solution must agree on them."""
    decisions = {decision.id: decision for _, decision in judged}
    for name in ("stdio-sum", "stdio-factorial", "count-digits-both-ways"):
        assert decisions[f"syn/{name}"].accepted, decisions[f"syn/{name}"].detail
    assert decisions["syn/unique-sorted-property"].accepted
    short = decisions["syn/stdio-odd-sum-short"]  # a stdin/stdout case fails the reference
    assert short.reason == "reference-fails" and "stdio 1" in short.detail
    rotate = decisions["syn/rotate-property-catches-reference"]  # only the property sees k > n
    assert rotate.reason == "reference-fails" and "counterexample" in rotate.detail
    one_case = decisions["syn/stdio-one-case"]  # one case with output 0: mutants survive
    assert one_case.reason == "weak-tests" and (one_case.mutation_score or 0) < 0.8
    average = decisions["syn/stdio-ambiguous-average"]  # floor or true division: unsaid
    assert average.reason == "disagreement" and "differential" in average.detail
