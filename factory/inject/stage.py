"""The inject stage: corrected-mistake examples from a run's verified records, within the
per-trace cap and the share of the dataset the run's config allows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack
from itertools import zip_longest
from typing import Any

from factory.inject.code_inject import inject_code
from factory.inject.controls import allowed, select
from factory.inject.math_inject import inject_math
from factory.inject.model import Correction, InjectConfig, Source
from factory.inject.output import Injected, exported
from factory.parse import parse_code
from factory.records import Record
from problems import Problem
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
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> list[Correction]:
    """Corrections for the verified traces, kept within the per-trace cap and the share;
    `on_progress(done, total)` hears of every batch of traces injected.

    When the share allows fewer corrections than the traces could give, only as many traces
    are injected as it takes (in `spread` order, more if some yield nothing)."""
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
            kept = len(select(made, len(verified), settings.share, settings.per_trace))
    on_progress(total, total)
    return select(made, len(verified), settings.share, settings.per_trace)


def inject_records(
    records: Iterable[Record],
    problems: Iterable[Problem],
    settings: InjectConfig,
    math_options: Mapping[str, Any],
    code_options: Mapping[str, Any],
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> Injected:
    """The whole stage over a run's records: inject, select, and shape for export."""
    verified = sources(records, {p.id: p for p in problems})
    made = inject(
        [source for source, _ in verified], settings, math_options, code_options, on_progress
    )
    return exported(made, {source.trace_id: record for source, record in verified})
