"""verl's reward interface: `compute_score(data_source, solution_str, ground_truth, extra_info)`
(its naive reward manager, one completion a call) and `compute_score_batch` (its batch reward
manager, `reward_model.reward_manager=batch`, one call a batch). A string ground truth is a math
answer; a mapping (or its JSON) holding `tests` is a code problem, with `entry_point`,
`starter_code` and `reference_solution` beside them. verl wants a number for every completion,
so one the verifiers could not judge raises RewardUnavailable instead."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from verifiers.rewards.answers import MathReward
from verifiers.rewards.programs import CODE_COLUMNS, CodeReward
from verifiers.rewards.service import RewardService, RewardUnavailable


def _code_truth(ground_truth: Any) -> Mapping[str, Any] | None:
    if isinstance(ground_truth, str) and ground_truth.lstrip().startswith("{"):
        ground_truth = json.loads(ground_truth)
    if isinstance(ground_truth, Mapping) and "tests" in ground_truth:
        return ground_truth
    return None


def compute_score_batch(
    data_sources: Sequence[str],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Mapping[str, Any] | None] | None = None,
    service: RewardService | None = None,
    **_: Any,
) -> list[float]:
    """One score per completion, math and code rows judged in one batch each."""
    infos = list(extra_infos) if extra_infos is not None else [None] * len(solution_strs)
    code_rows = [_code_truth(truth) for truth in ground_truths]
    math_at = [i for i, code in enumerate(code_rows) if code is None]
    code_at = [i for i, code in enumerate(code_rows) if code is not None]
    scores: list[float | None] = [None] * len(solution_strs)
    if math_at:
        math = MathReward(on_error="raise", service=service)
        prompts = [(infos[i] or {}).get("question", "") for i in math_at]
        answers = [str(ground_truths[i]) for i in math_at]
        judged = math(prompts, [solution_strs[i] for i in math_at], answer=answers)
        for index, score in zip(math_at, judged, strict=True):
            scores[index] = score
    if code_at:
        code = CodeReward(on_error="raise", service=service)
        truths = [code_rows[i] or {} for i in code_at]
        columns = {key: [truth.get(key) for truth in truths] for key in ("tests", *CODE_COLUMNS)}
        prompts = [(infos[i] or {}).get("question", "") for i in code_at]
        judged = code(prompts, [solution_strs[i] for i in code_at], **columns)
        for index, score in zip(code_at, judged, strict=True):
            scores[index] = score
    if any(score is None for score in scores):
        raise RewardUnavailable("a row had no gold answer or tests to score against")
    return [float(score) for score in scores if score is not None]


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Mapping[str, Any] | None = None,
    **options: Any,
) -> float:
    """verl's per-completion reward: 1.0 proven right, 0.0 not (code: all tests pass)."""
    scores = compute_score_batch(
        [data_source], [solution_str], [ground_truth], [extra_info], **options
    )
    return scores[0]
