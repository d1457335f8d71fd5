"""The pipeline's scheduling with a scripted in-process teacher and the real math verifier:
adaptive sampling, weighted teachers, format and teacher failures, the response cache."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from factory.config import Prompts, RunConfig
from factory.pipeline import (
    Outcome,
    ProblemState,
    RequestFailure,
    TeacherSlot,
    Uses,
    choose_teacher,
    run_pipeline,
)
from factory.records import Record, VerifierInfo
from factory.store import FILENAME, Store
from factory.teachers.base import (
    Completion,
    Sampling,
    TeacherError,
    TeacherRequest,
    TeacherResponse,
    Usage,
)
from factory.teachers.config import TeacherConfig
from problems import Problem
from tests.factory.transcripts import bundled, text
from verifiers.plugins import Verifier, load_verifier
from verifiers.verdict import Verdict

PROBLEMS = bundled("math/arithmetic-01", "math/arithmetic-02", "math/arithmetic-03")
HARD, EASY, IMPOSSIBLE = (p.id for p in PROBLEMS)


class ScriptedTeacher:
    """A Teacher that answers by plan (problem id -> variant per sample) and counts its calls;
    the variant "error" fails the request the way an endpoint down after retries does."""

    def __init__(self, name: str, plan: dict[str, list[str]]) -> None:
        self.name = name
        self.plan = plan
        self.calls: list[TeacherRequest] = []
        self.retried: dict[str, int] = {}

    async def complete(self, request: TeacherRequest) -> TeacherResponse:
        self.calls.append(request)
        problem = next(p for p in PROBLEMS if p.statement in request.messages[-1].content)
        variants = self.plan.get(problem.id, ["right"])
        variant = variants[min(request.sample, len(variants) - 1)]
        if variant == "error":
            raise TeacherError("endpoint down")
        await asyncio.sleep(0)
        return TeacherResponse(
            completions=[
                Completion(text=text(problem, variant), finish_reason="stop")
                for _ in range(request.n)
            ],
            usage=Usage(prompt_tokens=10, completion_tokens=20 * request.n),
            model=f"{self.name}-model",
            seconds=0.0,
        )

    async def close(self) -> None:
        return None


@pytest.fixture(scope="module")
def math_verifier() -> Iterator[Verifier]:
    verifier = load_verifier("math", {"workers": 1})
    yield verifier
    verifier.close()


def slot(teacher: ScriptedTeacher, **settings: Any) -> TeacherSlot:
    config = TeacherConfig(name=teacher.name, model="m", sampling=Sampling(seed=0), **settings)
    return TeacherSlot(teacher, config)


@dataclass
class Ran:
    """A run's outcome and each problem's final state (the run itself keeps none), in order."""

    outcome: Outcome
    states: list[ProblemState]

    def record_ids(self) -> list[str]:
        return list(self.outcome.record_ids())

    @property
    def uses(self) -> dict[str, Uses]:
        return self.outcome.uses

    @property
    def errors(self) -> list[RequestFailure]:
        return self.outcome.errors

    @property
    def pending(self) -> dict[str, str]:
        return self.outcome.pending


def run(
    tmp_path: Path,
    slots: Sequence[TeacherSlot],
    verifier: Verifier,
    problems: Sequence[Problem] = PROBLEMS,
    **settings: Any,
) -> Ran:
    config = RunConfig(run_dir=tmp_path, **settings)
    info = {"math": VerifierInfo(name=verifier.name, version=verifier.version)}
    states: list[ProblemState] = []
    with Store(tmp_path) as store:
        outcome = asyncio.run(
            run_pipeline(
                config, problems, slots, {"math": verifier}, info, store, on_final=states.append
            )
        )
    return Ran(outcome, sorted(states, key=lambda state: state.index))


def records_of(run_dir: Path, state: ProblemState) -> list[Record]:
    """A problem's verified and rejected rows, by sample: what the run stored for it."""
    ids = [record_id for _, _, record_id in sorted(state.records)]
    with Store(run_dir) as store:
        return list(store.iter_records(ids))


def samples(teacher: ScriptedTeacher, problem_id: str) -> list[int]:
    problem = next(p for p in PROBLEMS if p.id == problem_id)
    return sorted(c.sample for c in teacher.calls if problem.statement in c.messages[-1].content)


