"""Host-side checks for the sandbox tests; the backend fixtures live in tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sandbox.audit import processes_with

ProcessesWith = Callable[[str], list[int]]


@pytest.fixture(scope="session")
def host_processes() -> ProcessesWith:
    """`processes_with`, for tests that check what a run left on the host."""
    return processes_with
