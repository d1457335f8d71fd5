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
    data = np.frombuffer(normal(text).encode(), dtype=np.uint8).astype(U64)
    if len(data) < size:
        data = np.concatenate([data, np.zeros(size - len(data), dtype=U64)])
    count = len(data) - size + 1
    rolled = np.zeros(count, dtype=U64)
    with np.errstate(over="ignore"):
        for offset in range(size):
            rolled = rolled * np.uint64(257) + data[offset : offset + count]
    return np.unique((_spread(rolled) >> np.uint64(32)).astype(np.uint32))


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


@lru_cache(maxsize=1 << 18)
def _token_hash(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")


def tokens(text: str) -> list[str]:
    """The normalised tokens n-gram overlap counts in."""
    return normal(text).split()


def ngram_hashes(words: list[str], n: int) -> np.ndarray:
    """A 64-bit hash of each run of `n` consecutive tokens, in order (none for a shorter text)."""
    if len(words) < n:
        return np.zeros(0, dtype=U64)
    values = np.fromiter((_token_hash(w) for w in words), dtype=U64, count=len(words))
    count = len(words) - n + 1
    rolled = np.zeros(count, dtype=U64)
    with np.errstate(over="ignore"):
        for offset in range(n):
            rolled = rolled * _BASE + values[offset : offset + count]
    return _spread(rolled)
