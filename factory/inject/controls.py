"""How many corrected-mistake examples a dataset keeps: per verified trace and in total."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

from factory.inject.model import Correction


def allowed(verified: int, share: float, available: int) -> int:
    """The most of `available` corrections that stays at or under `share` of the dataset made
    of `verified` traces plus the corrections kept."""
    if share >= 1:
        return available
    return min(available, math.floor(share * verified / (1 - share) + 1e-9))


def select(
    corrections: Sequence[Correction], verified: int, share: float, per_trace: int
) -> list[Correction]:
    """The corrections to keep: at most `per_trace` from one trace, at most `share` of the final
    dataset (`verified` traces plus the corrections kept). Picks go round the traces (each
    trace's first, then each one's second) so the mistakes spread over problems, in the order
    given within a trace; the result keeps the input order."""
    by_trace: dict[str, list[Correction]] = {}
    for correction in corrections:
        by_trace.setdefault(correction.trace_id, []).append(correction)
    budget = allowed(verified, share, len(corrections))
    kept: set[str] = set()
    for turn in range(per_trace):
        for group in by_trace.values():
            if len(kept) < budget and turn < len(group):
                kept.add(group[turn].id)
    return [c for c in corrections if c.id in kept]


def rotated(operators: Sequence[str], trace_id: str) -> list[str]:
    """`operators` starting at one picked by the trace, so that across a dataset every operator
    is tried first about equally often, and the same trace always gets the same order."""
    turn = int(hashlib.sha256(trace_id.encode()).hexdigest(), 16) % len(operators)
    return [*operators[turn:], *operators[:turn]]
