"""verl's reward interface: `compute_score(data_source, solution_str, ground_truth, extra_info)`
as its naive reward manager calls it (keywords, one completion) and `compute_score_batch` as
its batch manager does; a float per completion, and no number at all when nothing could judge."""

from __future__ import annotations

import inspect
import json

import pytest

from problems import CodeProblem, Problem
from verifiers.rewards import RewardService, RewardUnavailable, compute_score, compute_score_batch
from verifiers.rewards.columns import problem_columns


def test_signature_is_verls() -> None:
    parameters = list(inspect.signature(compute_score).parameters.values())
    names = [parameter.name for parameter in parameters[:4]]
    assert names == ["data_source", "solution_str", "ground_truth", "extra_info"]
    assert parameters[3].default is None
    batch = inspect.signature(compute_score_batch).parameters
    assert list(batch)[:4] == ["data_sources", "solution_strs", "ground_truths", "extra_infos"]


def test_scores_math_and_code(reward_service: RewardService, bundled: dict[str, Problem]) -> None:
    score = compute_score(
        data_source="openai/gsm8k",
        solution_str="19 boxes of 6 is 114, so 150 - 114 = 36.\n#### 36",
        ground_truth="36",
        extra_info={"question": bundled["math/arithmetic-01"].statement},
        service=reward_service,
    )
    assert score == 1.0 and isinstance(score, float)
    wrong = compute_score(
        "lighteval/MATH", "\\boxed{0.583333}", "\\frac{7}{12}", None, service=reward_service
    )
    assert wrong == 0.0
    problem = bundled["code/digital-root"]
    assert isinstance(problem, CodeProblem) and problem.reference_solution
    row = problem_columns(problem)
    truth = {key: row[key] for key in ("tests", "entry_point", "reference_solution")}
    program = f"```python\n{problem.reference_solution}```"
    assert compute_score("code", program, truth, service=reward_service) == 1.0
    forged = "import sys\nsys.exit(0)\n"
    assert compute_score("code", forged, truth, service=reward_service) == 0.0


def test_batch_mixes_domains(reward_service: RewardService, bundled: dict[str, Problem]) -> None:
    problem = bundled["code/digital-root"]
    assert isinstance(problem, CodeProblem)
    row = problem_columns(problem)
    truth = json.dumps({key: row[key] for key in ("tests", "entry_point", "reference_solution")})
    scores = compute_score_batch(
        data_sources=["math", "code", "math", "code"],
        solution_strs=[
            "\\boxed{36}",
            f"```python\n{problem.reference_solution}```",
            "\\boxed{37}",
            "pass",
        ],
        ground_truths=["36", truth, "36", truth],
        extra_infos=[None, {"question": problem.statement}, None, None],
        service=reward_service,
    )
    assert scores == [1.0, 1.0, 0.0, 0.0]


def test_unjudged_raises() -> None:
    service = RewardService(math_workers=1, batch_seconds=0.0)
    try:
        with pytest.raises(RewardUnavailable):
            compute_score("math", "\\boxed{36}", "36", service=service)
        assert service.counts["unjudged"] == 1
    finally:
        service.close()
