"""What the review page shows of one record: the problem, the trace with each step marked by
the verifier's outcome, the code's test results, the provenance. Text only; the template
escapes all of it."""

from __future__ import annotations

from dataclasses import dataclass, field

from factory.records import Record, Trace
from problems import CodeProblem, MathProblem, Problem
from verifiers.verdict import Evidence

CHECKS_OF_STEPS = "step"


@dataclass(frozen=True)
class Step:
    number: int
    text: str
    outcome: str  # the verifier's word (verified, refuted, ...); `unchecked` when it had none
    reason: str = ""
    details: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordView:
    record: Record
    problem: Problem | None
    trace: Trace | None
    steps: list[Step]
    checks: list[Evidence]  # every other piece of evidence: the answer, tests, the harness
    reference: str  # the gold answer, or the problem's tests in short

    @property
    def verdict(self) -> str:
        return self.record.verdicts[0].status if self.record.verdicts else "none"


def steps(trace: Trace | None, evidence: list[Evidence]) -> list[Step]:
    """The trace's steps (as the parser split them: the step checker's numbering, from 1),
    each with the outcome the verifier gave it."""
    if trace is None:
        return []
    by_number = {e.index: e for e in evidence if e.check == CHECKS_OF_STEPS}
    out = []
    for number, text in enumerate(trace.steps, start=1):
        found = by_number.get(number)
        if found is None:
            out.append(Step(number, text, "unchecked"))
        else:
            out.append(Step(number, text, found.outcome, found.reason, dict(found.details)))
    return out


def reference(problem: Problem | None) -> str:
    if isinstance(problem, MathProblem):
        return problem.answer
    if isinstance(problem, CodeProblem):
        tests = problem.tests
        parts = []
        if tests.asserts is not None:
            parts.append(f"{tests.asserts.style} tests")
        if tests.stdio:
            parts.append(f"{len(tests.stdio)} stdin/stdout cases")
        if tests.properties:
            parts.append(f"{len(tests.properties)} properties")
        return ", ".join(parts)
    return ""


def view(record: Record, problem: Problem | None, trace: Trace | None) -> RecordView:
    evidence = [e for verdict in record.verdicts[:1] for e in verdict.evidence]
    numbered = steps(trace, evidence)
    shown = {s.number for s in numbered}
    checks = [e for e in evidence if e.check != CHECKS_OF_STEPS or e.index not in shown]
    return RecordView(record, problem, trace, numbered, checks, reference(problem))
