"""Math acceptance on the labelled set: no bad candidate kept, at least 80% of good ones kept,
each bad one rejected for its own reason, and the evidence a kept one carries."""

from __future__ import annotations

import pytest

from factory.synthesis.math_accept import judge_math
from factory.synthesis.model import Decision
from factory.synthesis.near_dup import NearDuplicates
from problems import MathProblem, bundled_paths, load_problems
from tests.synthesis.labelled_math import LABELLED, Labelled
from verifiers.math import WorkerPool

Judged = list[tuple[Labelled, Decision]]


def seeds() -> NearDuplicates:
    index = NearDuplicates()
    for result in load_problems(bundled_paths()):
        for problem in result.problems:
            if isinstance(problem, MathProblem):
                index.add(problem.id, problem.statement)
    return index


@pytest.fixture(scope="module")
def judged(answers_pool: WorkerPool, traces_pool: WorkerPool) -> Judged:
    decisions = judge_math(
        [item.candidate for item in LABELLED], seeds(), answers_pool, traces_pool
    )
    return list(zip(LABELLED, decisions, strict=True))


def test_no_bad_candidate_is_kept_and_most_good_ones_are(judged: Judged) -> None:
    good = [decision for item, decision in judged if item.reason is None]
    bad = [decision for item, decision in judged if item.reason is not None]
    assert len(judged) >= 30 and len(good) >= 15 and len(bad) >= 15
    assert not [decision.id for decision in bad if decision.accepted]
    assert all(decision.status != "unjudged" for _, decision in judged)
    kept = [decision for decision in good if decision.accepted]
    assert len(kept) >= 0.8 * len(good), [(d.id, d.detail) for d in good if not d.accepted]


def test_every_bad_candidate_is_rejected_for_its_own_reason(judged: Judged) -> None:
    assert {item.reason for item, _ in judged} >= {
        "no-agreement", "refuted-step", "leaked-answer", "near-duplicate", "unparseable",
        "program-disagrees",
    }  # fmt: skip
    wrong = [
        (decision.id, item.reason, decision.reason, decision.detail)
        for item, decision in judged
        if item.reason is not None and decision.reason != item.reason
    ]
    assert not wrong
    assert all(decision.detail for item, decision in judged if item.reason is not None)


def test_kept_problem_carries_answer_difficulty_and_evidence(judged: Judged) -> None:
    decisions = {decision.id: decision for _, decision in judged}
    tiles = decisions["syn/tiles"]  # 3 of 4 solvers and the generator agree; one solver slipped
    assert tiles.accepted and tiles.answer == "\\boxed{144}"
    assert (tiles.votes, tiles.agreeing, tiles.difficulty) == (5, 4, 0.75)
    assert tiles.evidence["solutions_verified"] == "0,1,3"
    assert tiles.evidence["proposed_agrees"] == "true"
    juice = decisions["syn/juice"]  # 2/5, 0.4 and 40% are one answer, proven so
    assert juice.accepted and juice.agreeing == 4
    lucky = decisions["syn/lucky-step"]  # the right answer through a false step
    assert lucky.detail.startswith("solution 1, step 1 refuted")
    split = decisions["syn/split"]  # the generator and two solvers share a slip: 3 of 5 is no proof
    assert split.reason == "no-agreement" and split.agreeing == 3


def test_kept_problems_join_the_index_and_a_second_run_finds_them(
    answers_pool: WorkerPool, traces_pool: WorkerPool
) -> None:
    index = seeds()
    before = len(index)
    orchard = LABELLED[0].candidate
    [first] = judge_math([orchard], index, answers_pool, traces_pool)
    assert first.accepted and len(index) == before + 1
    [again] = judge_math([orchard], index, answers_pool, traces_pool)
    assert again.reason == "near-duplicate" and "syn/orchard" in again.detail
