"""The synthesize stage: seeds -> operator prompts -> candidates -> solutions -> decision.

Every teacher response is committed to the run store before it is used and looked up there
first, so a run killed at any point resumes paying for nothing twice (a request's key is its
whole content: teacher, model, messages, sampling and sample number). Budgets: `per_seed`
candidates from each seed at each depth, and `max_candidates` generation requests in the run.
Operators compose: depth d+1 starts from the problems depth d kept, and their lineage chains.
A near-duplicate is rejected before any solution is asked for. Judging overlaps asking: the
candidates whose requests are all answered are judged (in a thread, in plan order, so decisions
do not depend on timing) while the others' requests are still in flight.
"""

from __future__ import annotations

import ast
import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import ValidationError

from factory.parse import parse_code
from factory.pipeline import TeacherSlot, build_request
from factory.prompts import CODE_TEMPLATE, MATH_TEMPLATE, STATEMENT, prompt_hash
from factory.prompts import render as render_solve
from factory.store import Store
from factory.synthesis.code_accept import judge_code
from factory.synthesis.math_accept import Quorum, judge_math
from factory.synthesis.model import (
    CodeCandidate,
    Decision,
    MathCandidate,
    Operator,
    SynthesisLineage,
    SynthesisSettings,
)
from factory.synthesis.near_dup import NearDuplicates
from factory.synthesis.numeric import program_answer, variant
from factory.synthesis.operators import CODE_TEMPLATES, parse_code_reply, parse_math_reply, render
from factory.synthesis.solvers import label
from factory.teachers.base import Message
from sandbox import Sandbox
from verifiers.math import WorkerPool

C = TypeVar("C")
R = TypeVar("R")
MathOutcome = tuple[MathCandidate | None, Decision]
CodeOutcome = tuple[CodeCandidate | None, Decision]


@dataclass(frozen=True)
class Seed:
    """A problem to build on: a loaded one (no lineage) or one this stage kept."""

    id: str
    statement: str
    lineage: SynthesisLineage | None = None


@dataclass
class Asker:
    """Asks one teacher, through the run store: a stored response is used, never asked again.
    Requests are built as the solve stage builds them (`build_request`), so a solution asked
    here is the same request as the run's own sample of that problem, and is paid once."""

    store: Store
    slot: TeacherSlot
    concurrency: int = 32
    solvers: list[TeacherSlot] = field(default_factory=list)  # in turn; none: `slot`
    asked: int = 0
    reused: int = 0
    first_sent: float | None = None  # monotonic time of the first request sent
    last_answered: float = 0.0
    _gate: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self._gate = asyncio.Semaphore(self.concurrency)

    @property
    def seconds_asking(self) -> float:
        """From the first request sent to the last answer received."""
        return self.last_answered - self.first_sent if self.first_sent is not None else 0.0

    def solver(self, sample: int) -> TeacherSlot:
        """Who writes independent solution `sample`."""
        return self.solvers[sample % len(self.solvers)] if self.solvers else self.slot

    def solver_labels(self, count: int) -> list[str]:
        return [label(self.solver(sample)) for sample in range(count)]

    async def ask(
        self, owner: str, messages: list[Message], sample: int, slot: TeacherSlot | None = None
    ) -> str:
        """Sample `sample` of `messages` from `slot` (default: the generating teacher)."""
        slot = slot or self.slot
        request = build_request(messages, slot, sample, 1)
        key = request.key()
        stored = self.store.response(key)
        if stored is None:
            async with self._gate:
                if self.first_sent is None:
                    self.first_sent = time.monotonic()
                self.store.note_request(owner, request)
                stored = await slot.teacher.complete(request)
                self.store.save_response(key, stored)  # committed before it is used
                self.asked += 1
                self.last_answered = time.monotonic()
        else:
            self.reused += 1
        return stored.completions[0].text if stored.completions else ""


@dataclass
class JudgeClock:
    """When judging ran: its busy seconds, its batches and when the last one ended (monotonic)."""

    seconds: float = 0.0
    batches: int = 0
    last_done: float = 0.0


async def _judged_as_ready(
    jobs: Sequence[Awaitable[C]],
    judge: Callable[[list[C]], list[R]],
    clock: JudgeClock | None,
) -> list[R]:
    """Run `jobs` concurrently; each time the next one in order is done, judge it with every
    done one after it (in a thread: requests keep flowing meanwhile). Order is the jobs'."""
    tasks = [asyncio.ensure_future(job) for job in jobs]
    results: list[R] = []
    start = 0
    try:
        while start < len(tasks):
            await asyncio.wait([tasks[start]])
            end = start
            while end < len(tasks) and tasks[end].done():
                end += 1
            batch = [task.result() for task in tasks[start:end]]
            began = time.monotonic()
            results += await asyncio.to_thread(judge, batch)
            if clock is not None:
                clock.seconds += time.monotonic() - began
                clock.batches += 1
                clock.last_done = time.monotonic()
            start = end
    finally:
        for task in tasks:
            task.cancel()
    return results


