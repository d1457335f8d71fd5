"""What a run produced and what it cost, counted once for the summary, stats.json and the card."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from factory.config import RunConfig
from factory.pipeline import Outcome, RequestFailure, TeacherSlot, Uses
from factory.records import VerifierInfo
from factory.stages.gates.model import GatesReport
from factory.store_integrity import Damage
from factory.teachers.base import Usage
from factory.teachers.config import TeacherConfig


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tally(_Model):
    traces: int
    passed: int
    acceptance_rate: float | None  # passed / traces


class TeacherStats(_Model):
    name: str
    model: str
    requests: int  # answered, now or from the store
    paid_now: int  # answered by the endpoint during this invocation
    errors: int  # requests that failed after every retry
    retried: dict[str, int]  # failed attempts that were retried, by cause
    tally: Tally
    tokens: Usage
    cost: float | None  # money, when the teacher has prices


class VerifierStats(_Model):
    domain: str
    verifier: VerifierInfo
    tally: Tally


class StageStats(_Model):
    """A stage's busy seconds; tokens and money per verified trace where the stage spends any."""

    stage: str
    seconds: float
    tokens: int | None = None
    cost: float | None = None
    tokens_per_verified: float | None = None
    cost_per_verified: float | None = None


class RunStats(_Model):
    k: int
    budget: int
    problems: int
    problems_by_domain: dict[str, int]
    problems_with_k: int  # problems that reached k verified traces
    problems_unsolved: int  # problems with no verified trace
    sources: dict[str, int]  # problems per source
    licenses: dict[str, int]  # problems per license ("unknown" when a source names none)
    tally: Tally
    rejected_by_reason: dict[str, int]
    # Traces the verifier could not judge (no verdict; the next run of the store judges them),
    # by reason; and domains skipped before any request (domain -> why, and the fix).
    awaiting_verification: dict[str, int]
    skipped_domains: dict[str, str]
    by_domain: dict[str, Tally]
    teachers: list[TeacherStats]
    verifiers: list[VerifierStats]
    request_errors: list[RequestFailure]
    retried: dict[str, int]  # failed attempts that were retried, by cause, over all teachers
    failed: dict[str, int]  # requests given up on after their retries, by the last cause
    damaged: dict[str, int]  # store rows found damaged and dropped when it opened, by table
    tokens: Usage
    cost: float | None
    stages: list[StageStats]
    records: dict[str, int]  # exported rows per file
    corrections: dict[str, int] = {}  # corrected-mistake rows per "origin/operator"
    # New problems (`synthesize:`) by decision: "accepted", a rejection reason, or "unjudged".
    synthesized: dict[str, int] = {}
    synthesized_by_operator: dict[str, dict[str, int]] = {}  # operator chain -> decision -> count
    gates: GatesReport | None = None  # what the quality gates removed, the mix, diversity
    seconds: float  # wall time of this invocation
    generated_per_second: float | None  # completions from the endpoint / generate busy time

    @property
    def incomplete(self) -> bool:
        """Some trace or domain still waits for a verifier that works."""
        return bool(self.awaiting_verification or self.skipped_domains)


