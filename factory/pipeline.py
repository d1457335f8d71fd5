"""generate -> parse -> verify, per problem until `k` traces verify or the budget is spent.

Requests go out concurrently; each response is committed to the store before it is parsed, and
parsed traces queue for their domain's verifier, which runs in a worker thread on whatever is
ready while generation goes on. Which teacher answers sample i of a problem is a pure function
of (problem, i), and sample i+1 is asked only once sample i's fate allows, so a rerun replays
the same requests from the store and continues where a killed run stopped.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from factory.config import RunConfig
from factory.parse import parse
from factory.prompts import prompt_hash, render
from factory.records import (
    Record,
    Trace,
    VerifierInfo,
    format_verdict,
    make_traces,
    preference_record,
    trace_record,
)
from factory.store import Store
from factory.teachers.base import Teacher, TeacherError, TeacherRequest, Usage
from factory.teachers.config import TeacherConfig
from problems import Problem
from verifiers.plugins import Verifier
from verifiers.verdict import Verdict

MAX_BATCH = 64  # traces handed to one verifier call at most
# A trace the verifier could not judge (an `error`, or the verifier raised) is tried again this
# many times in all, RETRY_SECONDS apart and doubling; then it waits, pending, for the next run.
JUDGE_TRIES = 3
RETRY_SECONDS = 1.0


@dataclass
class TeacherSlot:
    """A teacher and the config that names, weights, prices and tunes it."""

    teacher: Teacher
    config: TeacherConfig


@dataclass
class ProblemState:
    problem: Problem
    launched: int = 0  # traces asked for so far
    next_sample: int = 0
    failed: int = 0  # traces that failed, could not be parsed, or never came
    verified: int = 0
    open: int = 0  # traces asked for and not yet judged
    pending: int = 0  # traces the verifier could not judge in this run: no verdict, no failure
    done: bool = False
    judged: list[tuple[Trace, Verdict]] = field(default_factory=list)
    records: dict[str, str] = field(default_factory=dict)  # trace id -> its record's id
    preferences: list[str] = field(default_factory=list)  # record ids


@dataclass(frozen=True)
class RequestUse:
    """One request the run needed: answered now (paid) or from the store (cached)."""

    teacher: str
    usage: Usage
    cached: bool
    completions: int


class RequestFailure(BaseModel):
    """A request the teacher gave up on after its retries; its traces count as failed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    teacher: str
    problem_id: str
    sample: int
    message: str

    def __str__(self) -> str:
        return f"{self.teacher} on {self.problem_id} sample {self.sample}: {self.message}"


@dataclass
class Live:
    """Counts the progress display reads while the run goes on."""

    problems_done: int = 0
    cached: int = 0
    in_flight: int = 0
    errors: int = 0
    traces: int = 0
    passed: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    pending: int = 0
    tokens: int = 0


@dataclass
class Outcome:
    """Everything a run reached, for the summary and the export."""

    states: list[ProblemState]
    uses: list[RequestUse]
    errors: list[RequestFailure]
    verifiers: dict[str, VerifierInfo]
    seconds: dict[str, float]  # busy seconds by stage; generate: while any request was out
    pending: dict[str, str] = field(default_factory=dict)  # trace id -> why it was not judged

    def record_ids(self) -> list[str]:
        """Export order: problems as loaded; traces by sample; preferences after them."""
        ids: list[str] = []
        for state in self.states:
            ids.extend(state.records[trace.id] for trace, _ in _in_order(state.judged))
            ids.extend(state.preferences)
        return ids


def _in_order(judged: Sequence[tuple[Trace, Verdict]]) -> list[tuple[Trace, Verdict]]:
    return sorted(judged, key=lambda judgement: (judgement[0].sample, judgement[0].completion))


