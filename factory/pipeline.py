"""generate -> parse -> verify, per problem until `k` traces verify or the budget is spent.

Requests go out concurrently; each response is committed to the store before it is parsed, and
parsed traces queue for their domain's verifier, which runs in a worker thread on whatever is
ready while generation goes on. Which teacher answers sample i of a prompt is a pure function
of (prompt, i), and sample i+1 is asked only once sample i's fate allows, so a rerun replays
the same requests from the store and continues where a killed run stopped. Problems that share
a prompt share its requests (asked once, committed once); their traces, verdicts and records are
their own. A window of problems is open at a time, so memory follows the window, not the run.
A problem that finished with every request answered leaves a mark naming the settings that
decided it; a rerun with the same settings takes it from the mark without replaying it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from factory.config import RunConfig
from factory.group_commit import GroupCommit
from factory.parse import parse
from factory.prompts import prompt_hash, render
from factory.record_order import RecordOrder
from factory.records import (
    Record,
    Trace,
    VerifierInfo,
    format_verdict,
    make_traces,
    preference_record,
    rejection_reason,
    trace_record,
    trace_record_id,
)
from factory.store import Store
from factory.teachers.base import (
    Message,
    Teacher,
    TeacherError,
    TeacherRefused,
    TeacherRequest,
    TeacherResponse,
    Usage,
)
from factory.teachers.config import TeacherConfig
from problems import Problem
from verifiers.plugins import Verifier
from verifiers.verdict import Verdict

MAX_BATCH = 64  # traces handed to one verifier call at most
OPEN_PER_REQUEST_SLOT = 16  # problems open at once, per request the teachers may have in flight
# A trace the verifier could not judge (an `error`, or the verifier raised) is tried again this
# many times in all, RETRY_SECONDS apart and doubling; then it waits, pending, for the next run.
JUDGE_TRIES = 3
RETRY_SECONDS = 1.0


@dataclass
class TeacherSlot:
    """A teacher and the config that names, weights, prices and tunes it."""

    teacher: Teacher
    config: TeacherConfig


@dataclass(slots=True)  # one per open problem: no per-instance dict
class ProblemState:
    problem: Problem
    index: int  # its place in the run's problems
    launched: int = 0  # traces asked for so far
    next_sample: int = 0
    failed: int = 0  # traces that failed, could not be parsed, or never came
    verified: int = 0
    open: int = 0  # traces asked for and not yet judged
    pending: int = 0  # traces the verifier could not judge in this run: no verdict, no failure
    done: bool = False
    errors: int = 0  # requests the teacher gave up on: asked again by a rerun
    judged: list[tuple[Trace, Verdict]] = field(default_factory=list)  # emptied once finished
    records: list[tuple[int, int, str]] = field(default_factory=list)  # (sample, completion, id)
    preferences: list[str] = field(default_factory=list)  # record ids
    requests: list[str] = field(default_factory=list)  # keys answered; emptied once finished


class Finished(BaseModel):
    """What a problem reached, stored once it is final, for a rerun with the same settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    launched: int
    failed: int
    verified: int
    records: list[tuple[int, int, str]]
    preferences: list[str]
    requests: list[str]
    rejected: dict[str, int]  # traces per rejection reason, for the progress display


@dataclass
class Uses:
    """The requests a run needed of one teacher, counted once however many problems share one:
    answered now (paid) or from the store (cached)."""

    requests: int = 0
    paid: int = 0
    paid_completions: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0

    def add(self, usage: Usage, completions: int, *, cached: bool) -> None:
        self.requests += 1
        self.paid += not cached
        self.paid_completions += 0 if cached else completions
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens
        self.reasoning_tokens += usage.reasoning_tokens


