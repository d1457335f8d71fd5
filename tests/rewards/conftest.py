"""One reward service for the reward tests (starting its pools and sandbox costs seconds), and
the bundled problems as the rewards' dataset columns."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from problems import Problem, load_problems
from problems.bundled import bundled_paths
from sandbox import SandboxUnavailable
from verifiers.rewards import RewardService, problem_columns


@pytest.fixture(scope="session")
def reward_service() -> Iterator[RewardService]:
    service = RewardService(math_workers=2)
    try:
        yield service
    finally:
        service.close()


@pytest.fixture(scope="session")
def bundled() -> dict[str, Problem]:
    return {p.id: p for result in load_problems(bundled_paths()) for p in result.problems}


def needs_sandbox(error: SandboxUnavailable) -> None:
    """A missing sandbox skips locally and fails under CI=true, as the other sandbox tests do."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"the code rewards need a sandbox in CI: {error}")
    pytest.skip(f"no sandbox here: {error}")


def columns_of(problems: list[Problem]) -> tuple[list[str], dict[str, list[Any]]]:
    """Prompts and the other columns, as TRL passes a batch of rows to a reward function."""
    rows = [problem_columns(problem) for problem in problems]
    columns = {key: [row[key] for row in rows] for key in rows[0] if key != "prompt"}
    return [row["prompt"] for row in rows], columns