def test_sampling_stops_at_k_verified_or_at_the_budget(
    tmp_path: Path, math_verifier: Verifier
) -> None:
    teacher = ScriptedTeacher(
        "t", {HARD: ["wrong", "lucky", "right"], IMPOSSIBLE: ["wrong", "noanswer"]}
    )
    outcome = run(tmp_path, [slot(teacher)], math_verifier, k=1, budget=4)
    assert samples(teacher, EASY) == [0]  # easy: verified at once, no more asked
    assert samples(teacher, HARD) == [0, 1, 2]  # wrong answer, lucky step, then right
    assert samples(teacher, IMPOSSIBLE) == [0, 1, 2, 3]  # the whole budget
    by_problem = {s.problem.id: s for s in outcome.states}
    assert [by_problem[p].verified for p in (EASY, HARD, IMPOSSIBLE)] == [1, 1, 0]
    hard = [record.kind for record in records_of(tmp_path, by_problem[HARD])]
    assert hard == ["rejected", "rejected", "verified"]


def test_k_verified_per_problem_and_n_completions_per_request(
    tmp_path: Path, math_verifier: Verifier
) -> None:
    teacher = ScriptedTeacher("t", {HARD: ["wrong", "right"]})
    outcome = run(tmp_path, [slot(teacher, n=2)], math_verifier, k=3, budget=6)
    by_problem = {s.problem.id: s for s in outcome.states}
    assert by_problem[EASY].verified >= 3
    assert samples(teacher, EASY) == [0, 1]  # two requests of two completions
    # Hard: sample 0 gives 2 wrong, so 2 more requests are needed for 3 verified.
    assert samples(teacher, HARD) == [0, 1, 2]
    assert len(by_problem[HARD].records) == 6 and by_problem[HARD].verified == 4


def test_a_rerun_pays_for_nothing_and_reaches_the_same_records(
    tmp_path: Path, math_verifier: Verifier
) -> None:
    plan = {HARD: ["wrong", "right"], IMPOSSIBLE: ["noanswer"]}
    first = ScriptedTeacher("t", plan)
    before = run(tmp_path, [slot(first)], math_verifier, k=1, budget=3)
    second = ScriptedTeacher("t", plan)
    after = run(tmp_path, [slot(second)], math_verifier, k=1, budget=3)
    assert len(first.calls) == 1 + 2 + 3
    assert second.calls == []
    assert list(after.record_ids()) == list(before.record_ids())
    assert all(use.paid == 0 for use in after.uses.values())
    # A larger budget later asks only for the samples not yet answered.
    third = ScriptedTeacher("t", plan)
    run(tmp_path, [slot(third)], math_verifier, k=1, budget=5)
    assert [c.sample for c in third.calls] == [3, 4]


def test_unparseable_replies_and_failed_requests_use_up_the_budget(
    tmp_path: Path, math_verifier: Verifier
) -> None:
    teacher = ScriptedTeacher("t", {EASY: ["error", "right"], HARD: ["noanswer"]})
    outcome = run(tmp_path, [slot(teacher)], math_verifier, k=1, budget=2)
    by_problem = {s.problem.id: s for s in outcome.states}
    assert samples(teacher, EASY) == [0, 1] and by_problem[EASY].verified == 1
    assert [str(failure) for failure in outcome.errors] == [f"t on {EASY} sample 0: endpoint down"]
    hard = records_of(tmp_path, by_problem[HARD])
    assert [r.verdicts[0].evidence[0].reason for r in hard] == ["no recognisable final answer"] * 2
    assert all(r.reason == "format" and r.verdicts[0].evidence[0].check == "format" for r in hard)
    with Store(tmp_path) as store:
        assert store.count("requests") == 2 + 2 + 1
        assert store.count("responses") == 1 + 2 + 1  # the failed request has none


