"""`factory synthesize [SEEDS...] -o synthesized.jsonl`: new verified problems from seed problems.

No seeds: the bundled set. No endpoint (`--base-url` or OPENAI_BASE_URL): the replay teacher's
bundled synthesis transcripts, on the seeds they cover. Every response goes through the run
store in `--run-dir`: rerun after a crash and nothing is paid twice.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from factory.pipeline import TeacherSlot
from factory.run_lock import RunLocked
from factory.store import Store, StoreUnusable
from factory.synthesis.export import Candidate, write
from factory.synthesis.model import Decision, Solver, SynthesisSettings
from factory.synthesis.near_dup import NearDuplicates
from factory.synthesis.replay import SynthesisReplay
from factory.synthesis.solvers import solver_slots
from factory.synthesis.stage import Asker, Seed, synthesize_code, synthesize_math
from factory.teachers.base import Teacher
from factory.teachers.config import TeacherConfig
from factory.teachers.openai_teacher import OpenAITeacher
from problems import CodeProblem, MathProblem, Problem, bundled_paths, load_problems
from sandbox import BACKEND_NAMES, SandboxUnavailable, get_sandbox
from verifiers.math import answer_pool, trace_pool

err = Console(stderr=True)
DEFAULTS = SynthesisSettings()


def _teacher(base_url: str | None, model: str) -> TeacherSlot:
    """The endpoint, or the replay transcripts named as the run's replay teacher is, so that the
    solutions asked here are the run's own samples of the kept problems."""
    url = base_url or os.environ.get("OPENAI_BASE_URL")
    if not url:
        return TeacherSlot(SynthesisReplay(), TeacherConfig(name="replay", model="replay"))
    config = TeacherConfig(name="synthesize", model=model, base_url=url)
    return TeacherSlot(OpenAITeacher(config), config)


def _seeds(problems: Sequence[Problem], teacher: Teacher, domain: type[Problem]) -> list[Seed]:
    chosen = [p for p in problems if isinstance(p, domain)]
    if isinstance(teacher, SynthesisReplay):
        chosen = [p for p in chosen if teacher.covers(p.statement)]
    return [Seed(p.id, p.statement) for p in chosen]


async def _synthesize(
    problems: Sequence[Problem],
    slot: TeacherSlot,
    settings: SynthesisSettings,
    run_dir: Path,
    backend: str,
    domains: set[str],
) -> list[tuple[Candidate | None, Decision]]:
    results: list[tuple[Candidate | None, Decision]] = []
    try:
        with Store(run_dir) as store:
            solvers = solver_slots(settings.solvers, slot, None)  # one endpoint: temperatures
            asker = Asker(store, slot, solvers=solvers)
            known = NearDuplicates()
            for problem in problems:
                known.add(problem.id, problem.statement)
            if "math" in domains:
                seeds = _seeds(problems, slot.teacher, MathProblem)
                with answer_pool(2) as answers, trace_pool(2) as traces:
                    results += await synthesize_math(seeds, asker, settings, known, answers, traces)
            if "code" in domains:
                seeds = _seeds(problems, slot.teacher, CodeProblem)
                with get_sandbox(backend) as sandbox:
                    results += await synthesize_code(seeds, asker, settings, known, sandbox)
    finally:
        await slot.teacher.close()
    return results


def synthesize(
    seeds: Annotated[
        list[Path] | None, typer.Argument(help="Problem files (default: the bundled set).")
    ] = None,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Kept problems, in our loader format.")
    ] = Path("synthesized.jsonl"),
    rejected: Annotated[
        Path | None,
        typer.Option(
            "--rejected", help="Rejections (default: synthesis_rejected.jsonl beside -o)."
        ),
    ] = None,
    run_dir: Annotated[
        Path, typer.Option("--run-dir", help="Run store: resume here without paying twice.")
    ] = Path("runs/synthesize"),
    domain: Annotated[str, typer.Option("--domain", help="math, code or all.")] = "all",
    per_seed: Annotated[
        int, typer.Option("--per-seed", min=1, help="New problems asked per seed.")
    ] = DEFAULTS.per_seed,
    depth: Annotated[
        int, typer.Option("--depth", min=1, max=5, help="Operators composed at most.")
    ] = DEFAULTS.depth,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="OpenAI-compatible /v1 URL (else replay).")
    ] = None,
    model: Annotated[str, typer.Option("--model", help="Model name at the endpoint.")] = "default",
    backend: Annotated[
        str, typer.Option("--backend", help=f"Sandbox for code: {', '.join(BACKEND_NAMES)}.")
    ] = "auto",
    solver_temperature: Annotated[
        list[float] | None,
        typer.Option(
            "--solver-temperature",
            min=0,
            max=2,
            help="Independent solutions in turn at these temperatures (repeat the option).",
        ),
    ] = None,
) -> None:
    """Make new problems from seeds; keep only those proven (math: agreeing solutions with no
    refuted step; code: a reference passing strong tests and an agreeing independent solution)."""
    domains = {"math", "code"} if domain == "all" else {domain}
    if not domains <= {"math", "code"}:
        err.print(f"[red]error:[/red] --domain must be math, code or all, not {escape(domain)}")
        raise typer.Exit(2)
    loaded = load_problems(seeds or bundled_paths())
    problems = [problem for result in loaded for problem in result.problems]
    solvers = [Solver(temperature=t) for t in solver_temperature or []]
    settings = SynthesisSettings(per_seed=per_seed, depth=depth, solvers=solvers)
    slot = _teacher(base_url, model)
    try:
        results = asyncio.run(_synthesize(problems, slot, settings, run_dir, backend, domains))
    except (RunLocked, StoreUnusable, SandboxUnavailable) as error:
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(1) from error
    rejected = rejected or output.with_name("synthesis_rejected.jsonl")
    kept, refused = write(results, output, rejected)
    _summary(results, kept, refused, output, rejected)


def _summary(
    results: list[tuple[Any, Decision]], kept: int, refused: int, output: Path, rejected: Path
) -> None:
    reasons = Counter(d.reason for _, d in results if d.status == "rejected")
    unjudged = sum(d.status == "unjudged" for _, d in results)
    by_reason = ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items()))
    err.print(f"{len(results)} candidates: {kept} kept -> {output}; {refused} rejected "
              f"({by_reason}) -> {rejected}", highlight=False)  # fmt: skip
    if unjudged:
        err.print(f"{unjudged} could not be judged (sandbox or worker failure): rerun")
        raise typer.Exit(3)
