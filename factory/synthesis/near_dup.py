"""Near-duplicate problems: a new problem too close to a seed or to one already kept is rejected.

Two texts are near-duplicates when their wording (words and operators, numbers masked) is close
(Jaccard of character 5-grams at least the threshold) and they use the same numbers in the same
order (at least half of their pairs of consecutive numbers shared: `2x + 5y = 33` is not
`x + 2y = 5`, though both use 2 and 5). A reworded copy passes both; a numeric variation (the
same wording, new numbers) and a deepened problem (a constraint added: new wording, new numbers)
do not. MinHash LSH (datasketch) finds the look-alikes among many problems in sublinear time;
the exact Jaccard of the stored shingle sets then decides, so a decision never depends on hash
luck.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datasketch import MinHash

WORDING = 0.65
NUMBERS = 0.5
_GRAM = 5
_PERMUTATIONS = 128
_RECALL = 0.7
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_WORD = re.compile(r"[a-z]+|[#+\-*/^=<>]")
_COMMAND = re.compile(r"\\[A-Za-z]+")


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
    return len(a & b) / len(a | b) if a or b else 1.0


def number_overlap(a: Counter[str], b: Counter[str]) -> float:
    """The Jaccard of two multisets of number pairs (1.0 when neither text has a number)."""
    union = sum((a | b).values())
    return sum((a & b).values()) / union if union else 1.0


class NearDuplicates:
    """An index of problem texts: `find` names the closest indexed near-duplicate of a text."""

    def __init__(self, wording: float = WORDING, numbers: float = NUMBERS) -> None:
        self.wording = wording
        self.numbers = numbers
        # LSH only retrieves: set well below the decision threshold, so that a pair just over it
        # is rarely missed (MinHash estimates a 0.7 similarity within about +-0.1).
        # datasketch (and scipy with it) is imported when used, not at every `factory` start.
        from datasketch import MinHashLSH

        self._lsh = MinHashLSH(threshold=wording * _RECALL, num_perm=_PERMUTATIONS)
        self._shapes: dict[str, Shape] = {}

    @staticmethod
    def _minhash(grams: frozenset[str]) -> MinHash:
        from datasketch import MinHash

        minhash = MinHash(num_perm=_PERMUTATIONS)
        minhash.update_batch([gram.encode() for gram in sorted(grams)])
        return minhash

    def add(self, key: str, text: str) -> None:
        if key not in self._shapes:
            self._shapes[key] = shape(text)
            self._lsh.insert(key, self._minhash(self._shapes[key].wording))

    def find(self, text: str) -> tuple[str, float] | None:
        """The indexed key closest in wording among the near-duplicates of `text`, with that
        wording similarity; None when there is none."""
        new = shape(text)
        close = []
        for key in self._lsh.query(self._minhash(new.wording)):
            old = self._shapes[key]
            similarity = jaccard(new.wording, old.wording)
            if (
                similarity >= self.wording
                and number_overlap(new.numbers, old.numbers) >= self.numbers
            ):
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
