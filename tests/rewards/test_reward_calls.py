"""TRL's calling convention: strings or message lists, gold from the row's columns, None for
rows another reward judges; partial credit; and a completion the verifiers could not judge is
never a 0: it is None (or raises) and is counted."""

from __future__ import annotations

import pytest

from problems import CodeProblem, Problem
from tests.rewards.conftest import columns_of
from verifiers.rewards import (
    CodeReward,
    MathReward,
    RewardService,
    RewardUnavailable,
    format_reward,
)

FENCE = "```python\n{}```"


def test_math_reward_reads_messages_columns_and_skips_other_rows(
    reward_service: RewardService, bundled: dict[str, Problem]
) -> None:
    prompts, columns = columns_of(
        [bundled["math/arithmetic-01"], bundled["math/fractions-01"], bundled["code/digital-root"]]
    )
    chat_prompts = [[{"role": "user", "content": prompt}] for prompt in prompts]
    completions = [
        [{"role": "assistant", "content": "So $150 - 114 = 36$ muffins: \\boxed{36}"}],
        [{"role": "assistant", "content": [{"type": "text", "text": "\\boxed{0.58}"}]}],
        [{"role": "assistant", "content": "\\boxed{36}"}],
    ]
    reward = MathReward(service=reward_service)
    assert reward(chat_prompts, completions, **columns) == [1.0, 0.0, None]
    # A MATH-style row: no `answer`, the gold is the boxed answer of `solution`.
    solution = ["Adding gives \\boxed{\\frac{7}{12}}."]
    assert reward(None, ["$\\frac{14}{24}$"], solution=solution) == [1.0]


def test_math_partial_credit_counts_proven_steps_and_refuted_steps_cost_the_answer(
    reward_service: RewardService,
) -> None:
    reward = MathReward(partial_credit=0.5, service=reward_service)
    completions = [
        "$19 \\cdot 6 = 114$\n$150 - 114 = 36$\n\\boxed{36}",  # right, every step proven
        "$19 \\cdot 6 = 114$\n$150 - 114 = 35$\n\\boxed{35}",  # wrong: one of two steps proven
        "$19 \\cdot 6 = 115$\n$150 - 114 = 36$\n\\boxed{36}",  # right answer, a refuted step
    ]
    assert reward(None, completions, answer=["36"] * 3) == [1.0, 0.25, 0.25]
    with pytest.raises(ValueError):
        MathReward(partial_credit=1.0)


def test_code_reward_all_or_nothing_or_the_share_passed(
    reward_service: RewardService, bundled: dict[str, Problem]
) -> None:
    problem = bundled["code/digital-root"]
    assert isinstance(problem, CodeProblem) and problem.reference_solution
    prompts, columns = columns_of([problem] * 3)
    half = "def digital_root(n):\n    return n if n < 10 else 0\n"
    completions = [FENCE.format(problem.reference_solution), FENCE.format(half), "no code"]
    assert CodeReward(service=reward_service)(prompts, completions, **columns) == [1.0, 0.0, 0.0]
    share = CodeReward(partial=True, service=reward_service)(prompts, completions, **columns)
    assert share[0] == 1.0 and 0.0 < (share[1] or 0) < 1.0 and share[2] == 0.0
    # MBPP-style gold: a list of asserts, no other column.
    asserts = [["assert digital_root(38) == 2", "assert digital_root(0) == 0"]]
    assert CodeReward(service=reward_service)(None, [completions[0]], tests=asserts) == [1.0]


def test_format_reward_wants_one_answer_or_one_program(bundled: dict[str, Problem]) -> None:
    prompts, columns = columns_of(
        [bundled["math/arithmetic-01"]] * 3 + [bundled["code/digital-root"]] * 2
    )
    completions = [
        "\\boxed{36}",
        "\\boxed{3} or \\boxed{6}",
        "no answer",
        FENCE.format("x = 1\n"),
        FENCE.format("def (:\n"),
    ]
    assert format_reward(prompts, completions, **columns) == [1.0, 0.0, 0.0, 1.0, 0.0]


def test_unjudged_math_is_none_or_raises_and_is_counted() -> None:
    service = RewardService(math_workers=1, batch_seconds=0.0)
    try:
        rewards = MathReward(service=service)(None, ["\\boxed{36}"] * 3, answer=["36"] * 3)
        assert rewards == [None, None, None]
        assert service.counts["unjudged"] == 3
        with pytest.raises(RewardUnavailable, match="time limit"):
            MathReward(service=service, on_error="raise")(None, ["\\boxed{1}"], answer=["1"])
        assert service.counts["unjudged"] == 4
    finally:
        service.close()


def test_unjudged_code_is_none_and_is_counted(bundled: dict[str, Problem]) -> None:
    service = RewardService(batch_seconds=0.0)
    try:
        prompts, columns = columns_of([bundled["code/digital-root"]] * 2)
        rewards = CodeReward(service=service)(prompts, ["x = 1", "y = 2"], **columns)
        assert rewards == [None, None]
        assert service.counts["unjudged: the batch's time limit was reached"] == 2
    finally:
        service.close()
