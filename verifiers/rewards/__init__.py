"""Our verifiers as RL rewards: TRL reward functions (`math_reward`, `code_reward`,
`format_reward`; `(prompts, completions, **columns) -> list[float | None]`) and verl's
`compute_score`, all judged in batches by one long-lived service per process."""

from verifiers.rewards.answers import MathReward, math_reward
from verifiers.rewards.columns import problem_columns
from verifiers.rewards.format import format_reward
from verifiers.rewards.programs import CodeReward, code_reward
from verifiers.rewards.service import RewardService, RewardUnavailable, shared_service
from verifiers.rewards.verl import compute_score, compute_score_batch

__all__ = [
    "CodeReward",
    "MathReward",
    "RewardService",
    "RewardUnavailable",
    "code_reward",
    "compute_score",
    "compute_score_batch",
    "format_reward",
    "math_reward",
    "problem_columns",
    "shared_service",
]