@dataclass
class Exported:
    """The judged teacher traces the export read (a verified or rejected record each), counted
    as they stream past the gates: the summary counts what the store gave the export, not what
    the run remembers; human solutions are not a teacher's traces."""

    traces: Counter[tuple[str, str]] = field(default_factory=Counter)  # (domain, teacher)
    passed: Counter[tuple[str, str]] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    # Problems by their number of verified rows (those with none are not counted here).
    solved: Counter[int] = field(default_factory=Counter)

    def count(self, stored: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Count records as the store keeps them (their JSON, decoded) while passing them on;
        a problem's rows come together (the export order), so only the current one is held."""
        problem, verified = None, 0
        for record in stored:
            kind = record["kind"]
            if record["problem_id"] != problem:
                self._solved(verified)
                problem, verified = record["problem_id"], 0
            if kind != "preference" and record.get("origin") != "human":
                key = (record["domain"], record["provenance"][0]["teacher"])
                self.traces[key] += 1
                if kind == "verified":
                    self.passed[key] += 1
                    verified += 1
                else:
                    self.reasons[record["reason"] or "unknown"] += 1
            yield record
        self._solved(verified)

    def _solved(self, verified: int) -> None:
        if verified:
            self.solved[verified] += 1

    def tally(self, domain: str | None = None, teacher: str | None = None) -> Tally:
        def chosen(key: tuple[str, str]) -> bool:
            return domain in (None, key[0]) and teacher in (None, key[1])

        return _tally(
            sum(n for key, n in self.passed.items() if chosen(key)),
            sum(n for key, n in self.traces.items() if chosen(key)),
        )


def _tally(passed: int, total: int) -> Tally:
    return Tally(
        traces=total, passed=passed, acceptance_rate=round(passed / total, 4) if total else None
    )


def _usage(uses: Iterable[Uses]) -> Usage:
    uses = list(uses)
    return Usage(
        prompt_tokens=sum(u.prompt_tokens for u in uses),
        completion_tokens=sum(u.completion_tokens for u in uses),
        reasoning_tokens=sum(u.reasoning_tokens for u in uses),
    )


def _cost(config: TeacherConfig, usage: Usage) -> float | None:
    """Reasoning tokens are part of completion tokens, so they are priced there."""
    if config.price_input_per_million is None and config.price_output_per_million is None:
        return None
    return (
        usage.prompt_tokens * (config.price_input_per_million or 0.0)
        + usage.completion_tokens * (config.price_output_per_million or 0.0)
    ) / 1e6


def _teacher(slot: TeacherSlot, outcome: Outcome, exported: Exported) -> TeacherStats:
    config = slot.config
    uses = outcome.uses.get(config.name, Uses())
    usage = _usage([uses])
    return TeacherStats(
        name=config.name,
        model=config.model,
        requests=uses.requests,
        paid_now=uses.paid,
        errors=sum(1 for failure in outcome.errors if failure.teacher == config.name),
        retried=dict(sorted(slot.teacher.retried.items())),
        tally=exported.tally(teacher=config.name),
        tokens=usage,
        cost=_cost(config, usage),
    )


def _stages(
    outcome: Outcome, export_seconds: float, tokens: int, cost: float | None, passed: int
) -> list[StageStats]:
    busy = dict(outcome.seconds)
    generate = StageStats(
        stage="generate",
        seconds=round(busy.pop("generate", 0.0), 3),
        tokens=tokens,
        cost=cost,
        tokens_per_verified=round(tokens / passed, 1) if passed else None,
        cost_per_verified=cost / passed if passed and cost is not None else None,
    )
    others = [*sorted(busy.items()), ("export", export_seconds)]
    return [generate, *(StageStats(stage=name, seconds=round(s, 3)) for name, s in others)]


def _by(problems: Counter[tuple[str, str, str]], field: int) -> dict[str, int]:
    """Problems per domain (0), source (1) or license (2), in order of first appearance."""
    counts: Counter[str] = Counter()
    for key, n in problems.items():
        counts[key[field]] += n
    return dict(counts)


def summarize(
    config: RunConfig,
    teachers: Sequence[TeacherSlot],
    outcome: Outcome,
    exported: Exported,
    records: dict[str, int],
    export_seconds: float,
    wall: float,
    skipped: dict[str, str] | None = None,
    damaged: Sequence[Damage] = (),
) -> RunStats:
    """Count the outcome and the exported rows; `records` is the rows written per file."""
    problems = outcome.problems
    domains = sorted({domain for domain, _, _ in problems})
    by_domain = {d: exported.tally(domain=d) for d in domains}
    teacher_stats = [_teacher(slot, outcome, exported) for slot in teachers]
    retried: Counter[str] = Counter()
    for teacher in teacher_stats:
        retried.update(teacher.retried)
    costs = [t.cost for t in teacher_stats if t.cost is not None]
    cost = sum(costs) if costs else None
    usage = _usage(outcome.uses.values())
    tally = exported.tally()
    solved = exported.solved.total()
    paid = sum(u.paid_completions for u in outcome.uses.values())
    span = outcome.seconds.get("generate", 0.0)
    return RunStats(
        k=config.k,
        budget=config.budget,
        problems=problems.total(),
        problems_by_domain=_by(problems, 0),
        problems_with_k=sum(n for verified, n in exported.solved.items() if verified >= config.k),
        problems_unsolved=problems.total() - solved,
        sources=_by(problems, 1),
        licenses=_by(problems, 2),
        tally=tally,
        rejected_by_reason=dict(exported.reasons.most_common()),
        awaiting_verification=dict(Counter(outcome.pending.values()).most_common()),
        skipped_domains=dict(skipped or {}),
        by_domain=by_domain,
        teachers=teacher_stats,
        verifiers=[
            VerifierStats(domain=d, verifier=outcome.verifiers[d], tally=by_domain[d])
            for d in domains
        ],
        request_errors=outcome.errors,
        retried=dict(retried.most_common()),
        failed=dict(Counter(failure.kind for failure in outcome.errors).most_common()),
        damaged=dict(Counter(d.table for d in damaged).most_common()),
        tokens=usage,
        cost=cost,
        stages=_stages(
            outcome,
            export_seconds,
            usage.prompt_tokens + usage.completion_tokens,
            cost,
            tally.passed,
        ),
        records=records,
        seconds=round(wall, 3),
        generated_per_second=round(paid / span, 2) if span > 0 else None,
    )
