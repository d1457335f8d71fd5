"""One corrected-mistake example per distinct mistake: several samples of a problem often hold
the same step or the same program, and the same mistake in them teaches nothing twice."""

from __future__ import annotations

import re
from collections.abc import Iterable

from factory.inject.model import Correction
from verifiers.code.mutate import program_key

_ENUMERATOR = re.compile(r"^\s*(?:\*\*)?(?:step\s*)?\d+\s*[.):]\s*(?:\*\*)?", re.I | re.M)


def normal(text: str) -> str:
    """`text` as two near-duplicates share it: no step numbers, case or spacing."""
    return " ".join(_ENUMERATOR.sub("", text).lower().split())


def mistake_key(correction: Correction) -> tuple[str, str, str]:
    """What makes a mistake the same one: the problem and the wrong step, or the buggy program
    (layout and comments aside)."""
    wrong = (
        program_key(correction.wrong) if correction.domain == "code" else normal(correction.wrong)
    )
    return correction.domain, correction.problem_id, wrong


def distinct(corrections: Iterable[Correction]) -> list[Correction]:
    """The first example of each distinct mistake, and of each text up to numbering and spacing."""
    mistakes: set[tuple[str, str, str]] = set()
    texts: set[tuple[str, str]] = set()
    kept = []
    for correction in corrections:
        mistake, text = mistake_key(correction), (correction.problem_id, normal(correction.text))
        if mistake not in mistakes and text not in texts:
            mistakes.add(mistake)
            texts.add(text)
            kept.append(correction)
    return kept