def _parents(seeds: Sequence[Seed], index: int, operator: Operator, examples: int) -> list[Seed]:
    """Self-instruct shows `examples` seeds starting at this one; the others evolve one seed."""
    if operator != "self-instruct":
        return [seeds[index]]
    return [seeds[(index + step) % len(seeds)] for step in range(min(examples, len(seeds)))]


def _lineage(
    parents: list[Seed], operator: Operator, asker: Asker, hashed: str, solutions: int
) -> SynthesisLineage:
    chain = parents[0].lineage.operators if parents[0].lineage else []
    return SynthesisLineage(
        parent_ids=[parent.id for parent in parents],
        operators=[*chain, operator],
        teacher=asker.slot.config.name,
        prompt_hash=hashed,
        solvers=asker.solver_labels(solutions),
    )


def _plan(
    seeds: int, per_seed: int, operators: Sequence[Operator], budget: int
) -> list[tuple[int, int, Operator]]:
    """(seed index, sample, operator) of each generation at one depth, operators in turn, at
    most `budget` of them."""
    plan = [
        (index, sample, operators[(index * per_seed + sample) % len(operators)])
        for index in range(seeds)
        for sample in range(per_seed)
    ]
    return plan[: max(0, budget)]


def _malformed(ident: str) -> Decision:
    detail = "the generator's reply holds no problem (no valid fenced JSON object)"
    return Decision(id=ident, status="rejected", reason="unparseable", detail=detail)


async def _candidate(
    asker: Asker,
    settings: SynthesisSettings,
    parents: list[Seed],
    operator: Operator,
    sample: int,
    sandbox: Sandbox | None,
) -> tuple[MathCandidate | None, str]:
    """One generation as a candidate (None when malformed); the id is the prompt's. A numeric
    variation becomes variant `sample` with the answer its program prints in the sandbox."""
    messages = render(operator, [p.statement for p in parents], settings.templates.get(operator))
    hashed = prompt_hash(messages)
    ident = f"synth/{hashed[:12]}-{sample}"
    reply = parse_math_reply(await asker.ask(ident, messages, sample))
    if reply is None:
        return None, ident
    lineage = _lineage(parents, operator, asker, hashed, settings.solutions)
    if operator != "numeric-variation":
        return MathCandidate(
            id=ident, statement=reply.statement, lineage=lineage, proposed_answer=reply.answer
        ), ident
    made = variant(reply, sample)
    if made is None or not reply.program or sandbox is None:
        return None, ident
    statement, values = made
    printed = await asyncio.to_thread(program_answer, sandbox, reply.program, values)
    return MathCandidate(
        id=ident, statement=statement, lineage=lineage, program_answer=printed
    ), ident


async def _solve(
    asker: Asker, candidate: MathCandidate, solutions: int, known: NearDuplicates
) -> MathCandidate:
    if known.why(candidate.statement) is not None:
        return candidate  # rejected as a near-duplicate without paying for solutions
    prompt = [Message(role="user", content=MATH_TEMPLATE.replace(STATEMENT, candidate.statement))]
    texts = await asyncio.gather(
        *(asker.ask(candidate.id, prompt, s, asker.solver(s)) for s in range(solutions))
    )
    return candidate.model_copy(update={"solutions": list(texts)})


async def _generated_and_solved(
    asker: Asker,
    settings: SynthesisSettings,
    parents: list[Seed],
    operator: Operator,
    sample: int,
    known: NearDuplicates,
    sandbox: Sandbox | None,
) -> tuple[MathCandidate | None, str]:
    """One candidate's requests back to back, so no request waits for a whole batch."""
    candidate, ident = await _candidate(asker, settings, parents, operator, sample, sandbox)
    if candidate is None:
        return None, ident
    return await _solve(asker, candidate, settings.solutions, known), ident


