"""The math synthesize stage against a real local endpoint: candidates made, proven, decided;
a near-duplicate costs no solutions; a second run of the same store pays for nothing."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

from factory.pipeline import TeacherSlot
from factory.store import Store
from factory.synthesis.model import CodeCandidate, Decision, MathCandidate, SynthesisSettings
from factory.synthesis.near_dup import NearDuplicates
from factory.synthesis.stage import (
    Asker,
    Seed,
    synthesize_code,
    synthesize_math,
)
from factory.teachers.config import TeacherConfig
from factory.teachers.openai_teacher import OpenAITeacher
from sandbox import Sandbox
from tests.factory.fake_openai import FakeOpenAI, Reply, completion
from tests.synthesis.labelled_code import LABELLED as CODE_LABELLED
from tests.synthesis.labelled_math import ORCHARD, ORCHARD_RIGHT, sol
from verifiers.math import WorkerPool

BAKERY = (
    "A bakery bakes 150 muffins and packs them in boxes of 6. By noon it has sold 19 full boxes. "
    "How many muffins does the bakery still have?"
)
CYCLIST = "Priya cycles 18 kilometres on each of 5 weekdays. How far does she cycle in a week?"
REWORDED_BAKERY = BAKERY.replace("in boxes", "into boxes").replace("still have", "have left")
SEEDS = [Seed("math/bakery", BAKERY), Seed("math/cyclist", CYCLIST)]


def _fenced(statement: str, answer: str) -> str:
    return (
        "Here it is.\n```json\n" + json.dumps({"statement": statement, "answer": answer}) + "\n```"
    )


class Endpoint:
    """Writes a new problem per seed (the cyclist's is a reworded bakery: a near-duplicate) and
    answers solve prompts with the orchard's solutions in turn."""

    def __init__(self) -> None:
        self.solved = 0

    def __call__(self, body: dict[str, Any]) -> Reply:
        prompt = body["messages"][-1]["content"]
        if "Problem 1:" in prompt:
            if "Priya" in prompt:
                return Reply(body=completion(_fenced(REWORDED_BAKERY, "36")))
            return Reply(body=completion(_fenced(ORCHARD, "284")))
        assert ORCHARD in prompt
        self.solved += 1
        return Reply(body=completion(ORCHARD_RIGHT[self.solved % len(ORCHARD_RIGHT)]))


def _run(
    run_dir: Path, server: FakeOpenAI, answers: WorkerPool, traces: WorkerPool
) -> tuple[list[tuple[MathCandidate | None, Decision]], Asker]:
    settings = SynthesisSettings(operators=["evol-breadth"], per_seed=1, solutions=3)
    config = TeacherConfig(name="fake", model="fake-model", base_url=server.url, api_key="k")

    async def go() -> tuple[list[tuple[MathCandidate | None, Decision]], Asker]:
        teacher = OpenAITeacher(config, backoff_seconds=0.01)
        try:
            with Store(run_dir) as store:
                asker = Asker(store, TeacherSlot(teacher, config))
                known = NearDuplicates()
                for seed in SEEDS:
                    known.add(seed.id, seed.statement)
                results = await synthesize_math(SEEDS, asker, settings, known, answers, traces)
                return results, asker
        finally:
            await teacher.close()

    return asyncio.run(go())


def test_stage_proves_new_problems_and_resumes_without_paying_twice(
    tmp_path: Path, answers_pool: WorkerPool, traces_pool: WorkerPool
) -> None:
    with FakeOpenAI(Endpoint()) as server:
        results, asker = _run(tmp_path, server, answers_pool, traces_pool)
        decisions = {d.reason: (c, d) for c, d in results}
        assert set(decisions) == {None, "near-duplicate"}
        kept, decision = decisions[None]
        assert kept is not None and kept.statement == ORCHARD
        assert decision.accepted and decision.answer == "\\boxed{284}" and decision.votes == 4
        assert kept.lineage.parent_ids == ["math/bakery"]
        assert kept.lineage.operators == ["evol-breadth"]
        assert kept.lineage.teacher == "fake"
        # two generations and three solutions: the near-duplicate got none
        assert (asker.asked, asker.reused, len(server.requests)) == (5, 0, 5)

        again, asker = _run(tmp_path, server, answers_pool, traces_pool)
        assert (asker.asked, asker.reused, len(server.requests)) == (0, 5, 5)
        assert [d for _, d in again] == [d for _, d in results]


EVENS = CODE_LABELLED[5].candidate  # sum_evens: strong tests, every mutant killed
assert EVENS.tests.asserts is not None
WEAK_TESTS = "def check(candidate):\n    assert candidate([]) == 0\n"


STATEMENTS = {
    1: EVENS.statement,
    2: "Given a list of integers `nums`, add up only those divisible by two: `sum_evens(nums)`.",
}


class CodeEndpoint:
    """Writes sum_evens twice, once with strong tests and once (in other words: a near-duplicate
    would be rejected as one, whatever its tests) with weak ones (in arrival order), then a
    garbled reply; solves it with a correct program."""

    def __init__(self) -> None:
        self.generated = 0

    def __call__(self, body: dict[str, Any]) -> Reply:
        prompt = body["messages"][-1]["content"]
        if "Problem 1:" in prompt:
            self.generated += 1
            assert EVENS.tests.asserts is not None
            tests = {1: EVENS.tests.asserts.code, 2: WEAK_TESTS}.get(self.generated)
            if tests is None:
                return Reply(body=completion("I would rather not."))
            reply = {
                "statement": STATEMENTS[self.generated],
                "entry_point": "sum_evens",
                "signature": EVENS.starter_code,
                "reference": EVENS.reference,
                "tests": tests,
            }
            return Reply(body=completion("```json\n" + json.dumps(reply) + "\n```"))
        program = EVENS.independent[0]
        return Reply(body=completion("Clamp it.\n```python\n" + program + "```"))


def test_code_stage_keeps_strong_tests_and_rejects_weak_and_garbled(
    tmp_path: Path, auto_sandbox: Sandbox
) -> None:
    settings = SynthesisSettings(operators=["evol-breadth"], per_seed=3, independent=1)
    seeds = [Seed("code/seed", "Write `double(x)` returning twice the integer `x`.")]
    with FakeOpenAI(CodeEndpoint()) as server:
        config = TeacherConfig(name="fake", model="fake-model", base_url=server.url, api_key="k")

        async def go() -> list[tuple[CodeCandidate | None, Decision]]:
            teacher = OpenAITeacher(config, backoff_seconds=0.01)
            try:
                with Store(tmp_path) as store:
                    asker = Asker(store, TeacherSlot(teacher, config), concurrency=1)
                    return await synthesize_code(
                        seeds, asker, settings, NearDuplicates(), auto_sandbox
                    )
            finally:
                await teacher.close()

        results = asyncio.run(go())
    reasons = sorted(str(d.reason) for _, d in results)
    assert reasons == ["None", "unparseable", "weak-tests"], [d for _, d in results]
    [kept] = [(c, d) for c, d in results if d.accepted]
    assert kept[0] is not None and kept[0].independent and kept[1].mutation_score == 1.0


NUMERIC = {
    "statement": "An orchard has {rows} rows of {trees} apple trees. A storm knocks down {down} "
    "trees. How many apple trees are still standing?",
    "parameters": {"rows": [14, 17], "trees": [23, 31], "down": [38, 45]},
    "program": "import json\nv = json.load(open(0))\nprint(v['rows'] * v['trees'] - v['down'])\n",
}
ORCHARD_NUMBERS = re.compile(r"has (\d+) rows of (\d+) apple trees. A storm knocks down (\d+)")


class NumericEndpoint:
    """A parametrised orchard with a right program, then with a wrong one; solves any orchard."""

    def __init__(self) -> None:
        self.generated = 0

    def __call__(self, body: dict[str, Any]) -> Reply:
        prompt = body["messages"][-1]["content"]
        found = ORCHARD_NUMBERS.search(prompt)
        if found is None:
            self.generated += 1
            reply = dict(NUMERIC)
            if self.generated == 2:
                reply["program"] = "print(255)\n"
            return Reply(body=completion("```json\n" + json.dumps(reply) + "\n```"))
        rows, trees, down = map(int, found.groups())
        total = rows * trees
        return Reply(body=completion(sol(f"Trees: ${rows} \\cdot {trees} = {total}$.",
                                         f"Standing: ${total} - {down} = {total - down}$.",
                                         answer=str(total - down))))  # fmt: skip


def test_numeric_variation_checks_the_sandboxed_program(
    tmp_path: Path, answers_pool: WorkerPool, traces_pool: WorkerPool, auto_sandbox: Sandbox
) -> None:
    settings = SynthesisSettings(operators=["numeric-variation"], per_seed=2, solutions=3)
    with FakeOpenAI(NumericEndpoint()) as server:
        config = TeacherConfig(name="fake", model="fake-model", base_url=server.url, api_key="k")

        async def go() -> list[tuple[MathCandidate | None, Decision]]:
            teacher = OpenAITeacher(config, backoff_seconds=0.01)
            try:
                with Store(tmp_path) as store:
                    asker = Asker(store, TeacherSlot(teacher, config), concurrency=1)
                    return await synthesize_math(
                        SEEDS[:1], asker, settings, NearDuplicates(), answers_pool, traces_pool,
                        auto_sandbox,
                    )  # fmt: skip
            finally:
                await teacher.close()

        results = asyncio.run(go())
    by_reason = {d.reason: (c, d) for c, d in results}
    assert set(by_reason) == {None, "program-disagrees"}, [d for _, d in results]
    kept, decision = by_reason[None]
    assert kept is not None and "{" not in kept.statement and kept.proposed_answer is None
    assert decision.answer == f"\\boxed{{{kept.program_answer}}}"
    assert kept.lineage.operators == ["numeric-variation"]
    assert "255" in by_reason["program-disagrees"][1].detail
