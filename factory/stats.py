"""What a run produced and what it cost, counted once for the summary, stats.json and the card."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from factory.config import RunConfig
from factory.pipeline import Outcome, RequestFailure, RequestUse, TeacherSlot
from factory.records import VerifierInfo, rejection_reason
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
    by_domain: dict[str, Tally]
    teachers: list[TeacherStats]
    verifiers: list[VerifierStats]
    request_errors: list[RequestFailure]
    retried: dict[str, int]  # failed attempts that were retried, by cause, over all teachers
    tokens: Usage
    cost: float | None
    stages: list[StageStats]
    records: dict[str, int]  # exported rows per file
    corrections: dict[str, int] = {}  # corrected-mistake rows per "origin/operator"
    seconds: float  # wall time of this invocation
    generated_per_second: float | None  # completions from the endpoint / generate busy time


def _tally(verdict_passed: Sequence[bool]) -> Tally:
    passed = sum(verdict_passed)
    total = len(verdict_passed)
    return Tally(
        traces=total, passed=passed, acceptance_rate=round(passed / total, 4) if total else None
    )


def _usage(uses: Sequence[RequestUse]) -> Usage:
    return Usage(
        prompt_tokens=sum(u.usage.prompt_tokens for u in uses),
        completion_tokens=sum(u.usage.completion_tokens for u in uses),
        reasoning_tokens=sum(u.usage.reasoning_tokens for u in uses),
    )


def _cost(config: TeacherConfig, usage: Usage) -> float | None:
    """Reasoning tokens are part of completion tokens, so they are priced there."""
    if config.price_input_per_million is None and config.price_output_per_million is None:
        return None
    return (
        usage.prompt_tokens * (config.price_input_per_million or 0.0)
        + usage.completion_tokens * (config.price_output_per_million or 0.0)
    ) / 1e6


def _teacher(slot: TeacherSlot, outcome: Outcome) -> TeacherStats:
    config = slot.config
    uses = [u for u in outcome.uses if u.teacher == config.name]
    usage = _usage(uses)
    return TeacherStats(
        name=config.name,
        model=config.model,
        requests=len(uses),
        paid_now=sum(1 for u in uses if not u.cached),
        errors=sum(1 for failure in outcome.errors if failure.teacher == config.name),
        retried=dict(sorted(slot.teacher.retried.items())),
        tally=_tally(
            [v.passed for s in outcome.states for t, v in s.judged if t.teacher == config.name]
        ),
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


def summarize(
    config: RunConfig,
    teachers: Sequence[TeacherSlot],
    outcome: Outcome,
    records: dict[str, int],
    export_seconds: float,
    wall: float,
) -> RunStats:
    """Count the outcome; `records` is the number of rows written per exported file."""
    states = outcome.states
    judged = [(s.problem.domain, t, v) for s in states for t, v in s.judged]
    reasons = Counter(rejection_reason(v) for _, _, v in judged if not v.passed)
    domains = sorted({s.problem.domain for s in states})
    by_domain = {d: _tally([v.passed for dd, _, v in judged if dd == d]) for d in domains}
    teacher_stats = [_teacher(slot, outcome) for slot in teachers]
    retried: Counter[str] = Counter()
    for teacher in teacher_stats:
        retried.update(teacher.retried)
    costs = [t.cost for t in teacher_stats if t.cost is not None]
    cost = sum(costs) if costs else None
    usage = _usage(outcome.uses)
    tally = _tally([v.passed for _, _, v in judged])
    paid = sum(u.completions for u in outcome.uses if not u.cached)
    span = outcome.seconds.get("generate", 0.0)
    return RunStats(
        k=config.k,
        budget=config.budget,
        problems=len(states),
        problems_by_domain=dict(Counter(s.problem.domain for s in states)),
        problems_with_k=sum(1 for s in states if s.verified >= config.k),
        problems_unsolved=sum(1 for s in states if s.verified == 0),
        sources=dict(Counter(s.problem.source for s in states)),
        licenses=dict(Counter(s.problem.license or "unknown" for s in states)),
        tally=tally,
        rejected_by_reason=dict(reasons.most_common()),
        by_domain=by_domain,
        teachers=teacher_stats,
        verifiers=[
            VerifierStats(domain=d, verifier=outcome.verifiers[d], tally=by_domain[d])
            for d in domains
        ],
        request_errors=outcome.errors,
        retried=dict(retried.most_common()),
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
