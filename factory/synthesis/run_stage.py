"""`synthesize:` in a run: new problems proven first, then solved with the loaded ones.

Runs in the run's event loop and store, before the solve stage, with the run's first teacher
generating (or, offline, the replay transcripts under the replay teacher's name, so the
solutions asked here are the solve stage's cached samples) and `solvers` (any of the run's
teachers, at their temperatures) writing the independent solutions. Domains the run skipped
(no working verifier) are not synthesized either.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import nullcontext

from factory.config import RunConfig
from factory.pipeline import TeacherSlot
from factory.store import Store
from factory.synthesis.export import Candidate, kept_problem
from factory.synthesis.model import Decision, SynthesisSettings
from factory.synthesis.near_dup import NearDuplicates
from factory.synthesis.replay import SynthesisReplay
from factory.synthesis.solvers import solver_slots
from factory.synthesis.stage import Asker, Seed, synthesize_code, synthesize_math
from problems import CodeProblem, MathProblem, Problem
from sandbox import get_sandbox
from verifiers.math import answer_pool, trace_pool


def _seeds(problems: Sequence[Problem], domain: str, replay: SynthesisReplay | None) -> list[Seed]:
    chosen = [p for p in problems if p.domain == domain]
    if replay is not None:
        chosen = [p for p in chosen if replay.covers(p.statement)]
    return [Seed(p.id, p.statement) for p in chosen]


async def synthesize_for_run(
    config: RunConfig,
    settings: SynthesisSettings,
    problems: Sequence[Problem],
    slots: Sequence[TeacherSlot],
    store: Store,
    skipped: Mapping[str, str],
) -> list[tuple[Candidate | None, Decision]]:
    """Every candidate made from the run's problems, with its decision."""
    replay = SynthesisReplay() if not config.teachers else None
    generator = TeacherSlot(replay, slots[0].config) if replay else slots[0]
    named = None if replay else {slot.config.name: slot for slot in slots}
    solvers = solver_slots(settings.solvers, generator, named)
    asker = Asker(store, generator, solvers=solvers)
    known = NearDuplicates()
    for problem in problems:
        known.add(problem.id, problem.statement)
    results: list[tuple[Candidate | None, Decision]] = []
    backend = str(config.verifiers.code.options.get("backend", "auto"))
    numeric = "numeric-variation" in settings.operators
    math_seeds = _seeds(problems, "math", replay) if "math" not in skipped else []
    if math_seeds:
        workers = config.verifiers.math.options.get("workers")
        programs = get_sandbox(backend) if numeric else nullcontext()
        with answer_pool(workers) as answers, trace_pool(workers) as traces, programs as sandbox:
            results += await synthesize_math(
                math_seeds, asker, settings, known, answers, traces, sandbox
            )
    code_seeds = _seeds(problems, "code", replay) if "code" not in skipped else []
    if code_seeds:
        with get_sandbox(backend) as sandbox:
            results += await synthesize_code(code_seeds, asker, settings, known, sandbox)
    return results


def kept(results: Sequence[tuple[Candidate | None, Decision]]) -> list[MathProblem | CodeProblem]:
    """The accepted candidates as problems for the solve stage."""
    return [kept_problem(c, d) for c, d in results if d.accepted and c is not None]
