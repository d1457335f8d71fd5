"""Math error injection against the real step checker: for every operator the injected step is
refuted and the composed example re-verifies; the wrong value is carried coherently; teacher-made
mistakes through a real OpenAI-compatible server are kept only when the verifier agrees."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from factory.inject.controls import allowed, select
from factory.inject.math_inject import inject_math
from factory.inject.math_operators import OPERATORS
from factory.inject.model import Correction, Source
from factory.inject.real import Failure, real_math
from factory.inject.teacher_inject import read_reply, teacher_corrections
from factory.teachers.config import TeacherConfig
from factory.teachers.openai_teacher import OpenAITeacher
from factory.teachers.replay import load_transcripts
from problems import MathProblem
from tests.factory.fake_openai import FakeOpenAI, Reply, completion
from tests.factory.transcripts import bundled
from verifiers.math import TraceInput, WorkerPool, trace_pool, verify_traces
from verifiers.math.steps import split_steps
from verifiers.verdict import Verdict

# Replay transcripts with sums, products, brackets and negative numbers between them.
TRACES = [
    ("math/arithmetic-03", 1),
    ("math/sequences-01", 0),
    ("math/quadratic-equations-01", 0),
    ("math/combinatorics-07", 0),
    ("math/linear-equations-03", 0),
    ("math/calculus-07", 0),
]


@pytest.fixture(scope="module")
def pool() -> Iterator[WorkerPool]:
    with trace_pool(2) as workers:
        yield workers


def source(problem_id: str, sample: int) -> Source:
    text = next(
        t.text for t in load_transcripts() if t.problem_id == problem_id and t.sample == sample
    )
    return Source(f"{problem_id}#{sample}", bundled(problem_id)[0], text)


def verdict_of(pool: WorkerPool, problem: MathProblem, text: str) -> Any:
    trace = TraceInput(id="t", reference_answer=problem.answer, solution=text)
    return verify_traces([trace], pool)[0]


def assert_proven(pool: WorkerPool, correction: Correction, problem: MathProblem) -> None:
    """Re-derive both proofs from the example text alone."""
    steps = split_steps(correction.text)
    mistake = correction.position
    assert steps[mistake - 1] == correction.wrong
    assert correction.wrong != correction.corrected
    before = "\n".join(steps[:mistake])
    judged = verdict_of(pool, problem, before)
    refuted = [e for e in judged.evidence if e.check == "step" and e.outcome == "refuted"]
    assert [e.index for e in refuted] == [mistake]
    without = "\n".join(steps[: mistake - 1] + steps[mistake:])
    assert verdict_of(pool, problem, without).passed
    assert correction.verdict.passed
    assert correction.refutation.outcome == "refuted"
    assert correction.check in correction.text
    assert correction.text.rindex(correction.corrected) > correction.text.index(correction.wrong)
    if correction.rejected is not None:  # the negative: the wrong branch to a wrong answer
        assert_wrong_branch(pool, correction, problem)


def assert_wrong_branch(pool: WorkerPool, correction: Correction, problem: MathProblem) -> None:
    """The rejected side carries the mistake to its own final answer, proven different from the
    gold one, and no step of it but the wrong one is refuted (the branch is coherent)."""
    assert correction.rejected is not None
    left_wrong = verdict_of(pool, problem, correction.rejected)
    refuted = [e.index for e in left_wrong.evidence if e.outcome == "refuted"]
    assert refuted == [correction.position]
    [answer] = [e for e in left_wrong.evidence if e.check == "answer"]
    assert answer.outcome == "different"
    assert correction.check not in correction.rejected
    assert split_steps(correction.rejected)[correction.position - 1] == correction.wrong


@pytest.mark.parametrize("operator", list(OPERATORS))
def test_every_operator_is_refuted_and_its_example_reverifies(
    pool: WorkerPool, operator: str
) -> None:
    sources = [source(problem_id, sample) for problem_id, sample in TRACES]
    corrections = inject_math(sources, pool, per_trace=1, operators=[operator])
    assert corrections, f"{operator} made no proven injection"
    problems = {s.trace_id: s.problem for s in sources}
    for correction in corrections:
        assert correction.operator == operator
        assert correction.origin == "injected"
        problem = problems[correction.trace_id]
        assert isinstance(problem, MathProblem)
        assert_proven(pool, correction, problem)


def test_the_wrong_value_is_carried_through_later_arithmetic(pool: WorkerPool) -> None:
    muffins = source("math/arithmetic-01", 1)  # 150/6 = 25 boxes; 25 - 19 = 6; 6 * 6 = 36
    corrections = inject_math([muffins], pool, per_trace=1, operators=["arithmetic-slip"])
    [correction] = corrections
    assert correction.wrong == "1. The 150 muffins fill $\\frac{150}{6} = 23$ boxes."
    assert "Check: $\\frac{150}{6} = 25$, not $23$ (an arithmetic slip)." in correction.text
    # 25 - 19 is recomputed from 23; "6" is also the box size given in the problem, so the
    # branch stops before a step where a 6 may mean either.
    carried = "2. After selling 19 boxes, $23 - 19 = 4$ boxes are left.\nCheck:"
    assert carried in correction.text
    assert correction.text.endswith(muffins.candidate)
    assert isinstance(muffins.problem, MathProblem)
    assert_proven(pool, correction, muffins.problem)


def test_the_rejected_side_leaves_out_the_own_check_and_numbers_on(pool: WorkerPool) -> None:
    tank = source("math/arithmetic-04", 2)  # 35 - 7 = 28; 840 / 28 = 30; 3. Check; 4. Final
    corrections = inject_math([tank], pool, per_trace=2, operators=["wrong-operation"])
    [correction] = [c for c in corrections if c.wrong.endswith("$35 - 7 = 42$ litres.")]
    assert correction.rejected is not None
    assert "3. Check:" in correction.text  # the solution's own check, which the slip fails
    assert correction.rejected.splitlines()[1:] == [
        "2. Filling 840 litres at that rate takes $\\frac{840}{42} = 20$ minutes.",
        "3. Final answer: \\boxed{20}",
    ]
    assert isinstance(tank.problem, MathProblem)
    assert_proven(pool, correction, tank.problem)


def test_a_wrong_value_the_rest_of_its_step_still_uses_right_is_not_injected(
    pool: WorkerPool,
) -> None:
    flour = MathProblem(
        id="t/flour",
        statement="A batch takes 6/4 cups of flour and 1/4 cup of sugar. How many cups do 4 "
        "batches take?",
        answer="7",
    )
    solution = (
        "1. One batch takes $\\frac{6}{4} + \\frac{1}{4} = \\frac{7}{4}$ cups, so four take "
        "$4 \\cdot \\frac{7}{4} = 7$ cups.\n2. Final answer: \\boxed{7}"
    )
    made = inject_math([Source("t/flour#0", flour, solution)], pool, per_trace=2)
    # 6/4 - 1/4 = 5/4 would be followed by "4 · 7/4 = 7": the wrong value snapping back.
    assert not [c for c in made if "\\frac{5}{4}" in c.wrong]
    for correction in made:
        assert_proven(pool, correction, flour)


def test_a_wrong_identity_is_exposed_at_a_simple_point(pool: WorkerPool) -> None:
    squares = source("math/quadratic-equations-02", 0)  # x^2 - 49 = (x - 7)(x + 7)
    [correction] = inject_math([squares], pool, per_trace=1, operators=["arithmetic-slip"])
    assert correction.wrong.endswith("$x^2 - 49 = (x - 7) \\cdot (x + 5)$.")
    assert "point" in correction.refutation.details  # the verifier refuted it at a point
    assert correction.check.startswith(
        "Check: taking x as 2, $x^2 - 49$ is -45 but $(x - 7) \\cdot (x + 5)$ is -35, so "
        "$x^2 - 49 = (x - 7) \\cdot (x + 7)$, not $(x - 7) \\cdot (x + 5)$"
    )
    assert isinstance(squares.problem, MathProblem)
    assert_proven(pool, correction, squares.problem)


def test_a_value_that_cannot_be_carried_is_not_followed_by_more_math_in_its_step(
    pool: WorkerPool,
) -> None:
    split = source("math/quadratic-equations-03", 0)  # product 2 · (-15) = -30, namely 6 + (-5)
    made = inject_math([split], pool, per_trace=2)
    assert made
    assert not [c for c in made if "namely" in c.wrong]  # -32, then 6 and -5 chosen for -30
    assert isinstance(split.problem, MathProblem)
    for correction in made:
        assert_proven(pool, correction, split.problem)


def test_the_point_that_exposes_an_identity_is_put_in_as_a_product(pool: WorkerPool) -> None:
    square = source("math/quadratic-equations-04", 0)  # x^2 - 4x - 1 = (x - 2)^2 - 5
    made = inject_math([square], pool, per_trace=1, operators=["dropped-term"])
    [correction] = [c for c in made if c.wrong.endswith("$x^2 - 4x - 1 = (x - 2)^2$.")]
    # 4x at x = 2 is 4 · 2, not "4(2)" (which the parser reads as 4 + 2, giving -3)
    assert correction.check.startswith(
        "Check: taking x as 2, $x^2 - 4x - 1$ is -5 but $(x - 2)^2$ is 0, so "
    )
    assert isinstance(square.problem, MathProblem)
    assert_proven(pool, correction, square.problem)


def test_a_solution_that_does_not_verify_gets_no_injection(pool: WorkerPool) -> None:
    wrong = source("math/arithmetic-01", 0)
    broken = Source(wrong.trace_id, wrong.problem, wrong.candidate.replace("114", "104", 1))
    assert inject_math([broken], pool, per_trace=2) == []


def test_per_trace_caps_the_corrections_and_spreads_operators(pool: WorkerPool) -> None:
    sources = [source("math/arithmetic-03", 0)]
    corrections = inject_math(sources, pool, per_trace=3)
    assert len(corrections) == 3
    # 4 * 12 + 9 * 7 = 48 + 63 = 111, 150 - 111 = 39: a slip and a wrong operation are the
    # plausible mistakes here (a negative change, a dropped term of two are not).
    assert {c.operator for c in corrections} == {"arithmetic-slip", "wrong-operation"}


def make(trace_id: str, number: int) -> Correction:
    return Correction.model_validate(
        {
            "id": f"{trace_id}/{number}",
            "domain": "math",
            "problem_id": "p",
            "trace_id": trace_id,
            "origin": "injected",
            "operator": "arithmetic-slip",
            "position": 1,
            "wrong": "",
            "corrected": "",
            "check": "",
            "refutation": {"check": "step", "outcome": "refuted"},
            "text": "",
            "rejected": "",
            "mistake_verdict": {"status": "fail", "verifier": "v", "version": "1", "seconds": 0},
            "verdict": {"status": "pass", "verifier": "v", "version": "1", "seconds": 0},
        }
    )


def test_select_keeps_the_share_and_the_per_trace_cap() -> None:
    corrections = [make(trace, n) for trace in "abc" for n in range(3)]
    assert allowed(verified=6, share=0.25, available=9) == 2  # 2 / (6 + 2) = 0.25
    kept = select(corrections, verified=6, share=0.25, per_trace=2)
    assert [c.id for c in kept] == ["a/0", "b/0"]
    kept = select(corrections, verified=100, share=0.5, per_trace=2)
    assert [c.id for c in kept] == ["a/0", "a/1", "b/0", "b/1", "c/0", "c/1"]
    assert select(corrections, verified=100, share=0.0, per_trace=2) == []
    assert len(select(corrections, verified=0, share=1.0, per_trace=3)) == 9


GOOD = """STEP: 2
MISTAKE: 2. Muffins remaining: $150 - 114 = 46$.
CORRECTION:
Check: $150 - 114 = 36$, not $46$; I slipped in the subtraction.
2. Muffins remaining: $150 - 114 = 36$.
3. Final answer: \\boxed{36}
"""
NOT_A_MISTAKE = """STEP: 1
MISTAKE: 1. Weekday distance: $5 \\cdot 18 = 90$.
CORRECTION:
Check: $5 \\cdot 18 = 90$ after all.
2. Adding Saturday: $90 + 35 = 125$.
3. Final answer: \\boxed{125}
"""
BAD_FIX = """STEP: 2
MISTAKE: 2. Adult tickets and child tickets: $48 + 63 = 101$ dollars.
CORRECTION:
Check: $48 + 63 = 110$, not 101.
2. Adult tickets and child tickets: $48 + 63 = 111$ dollars.
3. Change: $150 - 111 = 39$.
\\boxed{39}
"""


def test_teacher_made_mistakes_are_kept_only_when_proven(pool: WorkerPool) -> None:
    problems = bundled("math/arithmetic-01", "math/arithmetic-02", "math/arithmetic-03")
    replies = {
        problems[0].statement: GOOD,
        problems[1].statement: NOT_A_MISTAKE,
        problems[2].statement: BAD_FIX,
    }
    solutions = [
        "1. Muffins sold: $19 \\cdot 6 = 114$.\n2. Muffins remaining: $150 - 114 = 36$.\n"
        "3. Final answer: \\boxed{36}",
        "1. Weekday distance: $5 \\cdot 18 = 90$.\n2. Adding Saturday: $90 + 35 = 125$.\n"
        "3. Final answer: \\boxed{125}",
        "1. Tickets: $4 \\cdot 12 = 48$ and $9 \\cdot 7 = 63$.\n"
        "2. Adult tickets and child tickets: $48 + 63 = 111$ dollars.\n"
        "3. Change: $150 - 111 = 39$.\n\\boxed{39}",
    ]

    def respond(body: dict[str, Any]) -> Reply:
        prompt = body["messages"][-1]["content"]
        reply = next(text for statement, text in replies.items() if statement in prompt)
        return Reply(body=completion(reply))

    sources = [Source(p.id, p, text) for p, text in zip(problems, solutions, strict=True)]
    with FakeOpenAI(respond) as server:
        config = TeacherConfig(
            name="fake", model="fake-model", base_url=server.url, api_key="k", max_retries=0
        )

        async def ask() -> list[Correction]:
            teacher = OpenAITeacher(config)
            try:
                return await teacher_corrections(teacher, "fake-model", sources, pool)
            finally:
                await teacher.close()

        corrections = asyncio.run(ask())
        assert len(server.requests) == 3
        prompts = [body["messages"][-1]["content"] for body in server.requests]
        assert any("[2] 2. Muffins remaining" in prompt for prompt in prompts)
    [kept] = corrections
    assert kept.problem_id == "math/arithmetic-01"
    assert (kept.origin, kept.operator, kept.position) == ("teacher", "teacher", 2)
    assert kept.wrong == "2. Muffins remaining: $150 - 114 = 46$."
    assert kept.corrected == "2. Muffins remaining: $150 - 114 = 36$."
    assert kept.refutation.details["right"].startswith("46")
    assert isinstance(problems[0], MathProblem)
    assert_proven(pool, kept, problems[0])


def test_teacher_replies_not_in_the_asked_form_are_dropped() -> None:
    assert read_reply(GOOD, steps=3) is not None
    assert read_reply(GOOD, steps=1) is None  # names a step the solution does not have
    assert read_reply(GOOD.replace("STEP: 2", "The second step"), steps=3) is None
    two_steps = GOOD.replace("MISTAKE: 2.", "MISTAKE: so $$x = 1$$ and 2.")
    assert read_reply(two_steps, steps=3) is None


def test_a_real_rejected_solution_is_corrected_by_a_verified_one(pool: WorkerPool) -> None:
    wrong = source("math/linear-equations-07", 2)  # 20 / 2 = 11, carried to a wrong answer
    lucky = source("math/arithmetic-06", 0)  # 45 * 5 = 226, yet the right answer
    verdict = Verdict(status="fail", verifier="label", version="0", seconds=0)
    failures = [Failure(s.trace_id, s.problem, s.candidate, verdict) for s in (wrong, lucky)]
    fixes = [source("math/linear-equations-07", 1), source("math/arithmetic-06", 1)]
    made = {c.problem_id: c for c in real_math(failures, fixes, pool)}
    for correction in made.values():
        assert (correction.origin, correction.operator) == ("real", "real")
        problem = bundled(correction.problem_id)[0]
        assert isinstance(problem, MathProblem)
        assert_proven(pool, correction, problem)
    ages, printers = made["math/linear-equations-07"], made["math/arithmetic-06"]
    assert "Check: $\\frac{20}{2} = 10$, not $11$. Correcting that step:" in ages.text
    assert ages.rejected == wrong.candidate  # its own wrong answer: a real negative
    assert "Check: $45 \\cdot 5 = 225$, not $226$." in printers.text
    assert printers.rejected is None  # it reaches the right answer: no pair
