"""A trace record as the sample and the report see it: the few fields they group and count by,
read from the store's JSON without building the whole record."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from factory.store import Store
from problems import Problem

TRACE_KINDS = ("verified", "rejected")  # one trace each; preferences pair two of them


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    kind: str
    domain: str
    problem_id: str
    trace_id: str
    teacher: str
    reason: str | None
    verifier: str
    seconds: float
    origin: str  # `synthesized` for a problem the run made, else `loaded`
    source: str
    topic: str
    level: str


def origin(problem: Problem | None) -> str:
    return "synthesized" if problem is not None and problem.lineage is not None else "loaded"


def trace_rows(store: Store, problems: dict[str, Problem]) -> Iterator[Row]:
    """Every verified and rejected record of the store, in the order they were stored."""
    for body in store.record_bodies_of(TRACE_KINDS):
        record = json.loads(body)
        provenance = record["provenance"][0]
        verdict = record["verdicts"][0] if record["verdicts"] else None
        problem = problems.get(record["problem_id"])
        yield Row(
            id=record["id"],
            kind=record["kind"],
            domain=record["domain"],
            problem_id=record["problem_id"],
            trace_id=provenance["trace_id"],
            teacher=provenance["teacher"],
            reason=record["reason"],
            verifier=f"{provenance['verifier']}@{provenance['verifier_version']}",
            seconds=float(verdict["seconds"]) if verdict else 0.0,
            origin=origin(problem),
            source=problem.source if problem else "unknown",
            topic=(problem.topic if problem else None) or "unknown",
            level=_level(problem),
        )


def _level(problem: Problem | None) -> str:
    """The problem's level, or the `difficulty` column its file carried, else `unknown`."""
    if problem is None:
        return "unknown"
    if problem.level:
        return problem.level
    difficulty = problem.metadata.get("difficulty")
    return "unknown" if difficulty is None else str(difficulty)
