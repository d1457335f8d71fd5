"""One whole run: problems, teachers and verifiers up, the pipeline, the export and the stats."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from factory.card import write_reports
from factory.config import ConfigError, RunConfig
from factory.executors import open_executor
from factory.export import write_stored
from factory.filtered import FILTERED, FilteredRow, write_filtered
from factory.inject.model import Correction
from factory.inject.output import Injected, write_corrections
from factory.inject.stage import inject_records, sources
from factory.inject.teacher_inject import teacher_mistakes
from factory.pipeline import Live, Outcome, TeacherSlot, run_pipeline
from factory.preflight import preflight
from factory.publish import publish, staging
from factory.records import VerifierInfo
from factory.report_html import gather, write_report
from factory.review.drops import drop_reviewed, unrejected
from factory.stages.gates.decontaminate import Benchmarks, load_benchmarks
from factory.stages.gates.human import verify_human
from factory.stages.gates.model import GatesConfig, GatesReport
from factory.stages.gates.stage import Gates
from factory.stats import Exported, RunStats, summarize
from factory.store import Store
from factory.synthesis.counts import by_decision, by_operator
from factory.synthesis.export import Candidate, write
from factory.synthesis.model import Decision
from factory.synthesis.run_stage import kept, synthesize_for_run
from factory.teachers.config import TeacherConfig
from factory.teachers.openai_teacher import OpenAITeacher
from factory.teachers.replay import ReplayTeacher
from problems import (
    LoadResult,
    Problem,
    RowError,
    SpooledProblems,
    bundled_paths,
    read_file,
)
from sandbox import SandboxUnavailable
from verifiers.plugins import Verifier

OUTPUT = "output"  # the exported files, inside the run directory
SYNTHESIZED = "synthesized.jsonl"  # new problems kept, in our loader format
SYNTHESIS_REJECTED = "synthesis_rejected.jsonl"


def output_dir(config: RunConfig) -> Path:
    return config.run_dir / OUTPUT


def writable(out: Path) -> None:
    """Raise the OSError publishing would meet at the end: an output folder whose old files we
    may not replace, or a file where the folder should be."""
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(out))
    if out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(out))


def load_run_problems(config: RunConfig) -> tuple[SpooledProblems, int]:
    """The problems to run (spooled: memory does not grow with their number) and the number of
    rows skipped; ids must be unique across files."""
    results = [LoadResult(path) for path in config.problems or bundled_paths()]
    seen: dict[str, int] = {}  # problem id -> the index of its file in `results`

    def unique() -> Iterator[Problem]:
        for index, result in enumerate(results):
            for problem in read_file(result, skip_invalid=config.skip_invalid):
                first = seen.setdefault(problem.id, index)
                if first != index:
                    raise RowError(
                        result.path,
                        0,
                        "id",
                        f"'{problem.id}' is also a problem of {results[first].path}",
                    )
                yield problem

    problems = SpooledProblems(unique())
    return problems, sum(len(result.skipped) for result in results)


def build_teachers(config: RunConfig) -> list[TeacherSlot]:
    """The configured endpoints, or the offline replay teacher when none is configured."""
    if not config.teachers:
        replay = ReplayTeacher()
        return [TeacherSlot(replay, TeacherConfig(name=replay.name, model=replay.model))]
    return [TeacherSlot(OpenAITeacher(teacher), teacher) for teacher in config.teachers]


def _attribute(verifier: Verifier, name: str) -> str | None:
    value = getattr(verifier, name, None)
    return None if value is None else str(value)


@dataclass
class Verifiers:
    """The verifier of each domain that can run, what provenance needs of it, and the domains
    skipped (their verifier cannot start here or misjudged its canary) with why and the fix."""

    plugins: dict[str, Verifier]
    infos: dict[str, VerifierInfo]
    skipped: dict[str, str] = field(default_factory=dict)


def open_verifiers(config: RunConfig, problems: Sequence[Problem]) -> Verifiers:
    """The configured verifier plugin of each domain present, proven on its canary first."""
    domains = sorted({problem.domain for problem in problems})
    verifiers: dict[str, Verifier] = {}
    infos: dict[str, VerifierInfo] = {}
    skipped: dict[str, str] = {}
    executor = open_executor(config.executor)
    try:
        for domain in domains:
            choice = getattr(config.verifiers, domain)
            try:
                verifier = executor.load(domain, choice.name, choice.options)
            except SandboxUnavailable as error:
                skipped[domain] = str(error)
                continue
            verifiers[domain] = verifier
            if verifier.domain != domain:
                raise ConfigError(
                    f"verifiers.{domain}.name: {choice.name!r} judges {verifier.domain} "
                    f"problems, not {domain}"
                )
            failure = preflight(domain, verifier)
            if failure is not None:
                verifiers.pop(domain).close()
                skipped[domain] = failure
                continue
            expect = getattr(verifier, "expect", None)
            if expect is not None:
                expect([problem for problem in problems if problem.domain == domain])
            infos[domain] = VerifierInfo(
                name=verifier.name,
                version=verifier.version,
                sandbox_backend=_attribute(verifier, "backend"),
                sandbox_image=_attribute(verifier, "image_digest"),
            )
    except BaseException:
        for verifier in verifiers.values():
            verifier.close()
        raise
    return Verifiers(verifiers, infos, skipped)


def execute(
    config: RunConfig,
    problems: Sequence[Problem],
    slots: Sequence[TeacherSlot],
    verifiers: Verifiers,
    on_change: Callable[[Live], None] = lambda live: None,
    on_inject: Callable[[int, int], None] = lambda done, total: None,
) -> RunStats:
    """Run the pipeline over `problems` of the domains not skipped, export, and return the stats
    (also in stats.json). Closes the teachers and verifiers it is given. Only generation runs in
    an event loop; inject and export run in this thread, where Ctrl-C stops them at once, and
    the export is published whole or not at all."""
    started = time.perf_counter()
    if verifiers.skipped:
        problems = SpooledProblems(p for p in problems if p.domain not in verifiers.skipped)
    out = output_dir(config)
    try:
        store = Store(config.run_dir)
    except BaseException:  # another run holds it, or it is damaged: release the sandboxes
        for verifier in verifiers.plugins.values():
            verifier.close()
        raise
    with store:
        try:  # before any work: an output folder we may not write stops the run, as does a
            writable(out)  # benchmark file that cannot be read
            staged = staging(out)
            benchmarks = open_benchmarks(config.gates)
        except BaseException:
            for verifier in verifiers.plugins.values():
                verifier.close()
            raise
        generated = _generate(config, problems, slots, verifiers, store, on_change)
        outcome, teacher_made, synthesized, human = asyncio.run(generated)
        if synthesized:
            problems = SpooledProblems(chain(problems, kept(synthesized)))
        injected = None
        if config.inject.enabled:
            injecting = time.perf_counter()
            records = unrejected(store.iter_records(outcome.record_ids()), store.decisions())
            options = (config.verifiers.math.options, config.verifiers.code.options)
            injected = inject_records(
                records, problems, config.inject, *options, teacher_made, on_inject
            )
            outcome.seconds["inject"] = time.perf_counter() - injecting
        exporting = time.perf_counter()
        exported = Exported()
        counts, gated, injected = export_gated(
            config, store, lambda: export_ids(outcome, human), problems, benchmarks, exported,
            staged, injected,
        )  # fmt: skip
        facts = gather(store)
        if injected is not None:
            counts |= write_corrections(injected, staged, config.export)
        if config.synthesize is not None:
            made = write(synthesized, staged / SYNTHESIZED, staged / SYNTHESIS_REJECTED)
            counts |= {"synthesized": made[0], "synthesis_rejected": made[1]}
    stats = summarize(
        config,
        slots,
        outcome,
        exported,
        counts,
        time.perf_counter() - exporting,
        time.perf_counter() - started,
        verifiers.skipped,
        store.damaged,
    )
    if injected is not None:
        kinds = Counter(f"{row.origin}/{row.operator}" for row in injected.corrections)
        stats = stats.model_copy(update={"corrections": dict(sorted(kinds.items()))})
    if config.synthesize is not None:
        decided = {
            "synthesized": by_decision(synthesized),
            "synthesized_by_operator": by_operator(synthesized),
        }
        stats = stats.model_copy(update=decided)
    if gated is not None:
        stats = stats.model_copy(update={"gates": gated})
    write_reports(stats, staged, config.export)
    write_report(facts, stats, staged)
    publish(staged, out)
    return stats


def open_benchmarks(settings: GatesConfig) -> Benchmarks | None:
    """The decontamination index the run's gates check against, when they do."""
    if not (settings.enabled and settings.decontaminate.enabled):
        return None
    dedup = settings.dedup
    return load_benchmarks(settings.decontaminate, dedup.shingle, dedup.permutations)


