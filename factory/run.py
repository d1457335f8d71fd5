"""One whole run: problems, teachers and verifiers up, the pipeline, the export and the stats."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from factory.config import ConfigError, RunConfig
from factory.export import write_datasets, write_reports
from factory.inject.output import write_corrections
from factory.inject.stage import inject_records, sources
from factory.inject.teacher_inject import teacher_mistakes
from factory.pipeline import Live, TeacherSlot, run_pipeline
from factory.records import VerifierInfo
from factory.stats import RunStats, summarize
from factory.store import Store
from factory.teachers.config import TeacherConfig
from factory.teachers.openai_teacher import OpenAITeacher
from factory.teachers.replay import ReplayTeacher
from problems import Problem, RowError, bundled_paths, load_problems
from verifiers.plugins import Verifier, load_verifier

OUTPUT = "output"  # the exported files, inside the run directory


def output_dir(config: RunConfig) -> Path:
    return config.run_dir / OUTPUT


def load_run_problems(config: RunConfig) -> tuple[list[Problem], int]:
    """The problems to run and the number of rows skipped; ids must be unique across files."""
    results = load_problems(config.problems or bundled_paths(), skip_invalid=config.skip_invalid)
    problems: list[Problem] = []
    seen: dict[str, Path] = {}
    for result in results:
        for problem in result.problems:
            if problem.id in seen:
                raise RowError(
                    result.path, 0, "id", f"'{problem.id}' is also a problem of {seen[problem.id]}"
                )
            seen[problem.id] = result.path
            problems.append(problem)
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


def open_verifiers(
    config: RunConfig, problems: Sequence[Problem]
) -> tuple[dict[str, Verifier], dict[str, VerifierInfo]]:
    """The configured verifier plugin of each domain present, with what provenance needs."""
    domains = sorted({problem.domain for problem in problems})
    verifiers: dict[str, Verifier] = {}
    infos: dict[str, VerifierInfo] = {}
    try:
        for domain in domains:
            choice = getattr(config.verifiers, domain)
            verifier = load_verifier(choice.name, choice.options)
            verifiers[domain] = verifier
            if verifier.domain != domain:
                raise ConfigError(
                    f"verifiers.{domain}.name: {choice.name!r} judges {verifier.domain} "
                    f"problems, not {domain}"
                )
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
    return verifiers, infos


async def execute(
    config: RunConfig,
    problems: Sequence[Problem],
    slots: Sequence[TeacherSlot],
    verifiers: tuple[dict[str, Verifier], dict[str, VerifierInfo]],
    on_change: Callable[[Live], None] = lambda live: None,
) -> RunStats:
    """Run the pipeline over `problems`, export, and return the stats (also in stats.json).
    Closes the teachers and verifiers it is given."""
    started = time.perf_counter()
    plugins, infos = verifiers
    out = output_dir(config)
    try:
        with Store(config.run_dir) as store:
            outcome = await run_pipeline(config, problems, slots, plugins, infos, store, on_change)
            injected = None
            if config.inject.enabled:
                injecting = time.perf_counter()
                records = list(store.records(outcome.record_ids()).values())
                options = (config.verifiers.math.options, config.verifiers.code.options)
                teacher_made = []
                if config.inject.teacher and slots:  # the first teacher makes mistakes too
                    verified = [s for s, _ in sources(records, {p.id: p for p in problems})]
                    first = slots[0]
                    teacher_made = await teacher_mistakes(
                        first.teacher, first.config.model, verified, options[0].get("workers")
                    )
                injected = inject_records(records, problems, config.inject, *options, teacher_made)
                outcome.seconds["inject"] = time.perf_counter() - injecting
            exporting = time.perf_counter()
            ids = outcome.record_ids()
            found = store.records(ids)
            counts = write_datasets([found[i] for i in ids], out, config.export)
            if injected is not None:
                counts |= write_corrections(injected, out, config.export)
    finally:
        for verifier in plugins.values():
            verifier.close()
        for slot in slots:
            await slot.teacher.close()
    stats = summarize(
        config,
        slots,
        outcome,
        counts,
        time.perf_counter() - exporting,
        time.perf_counter() - started,
    )
    if injected is not None:
        kinds = Counter(f"{row.origin}/{row.operator}" for row in injected.corrections)
        stats = stats.model_copy(update={"corrections": dict(sorted(kinds.items()))})
    write_reports(stats, out, config.export)
    return stats
