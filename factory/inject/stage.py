"""The inject stage: corrected-mistake examples from a run's verified records (and real ones from
its rejected programs), within the per-trace cap and the share of the dataset the run's config
allows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack
from itertools import zip_longest
from typing import Any

from factory.inject.code_inject import inject_code
from factory.inject.controls import allowed, select
from factory.inject.dedup import distinct
from factory.inject.math_inject import inject_math
from factory.inject.model import Correction, InjectConfig, Source
from factory.inject.output import Injected, exported
from factory.inject.real import Failure, real_code, real_math
from factory.parse import parse_code
from factory.records import Record
from problems import CodeProblem, Problem
from sandbox import get_sandbox
from sandbox.docker_backend import DEFAULT_IMAGE
from verifiers.math import trace_pool

BATCH = 16  # traces injected between two progress reports


def sources(
    records: Iterable[Record], problems: Mapping[str, Problem]
) -> list[tuple[Source, Record]]:
    """Each verified record as what injection works on: the solution text, or the program."""
    found = []
    for record in records:
        problem = problems.get(record.problem_id)
        if record.kind != "verified" or problem is None or not record.provenance:
            continue
        text = record.messages[-1].content
        candidate = text if problem.domain == "math" else parse_code(text).code
        if candidate is not None:
            found.append((Source(record.provenance[0].trace_id, problem, candidate), record))
    return found


def failures(records: Iterable[Record], problems: Mapping[str, Problem]) -> list[Failure]:
    """Each rejected record with a solution or a program: a real mistake to correct."""
    found = []
    for record in records:
        problem = problems.get(record.problem_id)
        if record.kind != "rejected" or problem is None:
            continue
        text = record.messages[-1].content
        program = parse_code(text).code if isinstance(problem, CodeProblem) else text
        verdict = record.verdicts[-1] if record.verdicts else None
        if program is not None and verdict is not None and record.provenance:
            found.append(Failure(record.provenance[0].trace_id, problem, program, verdict))
    return found


def spread(verified: Sequence[Source]) -> list[Source]:
    """Traces in the order injection takes them: domains alternating, and within a domain
    every problem's first trace before any problem's second, so a capped share still covers
    the domains and problems."""
    by_domain: dict[str, list[tuple[int, int, Source]]] = {}
    seen: dict[str, int] = {}
    for position, source in enumerate(verified):
        rank = seen.get(source.problem.id, 0)
        seen[source.problem.id] = rank + 1
        by_domain.setdefault(source.problem.domain, []).append((rank, position, source))
    ordered = [[item[2] for item in sorted(group)] for group in by_domain.values()]
    return [source for row in zip_longest(*ordered) for source in row if source is not None]


def inject(
    verified: Sequence[Source],
    settings: InjectConfig,
    math_options: Mapping[str, Any],
    code_options: Mapping[str, Any],
    rejected: Sequence[Failure] = (),
    teacher_made: Sequence[Correction] = (),
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> list[Correction]:
    """Corrections for the verified traces, kept within the per-trace cap and the share;
    `on_progress(done, total)` hears of every batch of traces injected.

    Real mistakes (`rejected` traces a verified one corrects) come first, then `teacher_made`
    ones; when the share allows
    fewer corrections than the traces could give, only as many traces are injected as it takes
    (in `spread` order, more if some yield nothing)."""
    budget = allowed(len(verified), settings.share, len(verified) * settings.per_trace)
    waiting = spread(verified)
    total = min(len(waiting), budget)
    done = 0
    on_progress(0, total)
    domains = {source.problem.domain for source in waiting}
    made: list[Correction] = []
    kept = 0
    with ExitStack() as stack:
        workers = math_options.get("workers")
        pool = stack.enter_context(trace_pool(workers)) if "math" in domains else None
        backend = code_options.get("backend", "auto")
        image = code_options.get("image", DEFAULT_IMAGE)
        sandbox = (
            stack.enter_context(get_sandbox(backend, image=image)) if "code" in domains else None
        )
        if pool is not None and rejected:
            made.extend(
                real_math(rejected, [s for s in verified if s.problem.domain == "math"], pool)
            )
        made.extend(teacher_made)
        if sandbox is not None and rejected:
            code = [s for s in verified if s.problem.domain == "code"]
            workers, examples = int(code_options.get("workers", 2)), code_options.get("examples")
            made.extend(real_code(rejected, code, sandbox, workers, int(examples or 100)))
        kept = len(select(distinct(made), len(verified), settings.share, settings.per_trace))
        while waiting and kept < budget:
            chunk, waiting = waiting[: budget - kept], waiting[budget - kept :]
            by_math: list[Correction] = []  # the chunk's math corrections before its code ones
            by_code: list[Correction] = []
            for start in range(0, len(chunk), BATCH):
                batch = chunk[start : start + BATCH]
                math = [s for s in batch if s.problem.domain == "math"]
                code = [s for s in batch if s.problem.domain == "code"]
                if pool is not None and math:
                    by_math.extend(inject_math(math, pool, settings.per_trace))
                if sandbox is not None and code:
                    workers = int(code_options.get("workers", 2))
                    examples = int(code_options.get("examples", 100))
                    by_code.extend(
                        inject_code(
                            code, sandbox, settings.per_trace, workers=workers, examples=examples
                        )
                    )
                done += len(batch)
                on_progress(min(done, total), total)
            made.extend(by_math + by_code)
            kept = len(select(distinct(made), len(verified), settings.share, settings.per_trace))
    on_progress(total, total)
    return select(distinct(made), len(verified), settings.share, settings.per_trace)


def inject_records(
    records: Iterable[Record],
    problems: Iterable[Problem],
    settings: InjectConfig,
    math_options: Mapping[str, Any],
    code_options: Mapping[str, Any],
    teacher_made: Sequence[Correction] = (),
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> Injected:
    """The whole stage over a run's records (read once, as the store streams them): inject,
    select (with `teacher_made` corrections, made beforehand when the run asks its teacher for
    mistakes), and shape for export; `on_progress(done, total)` hears of every batch."""
    by_id = {p.id: p for p in problems}
    verified: list[tuple[Source, Record]] = []
    rejected: list[Failure] = []
    for record in records:
        verified.extend(sources([record], by_id))
        rejected.extend(failures([record], by_id))
    made = inject(
        [source for source, _ in verified],
        settings,
        math_options,
        code_options,
        rejected,
        teacher_made,
        on_progress,
    )
    return exported(made, {source.trace_id: record for source, record in verified})