class RequestFailure(BaseModel):
    """A request the teacher gave up on after its retries; its traces count as failed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    teacher: str
    problem_id: str
    sample: int
    message: str
    kind: str  # the cause, as the teacher's `retried` counts its retries

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
    """Everything a run reached, for the summary and the export: counts, and the record ids
    in export order (spooled to a file), never a list that grows with the problems."""

    problems: Counter[tuple[str, str, str]]  # (domain, source, license) -> problems
    uses: dict[str, Uses]  # by teacher name
    errors: list[RequestFailure]
    verifiers: dict[str, VerifierInfo]
    seconds: dict[str, float]  # busy seconds by stage; generate: while any request was out
    order: RecordOrder
    pending: dict[str, str] = field(default_factory=dict)  # trace id -> why it was not judged

    def record_ids(self) -> Iterator[str]:
        """Export order: problems as loaded; traces by sample; preferences after them."""
        return iter(self.order)


def _in_order(judged: Sequence[tuple[Trace, Verdict]]) -> list[tuple[Trace, Verdict]]:
    return sorted(judged, key=lambda judgement: (judgement[0].sample, judgement[0].completion))


def choose_teacher(slots: Sequence[TeacherSlot], prompt: str, sample: int) -> TeacherSlot:
    """A weighted pick that depends only on (prompt hash, sample), so reruns ask the same
    teacher and problems that share a prompt share the request."""
    digest = hashlib.sha256(f"{prompt}\x00{sample}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64 * sum(s.config.weight for s in slots)
    for slot in slots:
        point -= slot.config.weight
        if point < 0:
            return slot
    return slots[-1]


def settings_digest(
    config: RunConfig, slots: Sequence[TeacherSlot], info: VerifierInfo, domain: str
) -> str:
    """A digest of everything besides the problem that decides its requests and verdicts."""
    decided = {
        "k": config.k,
        "budget": config.budget,
        "template": getattr(config.prompts, domain),
        "teachers": [
            {
                "name": s.config.name,
                "model": s.config.model,
                "weight": s.config.weight,
                "n": s.config.n,
                "sampling": s.config.sampling.model_dump(mode="json"),
            }
            for s in slots
        ],
        "verifier": info.key,
    }
    return hashlib.sha256(json.dumps(decided, sort_keys=True).encode()).hexdigest()


def build_request(
    messages: list[Message], slot: TeacherSlot, sample: int, n: int
) -> TeacherRequest:
    """Sample i of a prompt; a configured seed becomes seed + i, so samples differ."""
    sampling = slot.config.sampling
    if sampling.seed is not None:
        sampling = sampling.model_copy(update={"seed": sampling.seed + sample})
    return TeacherRequest(
        teacher=slot.config.name,
        model=slot.config.model,
        messages=messages,
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
        on_final: Callable[[ProblemState], None],
    ) -> None:
        self.config = config
        self.slots = slots
        self.verifiers = verifiers
        self.infos = infos
        self.store = store
        self.commit = GroupCommit(store)
        self.on_change = on_change
        self.on_final = on_final
        self.live = Live()
        self.uses: defaultdict[str, Uses] = defaultdict(Uses)
        self.problems: Counter[tuple[str, str, str]] = Counter()
        self.order = RecordOrder()
        self.errors: list[RequestFailure] = []
        self.tries: Counter[str] = Counter()  # trace id -> judgings that gave no verdict
        self.pending: dict[str, str] = {}
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.busy_since = 0.0  # when the requests now in flight started being in flight
        self.queues: dict[str, asyncio.Queue[tuple[ProblemState, Trace]]] = {
            domain: asyncio.Queue() for domain in verifiers
        }
        # A request is committed as sent only once its teacher has room for it.
        self.sending = {s.config.name: asyncio.Semaphore(s.config.concurrency) for s in slots}
        self.asking: dict[str, asyncio.Future[TeacherResponse | None]] = {}  # key -> answer
        self.used: set[int] = set()  # request keys already counted in `uses` (as `_short`)
        self.settings = {d: settings_digest(config, slots, i, d) for d, i in infos.items()}
        self.waiting = enumerate(problems)
        self.window = OPEN_PER_REQUEST_SLOT * sum(s.config.concurrency for s in slots)
        self.opened = 0
        self.total = self.remaining = len(problems)
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
                loops = [
                    group.create_task(self.verify_loop(domain))
                    for domain, verifier in self.verifiers.items()
                    for _ in range(getattr(verifier, "in_flight", 1))
                ]
                self.open_more()
                if self.remaining:
                    await self.finished.wait()
                for loop in loops:
                    loop.cancel()
        except ExceptionGroup as group_error:
            raise group_error.exceptions[0] from None
        self.seconds["store"] += self.commit.seconds
        return Outcome(
            self.problems,
            dict(self.uses),
            self.errors,
            self.infos,
            dict(self.seconds),
            self.order,
            self.pending,
        )

    def open_more(self) -> None:
        """Start problems, in order, while fewer than the window are open."""
        while self.opened - (self.total - self.remaining) < self.window:
            index, problem = next(self.waiting, (0, None))
            if problem is None:
                return
            self.opened += 1
            self.problems[problem.domain, problem.source, problem.license or "unknown"] += 1
            state = ProblemState(problem, index)
            if not self.replay(state):
                self.advance(state)

    def settled(self, problem: Problem) -> str:
        """The settings digest a problem's finished mark must carry to be taken as is."""
        text = self.settings[problem.domain] + problem.model_dump_json()
        return hashlib.sha256(text.encode()).hexdigest()

    def replay(self, state: ProblemState) -> bool:
        """Take a problem from its finished mark, when it has one under these settings."""
        body = self.store.finished(state.problem.id, self.settled(state.problem))
        if body is None:
            return False
        done = Finished.model_validate_json(body)
        uses = [
            (key, self.store.request_use(key))
            for key in done.requests
            if _short(key) not in self.used
        ]
        if any(stored is None for _, stored in uses):  # the mark outlived a response
            return False
        for key, stored in uses:
            assert stored is not None
            self.count_use(key, *stored, cached=True)
        state.launched, state.failed, state.verified = done.launched, done.failed, done.verified
        state.records = done.records
        state.preferences = done.preferences
        state.done = True
        self.live.traces += len(done.records)
        self.live.passed += done.verified
        self.live.rejected.update(done.rejected)
        self.final(state)
        if self.remaining == 0:
            self.finished.set()
        return True

    def final(self, state: ProblemState) -> None:
        """A problem is final: its record ids take their place in the export order, and the run
        keeps nothing else of it."""
        ids = [record_id for _, _, record_id in sorted(state.records)] + state.preferences
        self.order.add(state.index, state.problem.id, ids)
        self.on_final(state)
        self.live.problems_done += 1
        self.on_change(self.live)
        self.remaining -= 1

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
            messages = render(state.problem, getattr(config.prompts, state.problem.domain))
            slot = choose_teacher(self.slots, prompt_hash(messages), state.next_sample)
            n = min(slot.config.n, config.budget - state.launched)
            state.launched += n
            state.open += n
            request = build_request(messages, slot, state.next_sample, n)
            self.group.create_task(self.attempt(state, slot, request))
            state.next_sample += 1
        if state.open == 0 and not state.done:
            state.done = True
            self.group.create_task(self.finish(state))

    async def attempt(
        self, state: ProblemState, slot: TeacherSlot, request: TeacherRequest
    ) -> None:
        problem = state.problem
        n = request.n
        key = request.key()
        response = await self.answer(state, slot, request, key)
        if response is None:
            state.errors += 1
            self.lost(state, n)
            return
        state.requests.append(key)
        with self.timed("parse"):
            completions = response.completions[:n]
            parsed = [parse(problem.domain, c.text, c.finish_reason) for c in completions]
            traces = make_traces(problem, request, response, parsed, prompt_hash(request.messages))
        info = self.infos[problem.domain]
        ready: list[tuple[ProblemState, Trace, Verdict, bool]] = []
        fresh: list[Trace] = []
        for trace in traces:
            self.live.traces += 1
            with self.timed("store"):
                stored = self.store.verdict(trace.id, info.key)
            if stored is not None:  # committed with its trace and its record
                ready.append((state, trace, stored, True))
            else:
                fresh.append(trace)
        if fresh:
            await self.commit(lambda: self.store.save_traces(fresh))
        for trace in fresh:
            if trace.format_error is not None:
                ready.append((state, trace, format_verdict(trace, info), False))
            else:
                self.queues[problem.domain].put_nowait((state, trace))
        if ready:
            await self.judged(ready)
        self.lost(state, n - len(traces))

    async def answer(
        self, state: ProblemState, slot: TeacherSlot, request: TeacherRequest, key: str
    ) -> TeacherResponse | None:
        """The response to `request`: shared with the problem already asking it, if any; None
        when the teacher gave up."""
        asked = self.asking.get(key)
        if asked is not None:
            return await asked
        future: asyncio.Future[TeacherResponse | None] = asyncio.get_running_loop().create_future()
        self.asking[key] = future
        try:
            response = await self.fetch(state, slot, request, key)
        except BaseException:
            future.cancel()  # the run is failing: whoever shares the request stops too
            raise
        finally:
            del self.asking[key]
        future.set_result(response)
        return response

    async def fetch(
        self, state: ProblemState, slot: TeacherSlot, request: TeacherRequest, key: str
    ) -> TeacherResponse | None:
        """From the store, else from the teacher, committed before anyone uses it."""
        with self.timed("store"):
            response = self.store.response(key)
        cached = response is not None
        if response is None:
            async with self.sending[slot.config.name]:
                await self.commit(lambda: self.store.note_request(state.problem.id, request))
                try:
                    with self.requesting():
                        answered = await slot.teacher.complete(request)
                except TeacherRefused:
                    raise  # no request to this endpoint can succeed: the run stops
                except TeacherError as error:
                    message = str(error)
                    await self.commit(lambda: self.store.save_error(key, message))
                    self.errors.append(
                        RequestFailure(
                            teacher=slot.config.name,
                            problem_id=state.problem.id,
                            sample=request.sample,
                            message=message,
                            kind=error.kind,
                        )
                    )
                    self.live.errors += 1
                    return None
                await self.commit(lambda: self.store.save_response(key, answered))
                response = answered
        if _short(key) not in self.used:
            self.count_use(
                key, slot.config.name, response.usage, len(response.completions), cached=cached
            )
        return response

    def count_use(
        self, key: str, teacher: str, usage: Usage, completions: int, *, cached: bool
    ) -> None:
        """A request this run needed, counted once however many problems share it."""
        self.used.add(_short(key))
        self.uses[teacher].add(usage, completions, cached=cached)
        self.live.cached += cached
        self.live.tokens += usage.prompt_tokens + usage.completion_tokens

    def lost(self, state: ProblemState, count: int) -> None:
        """Traces asked for that never came (a failed request, fewer choices than asked)."""
        state.failed += count
        state.open -= count
        self.advance(state)
        self.on_change(self.live)

    async def verify_loop(self, domain: str) -> None:
        """One verifier call at a time, on every trace that is ready, in a worker thread (a
        verifier with `in_flight` = n gets n such loops: a cluster's executor)."""
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
            judged = [(s, t, v, False) for (s, t), v in results if v.judged]
            if judged:
                await self.judged(judged)
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

    async def judged(self, results: Sequence[tuple[ProblemState, Trace, Verdict, bool]]) -> None:
        """Commit new verdicts with their records (a stored one has its record already), then
        let each problem ask for more or finish."""
        records: list[Record] = []
        rows: list[tuple[str, str, Verdict]] = []
        ids: list[str] = []
        for state, trace, verdict, stored in results:
            info = self.infos[state.problem.domain]
            if stored:
                ids.append(trace_record_id(trace.id, verdict, info))
                continue
            record = trace_record(state.problem, trace, verdict, info)
            rows.append((trace.id, info.key, verdict))
            records.append(record)
            ids.append(record.id)
        if rows:
            await self.commit(lambda: self.store.save_verdicts(rows, records))
        for (state, trace, verdict, _), record_id in zip(results, ids, strict=True):
            state.judged.append((trace, verdict))
            state.records.append((trace.sample, trace.completion, record_id))
            state.open -= 1
            if verdict.passed:
                state.verified += 1
                self.live.passed += 1
            else:
                state.failed += 1
                self.live.rejected[rejection_reason(verdict)] += 1
            self.advance(state)
        self.on_change(self.live)

    async def finish(self, state: ProblemState) -> None:
        """A problem with nothing left to ask: pair its verified and failed traces (unless some
        trace awaits its verdict: the run that judges it makes the pairs), forget the traces
        (their records are stored) and let the next problem in."""
        info = self.infos[state.problem.domain]
        judged = [] if state.pending else state.judged
        records = [
            preference_record(state.problem, good, bad, info)
            for good, bad in preference_pairs(judged)
        ]
        state.preferences = [record.id for record in records]
        done = Finished(
            launched=state.launched,
            failed=state.failed,
            verified=state.verified,
            records=sorted(state.records),
            preferences=state.preferences,
            requests=state.requests,
            rejected=Counter(rejection_reason(v) for _, v in state.judged if not v.passed),
        )
        settled = self.settled(state.problem)

        def write() -> None:
            self.store.save_records(records)
            # A rerun asks a failed request again and judges a pending trace: no mark then.
            if state.errors == 0 and state.pending == 0:
                self.store.save_finished(state.problem.id, settled, done.model_dump_json())

        await self.commit(write)
        self.final(state)
        self.open_more()
        if self.remaining == 0:
            self.finished.set()