def test_weighted_teachers_share_the_requests_by_weight(
    tmp_path: Path, math_verifier: Verifier
) -> None:
    wrong = {p.id: ["wrong"] for p in PROBLEMS}
    heavy, light = ScriptedTeacher("heavy", wrong), ScriptedTeacher("light", wrong)
    slots = [slot(heavy, weight=3), slot(light, weight=1)]
    outcome = run(tmp_path, slots, math_verifier, k=1, budget=20)
    assert len(heavy.calls) + len(light.calls) == 60
    assert 30 <= len(heavy.calls) <= 55 and len(light.calls) >= 5
    for state in outcome.states:
        for record in records_of(tmp_path, state):
            (trace,) = record.provenance
            assert (
                trace.teacher == choose_teacher(slots, trace.prompt_hash, trace.sample).config.name
            )
            assert trace.endpoint_model == f"{trace.teacher}-model"
    picks = Counter(choose_teacher(slots, "p", sample).config.name for sample in range(4000))
    assert 0.72 < picks["heavy"] / 4000 < 0.78


def test_problems_sharing_a_prompt_share_each_request(
    tmp_path: Path, math_verifier: Verifier
) -> None:
    twins = [p.model_copy(update={"id": f"{p.id}/twin", "source": "other"}) for p in PROBLEMS]
    teacher = ScriptedTeacher("t", {HARD: ["wrong", "right"]})
    outcome = run(tmp_path, [slot(teacher)], math_verifier, [*PROBLEMS, *twins], k=1, budget=2)
    assert len(teacher.calls) == len({c.key() for c in teacher.calls}) == 1 + 2 + 1
    assert sum(use.paid for use in outcome.uses.values()) == len(teacher.calls)
    rows = [r for state in outcome.states for r in records_of(tmp_path, state)]
    assert len(rows) == 2 * 4 and len({r.id for r in rows}) == len(rows)
    for state in outcome.states:
        assert {r.problem_id for r in records_of(tmp_path, state)} == {state.problem.id}
        assert state.verified == 1
    with Store(tmp_path) as store:
        assert store.count("responses") == len(teacher.calls)
        assert store.count("traces") == store.count("verdicts") == len(rows)


class CountingTeacher(ScriptedTeacher):
    """Reads, as another process would, how many requests the store holds as each one is sent."""

    def __init__(self, run_dir: Path) -> None:
        super().__init__("t", {})
        self.run_dir = run_dir
        self.rows_at_send: list[int] = []

    async def complete(self, request: TeacherRequest) -> TeacherResponse:
        with closing(sqlite3.connect(self.run_dir / FILENAME)) as db:
            self.rows_at_send.append(db.execute("SELECT COUNT(*) FROM requests").fetchone()[0])
        await asyncio.sleep(0.01)
        return await super().complete(request)


def test_a_request_is_committed_as_it_is_sent_not_before(
    tmp_path: Path, math_verifier: Verifier
) -> None:
    teacher = CountingTeacher(tmp_path)
    run(tmp_path, [slot(teacher, concurrency=1)], math_verifier, k=1, budget=1)
    assert teacher.rows_at_send == [1, 2, 3]  # its own row, committed; none ahead of it


def test_preference_pairs_put_a_verified_trace_against_a_failed_one(
    tmp_path: Path, math_verifier: Verifier
) -> None:
    teacher = ScriptedTeacher("t", {HARD: ["wrong", "noanswer", "right"]})
    outcome = run(tmp_path, [slot(teacher)], math_verifier, k=1, budget=3)
    by_problem = {s.problem.id: s for s in outcome.states}
    assert len(by_problem[HARD].preferences) == 2
    assert by_problem[EASY].preferences == [] and by_problem[IMPOSSIBLE].preferences == []
    with Store(tmp_path) as store:
        records = store.records(by_problem[HARD].preferences)
    for record in records.values():
        assert record.chosen is not None and record.rejected is not None
        assert [v.status for v in record.verdicts] == ["pass", "fail"]
        assert "\\boxed{36}" in record.chosen[0].content
        assert record.reason in {"answer:different", "format"}


class BrokenVerifier:
    """A verifier plugin whose judging crashes, as a broken plugin or a lost sandbox does."""

    name = "broken"
    version = "0"
    domain = "math"

    def verify(self, jobs: Sequence[tuple[Problem, str]]) -> list[Verdict]:
        raise OSError("sandbox went away")

    def close(self) -> None:
        return None


