"""Text as the gates compare it: normalised, as hashed character shingles (near-duplicates, with
MinHash to find them among many) and as hashed token n-grams (benchmark overlap). Hashes are
computed with numpy over the whole text at once, so a record costs tens of microseconds, and a
gate keeps hashes, never texts.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from functools import lru_cache

import numpy as np
from datasketch import MinHash

# A step or list number opening a line ("Step 2:", "3.", "**4)**"): renumbering a copy changes
# nothing a reader learns, so it is not part of what is compared.
_ENUMERATOR = re.compile(r"^\s*(?:\*\*)?(?:step\s*)?\d+\s*[.):]\s*(?:\*\*)?", re.I | re.M)
# Words and numbers (any script) and the operators that change a formula's meaning; other
# punctuation and layout are dropped.
_TOKEN = re.compile(r"[^\W_]+|[-+*/^=<>]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
NUMBERS = 0.5  # a copy shares at least this multiset Jaccard of its numbers
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit multiplier (golden ratio) that spreads bits
_BASE = np.uint64(1_000_003)  # polynomial base of the rolling n-gram hash
U64 = np.dtype(np.uint64)


def normal(text: str) -> str:
    """Lower case, no step numbers, words, numbers and operators separated by single spaces."""
    return " ".join(_TOKEN.findall(_ENUMERATOR.sub(" ", text).casefold()))


# Polynomial hashes of every window at once: with prefix sums of value * B^-i (B odd, so it has
# an inverse modulo 2^64), a window's hash is one subtraction and one multiplication.
_INVERSE = np.uint64(pow(int(_BASE), -1, 2**64))
_powers = (np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64))  # B^k, B^-k for k < size


def _power_tables(size: int) -> tuple[np.ndarray, np.ndarray]:
    global _powers
    if len(_powers[0]) < size:
        grown = max(size, 2 * len(_powers[0]))
        _powers = tuple(  # type: ignore[assignment]
            np.concatenate([[np.uint64(1)], np.cumprod(np.full(grown - 1, b, dtype=np.uint64))])
            for b in (_BASE, _INVERSE)
        )
    return _powers


def _windows(values: np.ndarray, width: int) -> np.ndarray:
    """The polynomial hash of every run of `width` consecutive values (uint64), in order."""
    count = len(values) - width + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    powers, inverses = _power_tables(len(values) + 1)
    with np.errstate(over="ignore"):
        prefix = np.zeros(len(values) + 1, dtype=np.uint64)
        np.cumsum(values * inverses[: len(values)], out=prefix[1:])
        hashed: np.ndarray = (prefix[width:] - prefix[:count]) * powers[width - 1 : len(values)]
    return hashed


class Shape:
    """One text as the gates see it, computed once: its normal form, its exact key, its tokens'
    hashes and its character shingles."""

    __slots__ = ("key", "length", "normal", "shingles", "tokens")

    def __init__(self, text: str, shingle: int) -> None:
        self.normal = normal(text)
        raw = self.normal.encode()
        self.key = hashlib.blake2b(raw, digest_size=16).digest()
        data = np.frombuffer(raw, dtype=np.uint8).astype(np.uint64)
        self.tokens = _token_hashes(data)
        self.length = len(self.tokens)
        if len(data) < shingle:
            data = np.concatenate([data, np.zeros(shingle - len(data), dtype=np.uint64)])
        grams = _spread(_windows(data, shingle)) >> np.uint64(32)
        self.shingles = np.unique(grams.astype(np.uint32))


def _token_hashes(data: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each token of a normal form (tokens are split by single spaces)."""
    if not len(data):
        return np.zeros(0, dtype=np.uint64)
    spaces = np.flatnonzero(data == 32)
    starts = np.concatenate([[0], spaces + 1])
    ends = np.concatenate([spaces, [len(data)]])
    powers, inverses = _power_tables(len(data) + 1)
    with np.errstate(over="ignore"):
        prefix = np.zeros(len(data) + 1, dtype=np.uint64)
        np.cumsum(data * inverses[: len(data)], out=prefix[1:])
        hashed = (prefix[ends] - prefix[starts]) * powers[ends - 1]
    return _spread(hashed)