async def run_pipeline(
    config: RunConfig,
    problems: Sequence[Problem],
    slots: Sequence[TeacherSlot],
    verifiers: dict[str, Verifier],
    infos: dict[str, VerifierInfo],
    store: Store,
    on_change: Callable[[Live], None] = lambda live: None,
    on_final: Callable[[ProblemState], None] = lambda state: None,
) -> Outcome:
    """Generate, parse and verify until every problem has k verified traces or its budget;
    `on_final` sees each problem's state once it is final (then the run forgets it)."""
    store.add_problems(problems)
    return await _Run(config, problems, slots, verifiers, infos, store, on_change, on_final).run()


def _short(key: str) -> int:
    """A request key (a sha256 hex digest) as the int of its first 16 hex digits, so a set of a
    million stays small; two of a million keys collide with odds of 3e-8, and a collision
    would only count one request too few in the summary."""
    return int(key[:16], 16)


def _could_not_judge(verdict: Verdict) -> str:
    """Why a verifier gave no verdict, in a line: its first piece of evidence, else its status."""
    if not verdict.evidence:
        return f"verifier {verdict.verifier}: {verdict.status}"
    evidence = verdict.evidence[0]
    return f"verifier {verdict.verifier}: {evidence.reason or evidence.outcome}".splitlines()[0]
