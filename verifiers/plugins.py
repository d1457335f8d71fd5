"""Verifiers as plugins: found through the `reasoning_factory.verifiers` entry-point group.

The built-in math and code verifiers register there exactly as a third-party package would, so
`factory run` names a verifier and never imports one directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Protocol

from problems import Problem
from verifiers.verdict import Verdict

GROUP = "reasoning_factory.verifiers"


class Verifier(Protocol):
    """Judges candidates for one problem domain. `candidate` is what the parse stage extracted:
    the solution text for math, the program for code. Holds resources until `close`.

    A verifier may also define `expect(problems)`: `factory run` then passes it the run's
    problems of its domain, in order, before the first `verify` (the code verifier draws their
    generated inputs ahead). One that sets `in_flight` (an int) gets that many `verify` calls at
    once, from as many threads (the ray executor's, so a cluster's nodes are never idle between
    two calls); otherwise one at a time."""

    name: str
    version: str
    domain: str

    def verify(self, jobs: Sequence[tuple[Problem, str]]) -> list[Verdict]: ...

    def close(self) -> None: ...


class VerifierNotFound(LookupError):
    pass


def installed() -> dict[str, EntryPoint]:
    """Every registered verifier by name."""
    return {point.name: point for point in entry_points(group=GROUP)}


def load_verifier(name: str, options: Mapping[str, Any] | None = None) -> Verifier:
    """Build the verifier registered as `name`; its entry point is a factory taking options."""
    points = installed()
    if name not in points:
        known = ", ".join(sorted(points)) or "none"
        raise VerifierNotFound(f"no verifier named {name!r} is installed (installed: {known})")
    factory = points[name].load()
    verifier: Verifier = factory(dict(options or {}))
    return verifier
