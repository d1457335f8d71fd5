"""The human-data mix: how many synthetic and human SFT rows make the target synthetic share
exactly, and which rows those are.

A share p/q (the target as a fraction, e.g. 0.7 = 7/10) is met exactly by p*m synthetic and
(q-p)*m human rows; the largest m both sides allow is taken, and the rows beyond it are left out.
Which rows stay: every problem's first row before any problem's second (so coverage is kept),
then a hash of the row id (a fixed, unbiased order).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from factory.stages.gates.model import MixReport

MAX_DENOMINATOR = 100  # a share is read as a fraction with at most this denominator


@dataclass(frozen=True)
class Plan:
    synthetic: int  # rows to keep
    human: int
    report: MixReport


def plan(synthetic: int, human: int, target: float) -> Plan:
    """Rows of each origin to keep for `target` synthetic share; when it cannot be met exactly
    (no human row, or too few rows for one p:q unit), everything is kept and the report says
    why."""
    share = Fraction(target).limit_denominator(MAX_DENOMINATOR)
    p, q = share.numerator, share.denominator
    if human == 0:
        return _unmixed(synthetic, human, target, "no human data: nothing to mix")
    units = min(synthetic // p, human // (q - p))
    if units == 0:
        return _unmixed(
            synthetic,
            human,
            target,
            f"a share of {p}/{q} needs at least {p} synthetic and {q - p} human rows; "
            f"there are {synthetic} and {human}",
        )
    kept_synthetic, kept_human = p * units, (q - p) * units
    report = MixReport(
        target=target,
        synthetic=kept_synthetic,
        human=kept_human,
        share=round(kept_synthetic / (kept_synthetic + kept_human), 6),
        exact=True,
    )
    return Plan(kept_synthetic, kept_human, report)


def _unmixed(synthetic: int, human: int, target: float, why: str) -> Plan:
    total = synthetic + human
    share = round(synthetic / total, 6) if total else None
    exact = share is not None and Fraction(synthetic, total) == Fraction(target).limit_denominator(
        MAX_DENOMINATOR
    )
    return Plan(synthetic, human, MixReport(
        target=target, synthetic=synthetic, human=human, share=share, exact=exact, note=why
    ))  # fmt: skip


@dataclass(frozen=True, order=True)
class Candidate:
    """An SFT row the mix may keep, in the order it is kept."""

    rank: int  # the row's place among its problem's rows (0: its first)
    draw: int  # a hash of its id
    id: str
    problem_id: str


def candidate(record_id: str, problem_id: str, rank: int) -> Candidate:
    draw = int.from_bytes(hashlib.blake2b(record_id.encode(), digest_size=8).digest(), "big")
    return Candidate(rank, draw, record_id, problem_id)


def left_out(rows: Sequence[Candidate], keep: int) -> list[Candidate]:
    """The rows beyond the first `keep` in keeping order."""
    return sorted(rows)[keep:]
