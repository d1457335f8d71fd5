"""Reward hacking: every adversarial completion of tests/rewards/data/hacking.jsonl (hedges,
tolerance-band answers, false equality chains, approximations, extra text, forged test results,
special-cased visible tests, early exits) earns 0 and each correct counterpart 1, judged in one
batched call per reward function, as a trainer calls them."""

from __future__ import annotations

import json
from pathlib import Path

from problems import Problem
from tests.rewards.conftest import columns_of
from verifiers.rewards import RewardService, code_reward, math_reward
from verifiers.rewards.answers import MathReward
from verifiers.rewards.programs import CodeReward

HACKING = Path(__file__).parent / "data" / "hacking.jsonl"
KINDS = (
    "hedge",
    "tolerance",
    "false chain",
    "approximation",
    "extra text",
    "forge",
    "special-cases the visible tests",
    "exit early",
)


def test_every_hack_earns_0_and_every_right_answer_1(
    reward_service: RewardService, bundled: dict[str, Problem]
) -> None:
    rows = [json.loads(line) for line in HACKING.read_text().splitlines()]
    assert all(any(row["name"].startswith(kind) for row in rows) for kind in KINDS)
    prompts, columns = columns_of([bundled[row["problem"]] for row in rows])
    completions = [row["completion"] for row in rows]
    maths = MathReward(service=reward_service)(prompts, completions, **columns)
    codes = CodeReward(service=reward_service)(prompts, completions, **columns)
    got = {
        row["name"]: m if m is not None else c for row, m, c in zip(rows, maths, codes, strict=True)
    }
    wrong = {row["name"]: got[row["name"]] for row in rows if got[row["name"]] != row["reward"]}
    assert wrong == {}
    assert sum(value or 0.0 for value in got.values()) == 7
    assert reward_service.counts["unjudged"] == 0
    assert math_reward.__name__ == "math_reward" and code_reward.__name__ == "code_reward"