def export_ids(outcome: Outcome, human: Mapping[str, str]) -> Iterator[str]:
    """Export order: each problem's traces by sample, its preferences, then its human solution."""
    for problem_id, ids in outcome.order.problems():
        yield from ids
        if problem_id in human:
            yield human[problem_id]


def export_gated(
    config: RunConfig,
    store: Store,
    ids: Callable[[], Iterator[str]],
    problems: Sequence[Problem],
    benchmarks: Benchmarks | None,
    exported: Exported,
    staged: Path,
    injected: Injected | None = None,
) -> tuple[dict[str, int], GatesReport | None, Injected | None]:
    """sft, rejected, preferences and filtered from the records `ids` names, read twice from
    the store with the gates on (once to decide, once to write what they keep); with them off,
    sft, rejected and preferences from one read. `exported` counts every judged trace, kept or
    not. The corrections of problems the gates leave out whole go too. Returns the rows per
    file, the gates' report and the corrections to write."""

    decisions = store.decisions()
    reviewed: list[FilteredRow] = []  # filled as the first read goes: a reviewer's rejections

    def stored(dropped: list[FilteredRow]) -> Iterator[dict[str, Any]]:
        return drop_reviewed(map(json.loads, store.record_bodies(ids())), decisions, dropped)

    formats, inline = config.export, config.inline_reasoning
    if not config.gates.enabled:
        counts = write_stored(exported.count(stored(reviewed)), staged, formats, inline)
        return counts | {FILTERED: write_filtered(reviewed, staged, formats)}, None, injected
    gates = Gates(config.gates, {p.id: p for p in problems}, benchmarks)
    decided = gates.decide(exported.count(stored(reviewed)))
    left_out = decided if injected is None else chain(decided, gates.corrections(injected))
    filtered = write_filtered(chain(left_out, reviewed), staged, formats)
    counts = write_stored(gates.keep(stored([])), staged, formats, inline)
    return counts | {FILTERED: filtered}, gates.report(), gates.corrected


