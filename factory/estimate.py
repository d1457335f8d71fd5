"""`factory run --dry-run`: what a run would request and what it could cost, from the prompts,
k, the budget and the teachers' prices, before a single request is sent."""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from factory.config import RunConfig
from factory.prompts import render
from factory.teachers.config import TeacherConfig
from factory.teachers.openai_teacher import CHARS_PER_TOKEN
from problems import Problem


class Bound(BaseModel):
    """Requests, traces, tokens and cost when every problem takes this many traces."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    traces: int
    requests: int
    prompt_tokens: int
    completion_tokens: int  # at most: every completion runs to max_tokens
    cost: float | None  # money at the dearest teacher's prices; None when no teacher has any


class Estimate(BaseModel):
    """At least (every trace verified: k per problem) and at most (the budget per problem)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    problems: int
    teachers: list[str]
    least: Bound
    most: Bound


def estimate(config: RunConfig, problems: Sequence[Problem]) -> Estimate:
    teachers = config.teachers or [TeacherConfig(name="replay", model="replay")]
    prompts = [
        sum(len(message.content) for message in render(p, getattr(config.prompts, p.domain)))
        // CHARS_PER_TOKEN
        + 1
        for p in problems
    ]
    return Estimate(
        problems=len(problems),
        teachers=[f"{t.name} ({t.model})" for t in teachers],
        least=_bound(prompts, config.k, teachers),
        most=_bound(prompts, config.budget, teachers),
    )


def _bound(prompts: Sequence[int], traces: int, teachers: Sequence[TeacherConfig]) -> Bound:
    """The dearest teacher's figures: with several, a run could send any request to any."""
    worst: tuple[int, int, int, float | None] = (0, 0, 0, None)
    for teacher in teachers:
        per_problem = math.ceil(traces / teacher.n)
        requests = per_problem * len(prompts)
        prompt_tokens = per_problem * sum(prompts)
        completion_tokens = traces * len(prompts) * teacher.sampling.max_tokens
        cost = _cost(teacher, prompt_tokens, completion_tokens)
        figures = (requests, prompt_tokens, completion_tokens, cost)
        if (cost or 0.0, prompt_tokens + completion_tokens) > (
            worst[3] or 0.0,
            worst[1] + worst[2],
        ):
            worst = figures
    requests, prompt_tokens, completion_tokens, cost = worst
    return Bound(
        traces=traces * len(prompts),
        requests=requests,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cost=cost,
    )


def _cost(teacher: TeacherConfig, prompt_tokens: int, completion_tokens: int) -> float | None:
    if teacher.price_input_per_million is None and teacher.price_output_per_million is None:
        return None
    return (
        prompt_tokens * (teacher.price_input_per_million or 0.0)
        + completion_tokens * (teacher.price_output_per_million or 0.0)
    ) / 1_000_000
