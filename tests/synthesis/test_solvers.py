"""Several teachers and temperatures write a new problem's independent solutions, in turn, each
through the run store; a solver naming no configured teacher is a config error."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from factory.config import RunConfig
from factory.pipeline import TeacherSlot
from factory.store import Store
from factory.synthesis.model import Decision, MathCandidate, Solver, SynthesisSettings
from factory.synthesis.near_dup import NearDuplicates
from factory.synthesis.solvers import solver_slots
from factory.synthesis.stage import Asker, synthesize_math
from factory.teachers.config import TeacherConfig
from factory.teachers.openai_teacher import OpenAITeacher
from tests.factory.fake_openai import FakeOpenAI, Reply, completion
from tests.synthesis.labelled_math import ORCHARD, ORCHARD_RIGHT
from tests.synthesis.test_stage import SEEDS, Endpoint
from verifiers.math import WorkerPool

SETTINGS = SynthesisSettings(
    operators=["evol-breadth"],
    per_seed=1,
    solutions=4,
    solvers=[Solver(), Solver(teacher="second", temperature=1.0)],
)


def _solver(body: dict[str, Any]) -> Reply:
    """The second teacher only solves."""
    assert ORCHARD in body["messages"][-1]["content"]
    return Reply(body=completion(ORCHARD_RIGHT[0]))


def _run(
    run_dir: Path, urls: tuple[str, str], answers: WorkerPool, traces: WorkerPool
) -> tuple[list[tuple[MathCandidate | None, Decision]], Asker]:
    configs = [
        TeacherConfig(name=name, model="m", base_url=url, api_key="k")
        for name, url in zip(("first", "second"), urls, strict=True)
    ]

    async def go() -> tuple[list[tuple[MathCandidate | None, Decision]], Asker]:
        slots = [TeacherSlot(OpenAITeacher(c, backoff_seconds=0.01), c) for c in configs]
        try:
            with Store(run_dir) as store:
                named = {slot.config.name: slot for slot in slots}
                solvers = solver_slots(SETTINGS.solvers, slots[0], named)
                asker = Asker(store, slots[0], solvers=solvers)
                known = NearDuplicates()
                for seed in SEEDS:
                    known.add(seed.id, seed.statement)
                results = await synthesize_math(SEEDS, asker, SETTINGS, known, answers, traces)
                return results, asker
        finally:
            for slot in slots:
                await slot.teacher.close()

    return asyncio.run(go())


def test_solutions_are_asked_of_each_solver_in_turn_and_resume_from_the_store(
    tmp_path: Path, answers_pool: WorkerPool, traces_pool: WorkerPool
) -> None:
    with FakeOpenAI(Endpoint()) as first, FakeOpenAI(_solver) as second:
        results, asker = _run(tmp_path, (first.url, second.url), answers_pool, traces_pool)
        [(kept, decision)] = [(c, d) for c, d in results if d.accepted]
        assert kept is not None and decision.votes == 5  # 4 solutions and the proposed answer
        assert kept.lineage.teacher == "first"
        assert kept.lineage.solvers == ["first@0.7", "second@1", "first@0.7", "second@1"]
        solved_second = [r for r in second.requests if ORCHARD in r["messages"][-1]["content"]]
        assert len(solved_second) == 2
        assert {r["temperature"] for r in solved_second} == {1.0}
        # the first teacher: two generations, its two solutions of the kept problem
        assert (len(first.requests), asker.asked) == (4, 6)

        _, again = _run(tmp_path, (first.url, second.url), answers_pool, traces_pool)
        assert (again.asked, again.reused) == (0, 6)
        assert (len(first.requests), len(second.requests)) == (4, 2)


def test_a_solver_must_name_a_configured_teacher() -> None:
    config = TeacherConfig(name="first", model="m", base_url="http://127.0.0.1:9/v1")
    slot = TeacherSlot(OpenAITeacher(config), config)
    with pytest.raises(ValueError, match="'second' is not a configured teacher"):
        solver_slots([Solver(teacher="second")], slot, {"first": slot})
    offline = solver_slots([Solver(teacher="second", temperature=0.1)], slot, None)
    assert offline[0].teacher is slot.teacher and offline[0].config.sampling.temperature == 0.1
    with pytest.raises(ValidationError, match="name no configured teacher: second"):
        RunConfig.model_validate(
            {
                "teachers": [config.model_dump()],
                "synthesize": {"solvers": [{"teacher": "second"}]},
            }
        )