async def _generate(
    config: RunConfig,
    problems: Sequence[Problem],
    slots: Sequence[TeacherSlot],
    verifiers: Verifiers,
    store: Store,
    on_change: Callable[[Live], None],
) -> tuple[
    Outcome, list[Correction], list[tuple[Candidate | None, Decision]], dict[str, str]
]:
    """New problems first (with `synthesize:`), the pipeline over them too, the problems' human
    solutions judged (with `gates: mix: human`), then (with `inject: teacher: true`) the first
    teacher's mistakes in the verified traces while the teachers are still open; its teachers
    and verifiers are closed as it ends, also when it is cancelled (Ctrl-C), which stops the
    sandbox runs still going."""
    try:
        synthesized: list[tuple[Candidate | None, Decision]] = []
        if config.synthesize is not None and slots:
            synthesized = await synthesize_for_run(
                config, config.synthesize, problems, slots, store, verifiers.skipped
            )
            problems = SpooledProblems(chain(problems, kept(synthesized)))
        outcome = await run_pipeline(
            config, problems, slots, verifiers.plugins, verifiers.infos, store, on_change
        )
        human: dict[str, str] = {}
        if config.gates.enabled and config.gates.mix.human:
            templates = {"math": config.prompts.math, "code": config.prompts.code}
            human = verify_human(problems, verifiers.plugins, verifiers.infos, templates, store)
        if not (config.inject.enabled and config.inject.teacher and slots):
            return outcome, [], synthesized, human
        records = unrejected(store.iter_records(outcome.record_ids()), store.decisions())
        verified = [source for source, _ in sources(records, {p.id: p for p in problems})]
        first = slots[0]
        workers = config.verifiers.math.options.get("workers")
        made = await teacher_mistakes(first.teacher, first.config.model, verified, workers)
        return outcome, made, synthesized, human
    finally:
        for verifier in verifiers.plugins.values():
            verifier.close()
        for slot in slots:
            await slot.teacher.close()
