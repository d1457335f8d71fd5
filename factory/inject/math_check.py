"""Judging math injections with the math verifier's workers: values, refutations, re-verification.

How the marked mistake is kept out of the re-verification: the composed example is verified
with the mistake step taken out (the steps before it, the wrong branch that follows from it, the
check, the corrected step and the rest must then pass: answer equivalent, no step refuted),
and the mistake is proven wrong on its own terms, as the steps before it followed by the wrong
step, where the verifier must refute exactly that step. The wrong step never sits in the
history the later steps are judged against, so it can neither vouch for nor spoil them.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any, TypeVar

from verifiers.math import TraceInput, WorkerPool, verify_traces
from verifiers.verdict import Evidence, Verdict

Value = dict[str, Any] | None  # {"rational": "p/q"} or {"polynomial": latex}, as a worker says
T = TypeVar("T")
CHUNK = 16  # expressions per worker task: each may take its 2 s budget, a task has 40 s of CPU


def values(pool: WorkerPool, expressions: Sequence[str]) -> list[Value]:
    """Each expression's exact value, computed in the workers, a chunk per task; a chunk whose
    task fails (a worker hit its limits) has no values."""
    chunks = [expressions[i : i + CHUNK] for i in range(0, len(expressions), CHUNK)]
    found: list[Value] = []
    for chunk, outcome in zip(
        chunks, pool.map("values", [{"expressions": list(c)} for c in chunks]), strict=True
    ):
        ok = outcome.status == "ok" and outcome.result is not None
        found.extend(outcome.result["values"] if ok and outcome.result else [None] * len(chunk))
    return found


def drive(pool: WorkerPool, tasks: Sequence[Generator[str, Value, T]]) -> list[T]:
    """Run generators that yield expressions to evaluate, one batch per round across all of
    them, so a thousand candidates cost a few worker calls rather than a thousand."""
    results: dict[int, T] = {}
    asking: dict[int, str] = {}
    for position, task in enumerate(tasks):
        try:
            asking[position] = next(task)
        except StopIteration as done:
            results[position] = done.value
    while asking:
        order = list(asking)
        answers = values(pool, [asking[position] for position in order])
        asking = {}
        for position, answer in zip(order, answers, strict=True):
            try:
                asking[position] = tasks[position].send(answer)
            except StopIteration as done:
                results[position] = done.value
    return [results[position] for position in range(len(tasks))]


def verify(pool: WorkerPool, jobs: Sequence[tuple[str, str]]) -> list[Verdict]:
    """Verdicts for (reference answer, solution text) pairs."""
    traces = [
        TraceInput(id=str(position), reference_answer=answer, solution=text)
        for position, (answer, text) in enumerate(jobs)
    ]
    return verify_traces(traces, pool)


def step_evidence(verdict: Verdict, step: int) -> Evidence | None:
    return next((e for e in verdict.evidence if e.check == "step" and e.index == step), None)


def refuted_at(verdict: Verdict, step: int) -> Evidence | None:
    """The evidence refuting `step`, when the verifier refuted it."""
    evidence = step_evidence(verdict, step)
    return evidence if evidence is not None and evidence.outcome == "refuted" else None