async def synthesize_math(
    seeds: Sequence[Seed],
    asker: Asker,
    settings: SynthesisSettings,
    known: NearDuplicates,
    answers_pool: WorkerPool,
    traces_pool: WorkerPool,
    sandbox: Sandbox | None = None,
    clock: JudgeClock | None = None,
) -> list[MathOutcome]:
    """Every candidate made, with its decision, depth after depth; kept ones join `known`.
    `sandbox` runs numeric variations' programs (needed when that operator is configured);
    `clock` records when judging ran."""
    if "numeric-variation" in settings.operators and sandbox is None:
        raise ValueError("numeric-variation runs the teacher's program: it needs a sandbox")
    quorum = Quorum(settings.agree, settings.share)
    results: list[MathOutcome] = []
    level = list(seeds)
    budget = settings.max_candidates
    for _ in range(settings.depth):
        jobs = [
            _generated_and_solved(
                asker, settings, _parents(level, i, op, settings.examples), op, n, known, sandbox
            )
            for i, n, op in _plan(len(level), settings.per_seed, settings.operators, budget)
        ]
        budget -= len(jobs)

        def judge(made: list[tuple[MathCandidate | None, str]]) -> list[MathOutcome]:
            solved = [c for c, _ in made if c is not None]
            decisions = iter(judge_math(solved, known, answers_pool, traces_pool, quorum))
            return [(c, next(decisions) if c is not None else _malformed(i)) for c, i in made]

        judged = await _judged_as_ready(jobs, judge, clock)
        results += judged
        level = [Seed(c.id, c.statement, c.lineage) for c, d in judged if c and d.accepted]
        if not level or budget <= 0:
            break
    return results


def _code_candidate(text: str, ident: str, lineage: SynthesisLineage) -> CodeCandidate | None:
    """The reply as a candidate, or None when it is malformed (the signature must parse: it is
    shown to solvers and prepended to bodies)."""
    reply = parse_code_reply(text)
    if reply is None:
        return None
    try:
        ast.parse(reply.signature or "")
        return CodeCandidate(
            id=ident,
            statement=reply.statement,
            lineage=lineage,
            tests=reply.code_tests(),
            reference=reply.reference,
            entry_point=reply.entry_point,
            starter_code=reply.signature,
        )
    except (SyntaxError, ValueError, RecursionError, ValidationError):
        return None


async def _code_generation(
    asker: Asker,
    settings: SynthesisSettings,
    parents: list[Seed],
    operator: Operator,
    sample: int,
    known: NearDuplicates,
) -> tuple[CodeCandidate | None, str]:
    """One code candidate's generation, then its independent solutions, back to back."""
    template = settings.code_templates.get(operator) or CODE_TEMPLATES[operator]
    messages = render(operator, [p.statement for p in parents], template)
    hashed = prompt_hash(messages)
    ident = f"synth/{hashed[:12]}-{sample}"
    text = await asker.ask(ident, messages, sample)
    lineage = _lineage(parents, operator, asker, hashed, settings.independent)
    candidate = _code_candidate(text, ident, lineage)
    if candidate is None:
        return None, ident
    return await _independent(asker, candidate, settings.independent, known), ident


async def _independent(
    asker: Asker, candidate: CodeCandidate, count: int, known: NearDuplicates
) -> CodeCandidate:
    """Programs written from the statement and signature alone (never the reference)."""
    if known.why(candidate.statement) is not None:
        return candidate
    problem = candidate.problem().model_copy(update={"reference_solution": None})
    prompt = render_solve(problem, CODE_TEMPLATE)
    texts = await asyncio.gather(
        *(asker.ask(candidate.id, prompt, s, asker.solver(s)) for s in range(count))
    )
    programs = [parsed.code for parsed in map(parse_code, texts) if parsed.code]
    return candidate.model_copy(update={"independent": programs})


async def synthesize_code(
    seeds: Sequence[Seed],
    asker: Asker,
    settings: SynthesisSettings,
    known: NearDuplicates,
    sandbox: Sandbox,
) -> list[CodeOutcome]:
    """Every programming candidate made, with its decision, depth after depth."""
    operators = [op for op in settings.operators if op in CODE_TEMPLATES]
    results: list[CodeOutcome] = []
    level = list(seeds)
    budget = settings.max_candidates
    for _ in range(settings.depth):
        jobs = [
            _code_generation(
                asker, settings, _parents(level, i, op, settings.examples), op, n, known
            )
            for i, n, op in _plan(len(level), settings.per_seed, operators, budget)
        ]
        budget -= len(jobs)

        def judge(made: list[tuple[CodeCandidate | None, str]]) -> list[CodeOutcome]:
            solved = [c for c, _ in made if c is not None]
            decisions = iter(judge_code(solved, known, sandbox, kill_share=settings.kill_share))
            return [(c, next(decisions) if c is not None else _malformed(i)) for c, i in made]

        judged = await _judged_as_ready(jobs, judge, None)
        results += judged
        level = [Seed(c.id, c.statement, c.lineage) for c, d in judged if c and d.accepted]
        if not level or budget <= 0:
            break
    return results