def test_a_crashing_verifier_leaves_traces_pending_and_charges_nothing(
    tmp_path: Path, math_verifier: Verifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("factory.pipeline.RETRY_SECONDS", 0.01)
    teacher = ScriptedTeacher("t", {})
    broken = run(tmp_path, [slot(teacher)], BrokenVerifier(), budget=4)
    assert len(teacher.calls) == 3  # one each: a trace awaiting its verdict is not a failure
    assert set(broken.pending.values()) == {"verifier broken: sandbox went away"}
    assert [(s.pending, s.failed, s.judged, s.preferences) for s in broken.states] == [
        (1, 0, [], [])
    ] * 3
    with Store(tmp_path) as store:
        assert store.count("verdicts") == 0 and store.count("records") == 0
    again = ScriptedTeacher("t", {})
    outcome = run(tmp_path, [slot(again)], math_verifier)
    assert again.calls == []  # every answer was kept
    assert [s.verified for s in outcome.states] == [1, 1, 1]
    assert outcome.pending == {}


class ErrorVerifier(BrokenVerifier):
    """Returns `error` (could not judge) for the first `errors` calls, then the real verdicts."""

    def __init__(self, real: Verifier, errors: int) -> None:
        self.real = real
        self.errors = errors
        self.calls = 0

    def verify(self, jobs: Sequence[tuple[Problem, str]]) -> list[Verdict]:
        self.calls += 1
        verdicts = self.real.verify(jobs)
        if self.calls > self.errors:
            return verdicts
        return [v.model_copy(update={"status": "error", "evidence": []}) for v in verdicts]


def test_a_verifier_error_is_judged_again_within_the_run(
    tmp_path: Path, math_verifier: Verifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("factory.pipeline.RETRY_SECONDS", 0.01)
    teacher = ScriptedTeacher("t", {HARD: ["wrong", "right"]})
    flaky = ErrorVerifier(math_verifier, errors=1)
    outcome = run(tmp_path, [slot(teacher)], flaky)
    assert outcome.pending == {}
    assert [s.verified for s in outcome.states] == [1, 1, 1]
    assert samples(teacher, HARD) == [0, 1]  # the error cost no extra request
    assert all(v.status in ("pass", "fail") for s in outcome.states for _, v in s.judged)


def test_a_configured_template_is_the_prompt(tmp_path: Path, math_verifier: Verifier) -> None:
    teacher = ScriptedTeacher("t", {})
    prompts = Prompts(math="Q: {statement}\nAnswer in \\boxed{}.")
    run(tmp_path, [slot(teacher)], math_verifier, PROBLEMS[:1], prompts=prompts)
    (call,) = teacher.calls
    assert call.messages[0].content == f"Q: {PROBLEMS[0].statement}\nAnswer in \\boxed{{}}."


def test_a_finished_problem_is_taken_from_its_mark_without_judging_again(
    tmp_path: Path, math_verifier: Verifier
) -> None:
    plan = {HARD: ["wrong", "right"], EASY: ["error", "right"], IMPOSSIBLE: ["noanswer"]}
    before = run(tmp_path, [slot(ScriptedTeacher("t", plan))], math_verifier, k=1, budget=3)
    with Store(tmp_path) as store:  # Easy lost a request: a rerun asks it again, so no mark
        assert store.count("finished") == 2
    broken = BrokenVerifier()  # the same verifier, as far as the marks can tell
    broken.name, broken.version = math_verifier.name, math_verifier.version
    again = ScriptedTeacher("t", plan)
    after = run(tmp_path, [slot(again)], broken, k=1, budget=3)
    assert [(c.sample, samples(again, EASY)) for c in again.calls] == [(0, [0])]
    assert list(after.record_ids()) == list(before.record_ids())
    assert after.uses["t"].requests == before.uses["t"].requests and after.uses["t"].paid == 0
    assert [s.verified for s in after.states] == [s.verified for s in before.states]
    third = ScriptedTeacher("t", plan)  # other settings: the marks do not apply
    run(tmp_path, [slot(third)], math_verifier, k=1, budget=4)
    assert sorted(c.sample for c in third.calls) == [0, 3]  # easy again; impossible's 4th
