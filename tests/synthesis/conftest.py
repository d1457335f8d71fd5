"""Math worker pools shared by the synthesis tests: starting one costs about a second."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from verifiers.math import WorkerPool, answer_pool, trace_pool


@pytest.fixture(scope="session")
def answers_pool() -> Iterator[WorkerPool]:
    with answer_pool(2) as pool:
        yield pool


@pytest.fixture(scope="session")
def traces_pool() -> Iterator[WorkerPool]:
    with trace_pool(2) as pool:
        yield pool
