"""Near-duplicate problems: a new problem too close to a seed or to one already kept is rejected.

Two texts are near-duplicates when their wording (words and operators, numbers masked) is close
(Jaccard of character 5-grams at least the threshold) and they use the same numbers in the same
order (at least half of their pairs of consecutive numbers shared: `2x + 5y = 33` is not
`x + 2y = 5`, though both use 2 and 5). A reworded copy passes both; a numeric variation (the
same wording, new numbers) and a deepened problem (a constraint added: new wording, new numbers)
do not. Since a near-duplicate shares a pair of numbers (or has none, like the text), an index
of the pairs narrows the field first: numeric variants of one problem, many and alike in
wording, never cost a comparison each. MinHash LSH (datasketch) finds the look-alikes among
many problems in sublinear time when that field is large; the exact Jaccard of the stored
shingle sets then decides, so a decision never depends on hash luck.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH

from factory.synthesis.model import Decision

WORDING = 0.65
NUMBERS = 0.5
_GRAM = 5
_PERMUTATIONS = 128
_RECALL = 0.7
_FEW = 64  # so few texts share a number pair that each is compared exactly, with no LSH query
_NO_NUMBERS = ""  # the pair index's entry for texts with no number
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_WORD = re.compile(r"[a-z]+|[#+\-*/^=<>]")
_COMMAND = re.compile(r"\\[A-Za-z]+")
_EMPTY = MinHash(num_perm=_PERMUTATIONS)  # copied: its permutations are drawn once, not per text


@dataclass(frozen=True)
class Shape:
    """What near-duplicate detection compares: the wording's shingles and the numbers used, as
    pairs of consecutive numbers."""

    wording: frozenset[str]
    numbers: Counter[str]


def _number(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text.lstrip("0") or "0"


def shape(text: str) -> Shape:
    text = _COMMAND.sub(" ", text.lower().replace(",", ""))
    numbers = [_number(number) for number in _NUMBER.findall(text)]
    pairs = Counter(" ".join(numbers[i : i + 2]) for i in range(max(1, len(numbers) - 1)))
    words = " ".join(_WORD.findall(_NUMBER.sub("#", text)))
    grams = frozenset(words[i : i + _GRAM] for i in range(max(1, len(words) - _GRAM + 1)))
    return Shape(grams, pairs if numbers else Counter())


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    common = len(a & b)
    union = len(a) + len(b) - common
    return common / union if union else 1.0


def number_overlap(a: Counter[str], b: Counter[str]) -> float:
    """The Jaccard of two multisets of number pairs (1.0 when neither text has a number)."""
    common = sum(min(count, b[key]) for key, count in a.items() if key in b)
    union = sum(a.values()) + sum(b.values()) - common
    return common / union if union else 1.0


class NearDuplicates:
    """An index of problem texts: `find` names the closest indexed near-duplicate of a text.
    Safe to share between the event loop (asking) and the judging thread (adding kept ones)."""

    def __init__(self, wording: float = WORDING, numbers: float = NUMBERS) -> None:
        self.wording = wording
        self.numbers = numbers
        # LSH only retrieves: set well below the decision threshold, so that a pair just over it
        # is rarely missed (MinHash estimates a 0.7 similarity within about +-0.1).
        self._lsh = MinHashLSH(threshold=wording * _RECALL, num_perm=_PERMUTATIONS)
        self._shapes: dict[str, Shape] = {}
        self._by_pair: dict[str, set[str]] = {}  # number pair -> keys of the texts holding it
        self._lock = threading.Lock()

    @staticmethod
    def _minhash(grams: frozenset[str]) -> MinHash:
        minhash = _EMPTY.copy()
        minhash.update_batch([gram.encode() for gram in sorted(grams)])
        return minhash

    def add(self, key: str, text: str) -> None:
        with self._lock:
            if key not in self._shapes:
                self._shapes[key] = shape(text)
                self._lsh.insert(key, self._minhash(self._shapes[key].wording))
                for pair in self._shapes[key].numbers or [_NO_NUMBERS]:
                    self._by_pair.setdefault(pair, set()).add(key)

    def _retrieve(self, new: Shape) -> list[tuple[str, Shape]]:
        """The indexed texts that may be near-duplicates of `new` (under the lock)."""
        if self.numbers <= 0:
            keys = self._lsh.query(self._minhash(new.wording))
        else:
            pairs = new.numbers or [_NO_NUMBERS]
            sharing = set().union(*(self._by_pair.get(pair, set()) for pair in pairs))
            if len(sharing) > _FEW:
                sharing &= set(self._lsh.query(self._minhash(new.wording)))
            keys = sorted(sharing)
        return [(key, self._shapes[key]) for key in keys]

    def find(self, text: str) -> tuple[str, float] | None:
        """The indexed key closest in wording among the near-duplicates of `text`, with that
        wording similarity; None when there is none."""
        new = shape(text)
        close = []
        with self._lock:
            found = self._retrieve(new)
        for key, old in found:  # the numbers first: cheaper, and variants differ there
            if number_overlap(new.numbers, old.numbers) < self.numbers:
                continue
            similarity = jaccard(new.wording, old.wording)
            if similarity >= self.wording:
                close.append((similarity, key))
        if not close:
            return None
        similarity, key = max(close)
        return key, similarity

    def __len__(self) -> int:
        return len(self._shapes)

    def why(self, text: str) -> str | None:
        """The rejection detail when `text` is a near-duplicate of an indexed text, else None."""
        found = self.find(text)
        if found is None:
            return None
        return f"near-duplicate of {found[0]} (wording similarity {found[1]:.2f})"


def admit(decision: Decision, key: str, statement: str, known: NearDuplicates) -> Decision:
    """A judged candidate close to one kept before it (in its batch or an earlier one) is a
    near-duplicate whatever else it failed, so its reason does not depend on the batching; an
    accepted one joins the known."""
    if decision.status == "unjudged" or decision.reason == "near-duplicate":
        return decision
    duplicate = known.why(statement)
    if duplicate is not None:
        return Decision(id=key, status="rejected", reason="near-duplicate", detail=duplicate)
    if decision.accepted:
        known.add(key, statement)
    return decision