def token_hashes(text: str) -> np.ndarray:
    """The hash of each normalised token of `text`."""
    return _token_hashes(np.frombuffer(normal(text).encode(), dtype=np.uint8).astype(np.uint64))


def exact_key(text: str) -> bytes:
    """What two texts equal after normalisation share: 16 bytes of their hash."""
    return hashlib.blake2b(normal(text).encode(), digest_size=16).digest()


def numbers(text: str) -> Counter[str]:
    """The numbers a text uses, as a multiset (order aside: a reworded copy may reorder its
    sentences; new numbers make a new problem)."""
    found = _NUMBER.findall(text.replace(",", ""))
    return Counter(n.rstrip("0").rstrip(".") if "." in n else n.lstrip("0") or "0" for n in found)


def same_numbers(a: Counter[str], b: Counter[str]) -> bool:
    """Whether two texts use mostly the same numbers (or neither uses any)."""
    union = sum((a | b).values())
    return not union or sum((a & b).values()) / union >= NUMBERS


def _spread(values: np.ndarray) -> np.ndarray:
    """A 64-bit mix of each value (multiply, xor-shift), so nearby inputs land far apart."""
    with np.errstate(over="ignore"):
        mixed: np.ndarray = values * _MIX
        spread: np.ndarray = mixed ^ (mixed >> np.uint64(29))
    return spread


def shingles(text: str, size: int) -> np.ndarray:
    """The set of character `size`-grams of the normalised text, as sorted unique uint32 hashes
    (a text shorter than `size` is one shingle)."""
    return Shape(text, size).shingles


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The Jaccard similarity of two sorted unique shingle arrays."""
    if not len(a) and not len(b):
        return 1.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


SCHEME = "affine32"  # datasketch's permutation scheme (2.0): a * fmix32(h) + b mod 2^32


@lru_cache(maxsize=8)
def _permutations(count: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's own permutations for `count` hash functions (its default seed), made once."""
    a, b = MinHash(num_perm=count, scheme=SCHEME).permutations
    return a[:, None].astype(np.uint32), b[:, None].astype(np.uint32)


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch premixes a hash before permuting it."""
    with np.errstate(over="ignore"):
        values = values ^ (values >> np.uint32(16))
        values = values * np.uint32(0x85EBCA6B)
        values = values ^ (values >> np.uint32(13))
        values = values * np.uint32(0xC2B2AE35)
        mixed: np.ndarray = values ^ (values >> np.uint32(16))
    return mixed


def minhash(hashes: np.ndarray, permutations: int) -> MinHash:
    """The MinHash of a shingle set already hashed (`shingles`): the value datasketch's
    `update_batch` gives these hashes, computed in one numpy pass (without its per-value Python
    call), handed to datasketch for its LSH index."""
    a, b = _permutations(permutations)
    if len(hashes):
        with np.errstate(over="ignore"):
            values = (a * _fmix32(hashes.astype(np.uint32))[None, :] + b).min(axis=1)
    else:
        values = np.full(permutations, np.iinfo(np.uint32).max, dtype=np.uint32)
    return MinHash(
        num_perm=permutations,
        hashvalues=values,
        permutations=(a[:, 0], b[:, 0]),
        scheme=SCHEME,
    )


def tokens(text: str) -> list[str]:
    """The normalised tokens n-gram overlap counts in."""
    return normal(text).split()


def ngram_hashes(token_hashes: np.ndarray, n: int) -> np.ndarray:
    """A 64-bit hash of each run of `n` consecutive tokens, in order (none for a shorter text)."""
    return _spread(_windows(token_hashes, n))
