"""Deduplication: exact (the same normalised text) and near-duplicate (Jaccard of character
shingles at least the threshold) problems across the run, and verified traces of one problem.

Problems: the first in load order is kept (given problems load before synthesized ones), and a
later copy names it; MinHash LSH finds the look-alikes among many, the exact Jaccard of the two
shingle sets decides, and a near-duplicate problem must also use mostly the same numbers
(`x^2 - 49 = 0` is not `x^2 - 5x + 6 = 0`: new numbers make a new problem, with a new answer).

Verified traces of one problem (a teacher's and the human solution alike): the shortest is kept
(in tokens; ties: the earlier in export order, i.e. the lower sample), and each other trace of
its cluster names it; a problem has at most its budget of traces, so they are compared pairwise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from datasketch import MinHashLSH

from factory.stages.gates.model import DedupSettings
from factory.stages.gates.text import Shape, jaccard, minhash, numbers, same_numbers

RECALL = 0.7  # LSH retrieves from this share of the threshold; the exact Jaccard decides


@dataclass(frozen=True)
class Duplicate:
    """Why a text is not kept: `duplicate` (exact) or `near_duplicate`, and of which."""

    reason: str
    kept_id: str
    similarity: float

    def evidence(self) -> dict[str, str]:
        return {"similarity": f"{self.similarity:.3f}", "of": self.kept_id}


class ProblemIndex:
    """The problems kept so far; `check` keeps a new one or names the one it duplicates."""

    def __init__(self, settings: DedupSettings) -> None:
        self.settings = settings
        self._exact: dict[bytes, str] = {}
        self._sets: dict[str, tuple[np.ndarray, Counter[str]]] = {}
        self._lsh = MinHashLSH(
            threshold=settings.threshold * RECALL, num_perm=settings.permutations
        )

    def check(self, problem_id: str, text: str, shape: Shape | None = None) -> Duplicate | None:
        """Keep `text` (whose `Shape` may be given), or name the kept problem it duplicates."""
        shape = Shape(text, self.settings.shingle) if shape is None else shape
        key = shape.key
        if key in self._exact:
            return Duplicate("duplicate", self._exact[key], 1.0)
        shingled = shape.shingles
        used = numbers(text)
        signature = minhash(shingled, self.settings.permutations)
        best: tuple[float, str] | None = None
        for other in self._lsh.query(signature):
            other_shingles, other_numbers = self._sets[other]
            similarity = jaccard(shingled, other_shingles)
            if (
                similarity >= self.settings.threshold
                and same_numbers(used, other_numbers)
                and (best is None or similarity > best[0])
            ):
                best = (similarity, other)
        if best is not None:
            return Duplicate("near_duplicate", best[1], best[0])
        self._exact[key] = problem_id
        self._sets[problem_id] = (shingled, used)
        self._lsh.insert(problem_id, signature)
        return None


@dataclass(frozen=True)
class Text:
    """A trace as deduplication sees it."""

    id: str
    length: int  # normalised tokens
    key: bytes
    shingles: np.ndarray


def as_text(record_id: str, shape: Shape) -> Text:
    return Text(record_id, shape.length, shape.key, shape.shingles)


def cluster(texts: Sequence[Text], threshold: float) -> dict[str, Duplicate]:
    """The traces to drop, each naming the kept trace it duplicates: shortest first, each kept
    unless it is the same text as, or at least `threshold` similar to, one kept before it. No
    two kept traces are that similar."""
    order = sorted(range(len(texts)), key=lambda i: (texts[i].length, i))
    kept: list[Text] = []
    dropped: dict[str, Duplicate] = {}
    for index in order:
        text = texts[index]
        found = _match(text, kept, threshold)
        if found is None:
            kept.append(text)
        else:
            dropped[text.id] = found
    return dropped


def _match(text: Text, kept: Sequence[Text], threshold: float) -> Duplicate | None:
    best: Duplicate | None = None
    for other in kept:
        if other.key == text.key:
            return Duplicate("duplicate", other.id, 1.0)
        similarity = jaccard(text.shingles, other.shingles)
        if similarity >= threshold and (best is None or similarity > best.similarity):
            best = Duplicate("near_duplicate", other.id, similarity)
    return best
