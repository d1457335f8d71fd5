"""The review sample: a seeded share of every stratum (domain, verifier's label, origin), so
rare kinds of record are seen too, in an order that depends on the seed and the ids alone."""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable

from factory.review.rows import Row


def _rank(seed: int, record_id: str) -> bytes:
    return hashlib.sha256(f"{seed}\x00{record_id}".encode()).digest()


def draw(rows: Iterable[Row], fraction: float, seed: int) -> list[str]:
    """Record ids: the ceil(fraction * n) best-ranked of each stratum of n records (at least
    one), walked in rank order. A record keeps its rank when the store grows, so a resumed
    review keeps what it had."""
    if not 0 < fraction <= 1:
        raise ValueError(f"the sample is a fraction in (0, 1], not {fraction}")
    strata: defaultdict[tuple[str, str, str], list[str]] = defaultdict(list)
    for row in rows:
        strata[(row.domain, row.kind, row.origin)].append(row.id)
    chosen: list[str] = []
    for ids in strata.values():
        ids.sort(key=lambda record_id: _rank(seed, record_id))
        chosen.extend(ids[: math.ceil(fraction * len(ids))])
    return sorted(chosen, key=lambda record_id: _rank(seed, record_id))
