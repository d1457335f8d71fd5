"""The labelled traces: wrong steps are caught at the right step, correct traces pass."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from verifiers.math import TraceInput, WorkerPool, verify_traces
from verifiers.math.traces import first_refuted_step, steps_checked
from verifiers.verdict import Verdict

TRACES = Path(__file__).parent / "data" / "traces.jsonl"


class LabelledTrace(BaseModel):
    """A solution labelled `correct`, `wrong_step` (false step, right answer) or `wrong_answer`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    label: str
    problem: str
    reference_answer: str
    solution: str
    wrong_step: int | None = None  # the first false step of a `wrong_step` trace


def load_traces() -> list[LabelledTrace]:
    lines = TRACES.read_text(encoding="utf-8").splitlines()
    return [LabelledTrace.model_validate(json.loads(line)) for line in lines if line.strip()]


def _run(pool: WorkerPool) -> list[tuple[LabelledTrace, Verdict]]:
    traces = load_traces()
    inputs = [
        TraceInput(
            id=t.id, problem=t.problem, reference_answer=t.reference_answer, solution=t.solution
        )
        for t in traces
    ]
    return list(zip(traces, verify_traces(inputs, pool), strict=True))


def test_required_catch_and_false_refutation_rates(traces_pool: WorkerPool) -> None:
    results = _run(traces_pool)
    assert len(results) >= 60
    wrong_step = [(t, v) for t, v in results if t.label == "wrong_step"]
    wrong_answer = [(t, v) for t, v in results if t.label == "wrong_answer"]
    correct = [(t, v) for t, v in results if t.label == "correct"]
    assert wrong_step and wrong_answer and correct

    caught = [t.id for t, v in wrong_step if not v.passed and first_refuted_step(v) == t.wrong_step]
    assert len(caught) >= 0.95 * len(wrong_step), f"caught only {caught}"
    assert all(not v.passed for _, v in wrong_answer)
    wrongly_failed = [t.id for t, v in correct if not v.passed]
    assert len(wrongly_failed) <= 0.02 * len(correct), wrongly_failed


def test_lucky_traces_have_the_right_answer_but_fail(traces_pool: WorkerPool) -> None:
    for trace, verdict in _run(traces_pool):
        if trace.label == "wrong_step":
            answer = next(e for e in verdict.evidence if e.check == "answer")
            assert answer.outcome == "equivalent", trace.id
            assert verdict.status == "fail", trace.id


def test_every_trace_reports_how_many_steps_were_checked(traces_pool: WorkerPool) -> None:
    results = _run(traces_pool)
    assert sum(steps_checked(v) for _, v in results) > len(results)
    for _, verdict in results:
        steps = [e for e in verdict.evidence if e.check == "step"]
        assert all(e.outcome in ("verified", "refuted", "unchecked") and e.reason for e in steps)


def test_the_answer_evidence_names_the_rule_that_found_it(traces_pool: WorkerPool) -> None:
    free_text = {t.id: t for t in load_traces() if t.id in ("trace-081", "trace-082", "trace-085")}
    verdicts = verify_traces(
        [
            TraceInput(id=t.id, reference_answer=t.reference_answer, solution=t.solution)
            for t in free_text.values()
        ],
        traces_pool,
    )
    rules = [v.evidence[0].details["extracted_by"] for v in verdicts]
    assert rules == ["hashes", "display", "statement"]
    assert [v.passed for v in verdicts] == [True, True, False]
    assert "offers 2 answers" in verdicts[2].evidence[0].reason
