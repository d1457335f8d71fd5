"""Trace verification: the final answer must be equivalent and no step may be refuted.

Outcome-only graders pass "lucky" traces whose answer is right although a step in the middle
is false; here every relation a step states is checked, and one refuted step fails the trace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import BaseModel, ConfigDict

from verifiers.math import screen
from verifiers.math.answers import found_details
from verifiers.math.final_answer import Extracted, extract, gold_parts
from verifiers.math.rounding import asked_places
from verifiers.math.steps import parse_solution
from verifiers.math.workers import Limits, Outcome, WorkerPool
from verifiers.verdict import Evidence, Verdict

VERIFIER = "math-trace"
VERSION = "1.0"
TRACE_LIMITS = Limits(cpu_seconds=40, wall_seconds=60.0)


class TraceInput(BaseModel):
    """One row of `factory verify traces`: a problem, its reference answer and a solution."""

    # Other keys (a file's metadata columns) are kept and copied to the output row.
    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    problem: str = ""
    reference_answer: str
    solution: str


def _failed(outcome: str, reason: str, seconds: float) -> Verdict:
    status = "timeout" if outcome == "timeout" else "error" if outcome == "error" else "fail"
    evidence = [Evidence(check="trace", outcome=outcome, reason=reason)]
    return Verdict(
        status=status, verifier=VERIFIER, version=VERSION, evidence=evidence, seconds=seconds
    )


def _verdict(outcome: Outcome, found: Extracted | None) -> Verdict:
    if outcome.status != "ok" or outcome.result is None:
        return _failed(outcome.status, outcome.error, outcome.seconds)
    answer = outcome.result["answer"]
    evidence = [
        Evidence(
            check="answer",
            outcome=str(answer["decision"]),
            reason=str(answer["reason"]),
            details=found_details(found) if found else {},
        )
    ]
    refuted = False
    for step in outcome.result["steps"]:
        refuted = refuted or step["status"] == "refuted"
        details = {key: str(value) for key, value in step["details"].items()}
        details["relations"] = str(step["relations"])
        details["checked"] = str(step["checked"])
        evidence.append(
            Evidence(
                check="step",
                outcome=str(step["status"]),
                index=int(step["index"]),
                reason=str(step["reason"]),
                details=details,
            )
        )
    passed = answer["decision"] == "equivalent" and not refuted
    return Verdict(
        status="pass" if passed else "fail",
        verifier=VERIFIER,
        version=VERSION,
        evidence=evidence,
        seconds=outcome.seconds,
    )


def trace_payload(
    reference_answer: str, solution: str, found: Extracted | None, problem: str = ""
) -> dict[str, object]:
    """What the worker needs: the gold's parts, the extracted final answers, the steps, and the
    decimal places the problem asks the answer rounded to (None: exact value only)."""
    return {
        "places": asked_places(problem),
        "golds": list(gold_parts(reference_answer)),
        "answers": list(found.parts) if found else [],
        "steps": [step.payload() for step in parse_solution(solution)],
    }


def verify_traces(
    traces: Sequence[TraceInput],
    pool: WorkerPool,
    on_done: Callable[[int], None] | None = None,
) -> list[Verdict]:
    """Verify many traces across the pool; verdicts come back in input order."""
    verdicts: list[Verdict | None] = [None] * len(traces)
    jobs: list[int] = []
    payloads: list[dict[str, object]] = []
    extracted: list[Extracted | None] = []
    for position, trace in enumerate(traces):
        refusal = screen.refuse(trace.solution, screen.MAX_SOLUTION_CHARS)
        if refusal is not None:
            verdicts[position] = _failed("undecided", refusal, 0.0)
            if on_done is not None:
                on_done(position)
            continue
        jobs.append(position)
        found = extract(trace.solution)
        extracted.append(found)
        payloads.append(trace_payload(trace.reference_answer, trace.solution, found, trace.problem))

    def finished(job: int, outcome: Outcome) -> None:
        verdicts[jobs[job]] = _verdict(outcome, extracted[job])
        if on_done is not None:
            on_done(jobs[job])

    pool.map("trace", payloads, on_done=finished)
    return [verdict for verdict in verdicts if verdict is not None]


def trace_pool(workers: int | None = None) -> WorkerPool:
    """A worker pool with the limits checking one whole solution needs."""
    return WorkerPool(workers, TRACE_LIMITS)


def first_refuted_step(verdict: Verdict) -> int | None:
    for evidence in verdict.evidence:
        if evidence.check == "step" and evidence.outcome == "refuted":
            return evidence.index
    return None


def answer_equivalent(verdict: Verdict) -> bool:
    return any(e.check == "answer" and e.outcome == "equivalent" for e in verdict.evidence)


def steps_checked(verdict: Verdict) -> int:
    """Steps that had at least one relation verified or refuted."""
    return sum(
        1 for e in verdict.evidence if e.check == "step" and e.outcome in ("verified", "refuted")
    )
