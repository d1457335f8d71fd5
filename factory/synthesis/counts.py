"""The synthesize stage's decisions counted for stats.json and the dataset card."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from factory.synthesis.model import CodeCandidate, Decision, MathCandidate

UNREADABLE = "(reply unreadable)"  # a generation with no problem in it: no operator chain known


def _decision(decision: Decision) -> str:
    return decision.reason or decision.status  # "accepted", a rejection reason, or "unjudged"


Results = Iterable[tuple[MathCandidate | CodeCandidate | None, Decision]]


def by_decision(results: Results) -> dict[str, int]:
    """Candidates per decision: "accepted", each rejection reason, "unjudged"."""
    return dict(sorted(Counter(_decision(d) for _, d in results).items()))


def by_operator(results: Results) -> dict[str, dict[str, int]]:
    """Candidates per operator chain ("evol-depth+evol-breadth"), then per decision."""
    counts: dict[str, Counter[str]] = {}
    for candidate, decision in results:
        chain = "+".join(candidate.lineage.operators) if candidate is not None else UNREADABLE
        counts.setdefault(chain, Counter())[_decision(decision)] += 1
    return {chain: dict(sorted(counts[chain].items())) for chain in sorted(counts)}