def choose_teacher(slots: Sequence[TeacherSlot], problem_id: str, sample: int) -> TeacherSlot:
    """A weighted pick that depends only on (problem, sample), so reruns ask the same teacher."""
    digest = hashlib.sha256(f"{problem_id}\x00{sample}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64 * sum(s.config.weight for s in slots)
    for slot in slots:
        point -= slot.config.weight
        if point < 0:
            return slot
    return slots[-1]


def build_request(
    problem: Problem, slot: TeacherSlot, template: str, sample: int, n: int
) -> TeacherRequest:
    """Sample i of a prompt; a configured seed becomes seed + i, so samples differ."""
    sampling = slot.config.sampling
    if sampling.seed is not None:
        sampling = sampling.model_copy(update={"seed": sampling.seed + sample})
    return TeacherRequest(
        teacher=slot.config.name,
        model=slot.config.model,
        messages=render(problem, template),
        sampling=sampling,
        n=n,
        sample=sample,
    )


def preference_pairs(
    judged: Sequence[tuple[Trace, Verdict]],
) -> list[tuple[tuple[Trace, Verdict], tuple[Trace, Verdict]]]:
    """Each proven-wrong (or unparseable) trace paired with a verified one, in turn."""
    ordered = _in_order(judged)
    good = [tv for tv in ordered if tv[1].passed]
    bad = [tv for tv in ordered if tv[1].status == "fail"]
    if not good:
        return []
    return [(good[index % len(good)], pair) for index, pair in enumerate(bad)]


class _Run:
    """One pass of the pipeline: shared state for the coroutines of one event loop."""

    def __init__(
        self,
        config: RunConfig,
        problems: Sequence[Problem],
        slots: Sequence[TeacherSlot],
        verifiers: dict[str, Verifier],
        infos: dict[str, VerifierInfo],
        store: Store,
        on_change: Callable[[Live], None],
    ) -> None:
        self.config = config
        self.slots = slots
        self.verifiers = verifiers
        self.infos = infos
        self.store = store
        self.on_change = on_change
        self.states = [ProblemState(problem) for problem in problems]
        self.live = Live()
        self.uses: list[RequestUse] = []
        self.errors: list[RequestFailure] = []
        self.tries: Counter[str] = Counter()  # trace id -> judgings that gave no verdict
        self.pending: dict[str, str] = {}
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.busy_since = 0.0  # when the requests now in flight started being in flight
        self.queues: dict[str, asyncio.Queue[tuple[ProblemState, Trace]]] = {
            domain: asyncio.Queue() for domain in verifiers
        }
        self.remaining = len(self.states)
        self.finished = asyncio.Event()
        self.group: asyncio.TaskGroup | None = None

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] += time.perf_counter() - started

    async def run(self) -> Outcome:
        try:
            async with asyncio.TaskGroup() as group:
                self.group = group
                loops = [group.create_task(self.verify_loop(d)) for d in self.verifiers]
                for state in self.states:
                    self.advance(state)
                if self.remaining:
                    await self.finished.wait()
                for loop in loops:
                    loop.cancel()
        except ExceptionGroup as group_error:
            raise group_error.exceptions[0] from None
        return Outcome(
            self.states, self.uses, self.errors, self.infos, dict(self.seconds), self.pending
        )

    @contextmanager
    def requesting(self) -> Iterator[None]:
        """Count a request in flight; the generate stage is busy while any is."""
        if self.live.in_flight == 0:
            self.busy_since = time.perf_counter()
        self.live.in_flight += 1
        try:
            yield
        finally:
            self.live.in_flight -= 1
            if self.live.in_flight == 0:
                self.seconds["generate"] += time.perf_counter() - self.busy_since

    def advance(self, state: ProblemState) -> None:
        """Ask for more traces while fewer than k can still verify and budget remains."""
        config = self.config
        assert self.group is not None
        while state.launched - state.failed < config.k and state.launched < config.budget:
            slot = choose_teacher(self.slots, state.problem.id, state.next_sample)
            n = min(slot.config.n, config.budget - state.launched)
            state.launched += n
            state.open += n
            self.group.create_task(self.attempt(state, slot, state.next_sample, n))
            state.next_sample += 1
        if state.open == 0 and not state.done:
            self.finish(state)

    async def attempt(self, state: ProblemState, slot: TeacherSlot, sample: int, n: int) -> None:
        problem = state.problem
        template = getattr(self.config.prompts, problem.domain)
        request = build_request(problem, slot, template, sample, n)
        key = request.key()
        with self.timed("store"):
            response = self.store.response(key)
        if response is None:
            with self.timed("store"):
                self.store.note_request(problem.id, request)
            try:
                with self.requesting():
                    response = await slot.teacher.complete(request)
            except TeacherError as error:
                self.store.save_error(key, str(error))
                self.errors.append(
                    RequestFailure(
                        teacher=slot.config.name,
                        problem_id=problem.id,
                        sample=sample,
                        message=str(error),
                    )
                )
                self.live.errors += 1
                self.lost(state, n)
                return
            with self.timed("store"):
                self.store.save_response(key, response)
            self.uses.append(
                RequestUse(slot.config.name, response.usage, False, len(response.completions))
            )
        else:
            self.uses.append(
                RequestUse(slot.config.name, response.usage, True, len(response.completions))
            )
            self.live.cached += 1
        self.live.tokens += response.usage.prompt_tokens + response.usage.completion_tokens
        with self.timed("parse"):
            completions = response.completions[:n]
            parsed = [parse(problem.domain, c.text, c.finish_reason) for c in completions]
            traces = make_traces(problem, request, response, parsed, prompt_hash(request.messages))
        with self.timed("store"):
            self.store.save_traces(traces)
        info = self.infos[problem.domain]
        for trace in traces:
            self.live.traces += 1
            stored = self.store.verdict(trace.id, info.key)
            if trace.format_error is not None:
                self.judged([(state, trace, format_verdict(trace, info))])
            elif stored is not None:
                self.judged([(state, trace, stored)])
            else:
                self.queues[problem.domain].put_nowait((state, trace))
        self.lost(state, n - len(traces))

    def lost(self, state: ProblemState, count: int) -> None:
        """Traces asked for that never came (a failed request, fewer choices than asked)."""
        state.failed += count
        state.open -= count
        self.advance(state)
        self.on_change(self.live)

    async def verify_loop(self, domain: str) -> None:
        """One verifier call at a time, on every trace that is ready, in a worker thread."""
        queue = self.queues[domain]
        verifier = self.verifiers[domain]
        while True:
            batch = [await queue.get()]
            while not queue.empty() and len(batch) < MAX_BATCH:
                batch.append(queue.get_nowait())
            jobs = [(state.problem, trace.candidate) for state, trace in batch]
            try:
                with self.timed(f"verify:{domain}"):
                    verdicts = await asyncio.to_thread(verifier.verify, jobs)
                if len(verdicts) != len(jobs):
                    raise ValueError(f"it returned {len(verdicts)} verdicts for {len(jobs)} traces")
            except Exception as error:  # a broken plugin or a lost sandbox judged no one
                for state, trace in batch:
                    self.unjudged(domain, state, trace, f"verifier {verifier.name}: {error}")
                continue
            results = list(zip(batch, verdicts, strict=True))
            self.judged([(s, t, v) for (s, t), v in results if v.judged])
            for (state, trace), verdict in results:
                if not verdict.judged:
                    self.unjudged(domain, state, trace, _could_not_judge(verdict))

    def unjudged(self, domain: str, state: ProblemState, trace: Trace, reason: str) -> None:
        """No verdict: judge it again a little later; after JUDGE_TRIES it stays pending (nothing
        stored, nothing charged to the problem) until the next run of this store."""
        self.tries[trace.id] += 1
        if self.tries[trace.id] < JUDGE_TRIES:
            delay = RETRY_SECONDS * 2 ** (self.tries[trace.id] - 1)
            retry = self.queues[domain].put_nowait
            asyncio.get_running_loop().call_later(delay, retry, (state, trace))
            return
        self.pending[trace.id] = reason
        state.open -= 1
        state.pending += 1
        self.live.pending += 1
        self.advance(state)
        self.on_change(self.live)

    def judged(self, results: Sequence[tuple[ProblemState, Trace, Verdict]]) -> None:
        """Commit verdicts with their records, then let each problem ask for more or finish."""
        records: list[Record] = []
        rows: list[tuple[str, str, Verdict]] = []
        for state, trace, verdict in results:
            info = self.infos[state.problem.domain]
            rows.append((trace.id, info.key, verdict))
            records.append(trace_record(state.problem, trace, verdict, info))
        with self.timed("store"):
            self.store.save_verdicts(rows, records)
        for (state, trace, verdict), record in zip(results, records, strict=True):
            state.judged.append((trace, verdict))
            state.records[trace.id] = record.id
            state.open -= 1
            if verdict.passed:
                state.verified += 1
                self.live.passed += 1
            else:
                state.failed += 1
                self.live.rejected[record.reason or verdict.status] += 1
            self.advance(state)
        self.on_change(self.live)

    def finish(self, state: ProblemState) -> None:
        """A problem with nothing left to ask: pair its verified and failed traces, unless some
        trace awaits its verdict (the pairs are made by the run that judges it)."""
        state.done = True
        info = self.infos[state.problem.domain]
        judged = [] if state.pending else state.judged
        records = [
            preference_record(state.problem, good, bad, info)
            for good, bad in preference_pairs(judged)
        ]
        with self.timed("store"):
            self.store.save_records(records)
        state.preferences = [record.id for record in records]
        self.live.problems_done += 1
        self.remaining -= 1
        if self.remaining == 0:
            self.finished.set()


def _could_not_judge(verdict: Verdict) -> str:
    """Why a verifier gave no verdict, in a line: its first piece of evidence, else its status."""
    if not verdict.evidence:
        return f"verifier {verdict.verifier}: {verdict.status}"
    evidence = verdict.evidence[0]
    return f"verifier {verdict.verifier}: {evidence.reason or evidence.outcome}".splitlines()[0]


async def run_pipeline(
    config: RunConfig,
    problems: Sequence[Problem],
    slots: Sequence[TeacherSlot],
    verifiers: dict[str, Verifier],
    infos: dict[str, VerifierInfo],
    store: Store,
    on_change: Callable[[Live], None] = lambda live: None,
) -> Outcome:
    """Generate, parse and verify until every problem has k verified traces or its budget."""
    store.add_problems(problems)
    return await _Run(config, problems, slots, verifiers, infos, store, on_change).run()
