"""Diversity and balance figures of the exported SFT rows, in memory that does not grow with them:
distinct-n estimated from the k smallest n-gram hashes (exact below k distinct n-grams), lengths
in power-of-two bins, counts per topic, source and origin, and the pass-rate histogram.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from factory.stages.gates.model import Diversity, Lengths
from factory.stages.gates.text import U64, ngram_hashes, token_hashes

SKETCH = 4096  # smallest hashes kept per distinct-n estimate (relative error about 1/sqrt(k))
RATE_BINS = ("0.0-0.2", "0.2-0.4", "0.4-0.6", "0.6-0.8", "0.8-1.0")


@dataclass
class Distinct:
    """distinct-n: distinct n-grams over all n-grams, by the k-minimum-values estimate."""

    n: int
    total: int = 0
    smallest: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=U64))

    def add(self, tokens: np.ndarray) -> None:
        hashed = ngram_hashes(tokens, self.n)
        self.total += len(hashed)
        if len(self.smallest) == SKETCH:
            hashed = hashed[hashed < self.smallest[-1]]
        if len(hashed):
            self.smallest = np.unique(np.concatenate([self.smallest, hashed]))[:SKETCH]

    def value(self) -> float | None:
        if not self.total:
            return None
        if len(self.smallest) < SKETCH:
            distinct = float(len(self.smallest))
        else:
            distinct = (SKETCH - 1) / (float(self.smallest[-1]) / 2.0**64)
        return round(min(distinct, self.total) / self.total, 4)


@dataclass
class LengthBins:
    count: int = 0
    total: int = 0
    low: int | None = None
    high: int | None = None
    bins: Counter[int] = field(default_factory=Counter)

    def add(self, length: int) -> None:
        self.count += 1
        self.total += length
        self.low = length if self.low is None else min(self.low, length)
        self.high = length if self.high is None else max(self.high, length)
        self.bins[1 << (length.bit_length() - 1) if length else 0] += 1

    def report(self) -> Lengths:
        return Lengths(
            count=self.count,
            mean=round(self.total / self.count, 1) if self.count else None,
            min=self.low,
            max=self.high,
            bins={str(edge): n for edge, n in sorted(self.bins.items())},
        )


def rate_bin(rate: float) -> str:
    return RATE_BINS[min(int(rate * len(RATE_BINS)), len(RATE_BINS) - 1)]


@dataclass
class Figures:
    """Accumulates the exported SFT rows (and each problem once)."""

    distinct: dict[str, tuple[Distinct, Distinct]] = field(
        default_factory=lambda: {
            "problems": (Distinct(1), Distinct(2)),
            "traces": (Distinct(1), Distinct(2)),
        }
    )
    lengths: dict[str, LengthBins] = field(
        default_factory=lambda: {"problems": LengthBins(), "traces": LengthBins()}
    )
    topics: Counter[str] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)
    origins: Counter[str] = field(default_factory=Counter)
    problems: set[str] = field(default_factory=set)

    def add(self, what: str, text: str) -> None:
        hashed = token_hashes(text)
        for sketch in self.distinct[what]:
            sketch.add(hashed)
        self.lengths[what].add(len(hashed))

    def row(self, problem_id: str, statement: str | None, topic: str, source: str,
            origin: str, text: str) -> None:  # fmt: skip
        self.add("traces", text)
        self.topics[topic] += 1
        self.sources[source] += 1
        self.origins[origin] += 1
        if statement is not None and problem_id not in self.problems:
            self.problems.add(problem_id)
            self.add("problems", statement)

    def report(self, pass_rates: Counter[str]) -> Diversity:
        return Diversity(
            distinct_1={what: pair[0].value() for what, pair in self.distinct.items()},
            distinct_2={what: pair[1].value() for what, pair in self.distinct.items()},
            lengths={what: bins.report() for what, bins in self.lengths.items()},
            by_topic=dict(self.topics.most_common()),
            by_source=dict(self.sources.most_common()),
            by_origin=dict(self.origins.most_common()),
            pass_rate={name: pass_rates.get(name, 0) for name in RATE_BINS},
        )
