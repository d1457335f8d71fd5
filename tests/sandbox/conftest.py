"""Host-side checks for the sandbox tests; the backend fixtures live in tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

ProcessesWith = Callable[[str], list[int]]


@pytest.fixture(scope="session")
def host_processes() -> ProcessesWith:
    """`processes_with`, for tests that check what a run left on the host."""
    return processes_with


def processes_with(marker: str) -> list[int]:
    """Host pids whose command line contains `marker`: what a run may have left behind."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found
