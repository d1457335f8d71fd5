"""The labelled answer pairs: no false positive, and at least math-verify's accuracy."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from math_verify import parse, verify
from pydantic import BaseModel, ConfigDict

from verifiers.math import WorkerPool, verify_answers

PAIRS = Path(__file__).parent / "data" / "answer_pairs.jsonl"
FREE_TEXT = Path(__file__).parent / "data" / "free_text.jsonl"
STYLES = {
    "boxed", "hashes", "statement", "final-answer", "choice", "display", "last-line", "none"
}  # fmt: skip

KINDS = {
    "integer", "fraction", "decimal", "radical", "constant", "algebra", "equation", "set",
    "interval", "tuple", "matrix", "complex", "degrees", "units", "choice", "text", "mixed",
    "scientific", "log", "trig", "factorial", "large", "regression", "hedge", "multipart",
    "geometry", "named", "ratio", "alternatives", "pm", "chain", "prefix",
}  # fmt: skip


class LabelledPair(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: str
    gold: str
    answer: str
    equivalent: bool
    note: str = ""  # where the case comes from, e.g. "math-verify#14"


class FreeTextSolution(BaseModel):
    """A whole solution ending in one `style` of final answer, labelled against its gold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    style: str
    gold: str
    solution: str
    equivalent: bool


def load_pairs() -> list[LabelledPair]:
    lines = PAIRS.read_text(encoding="utf-8").splitlines()
    return [LabelledPair.model_validate(json.loads(line)) for line in lines if line.strip()]


def load_free_text() -> list[FreeTextSolution]:
    lines = FREE_TEXT.read_text(encoding="utf-8").splitlines()
    return [FreeTextSolution.model_validate(json.loads(line)) for line in lines if line.strip()]


def _delimited(text: str) -> str:
    """math-verify reads LaTeX only inside math delimiters: wrap bare answers in `$...$`."""
    if "$" in text or "\\boxed" in text or "\\(" in text or "\\[" in text:
        return text
    return f"${text}$"


def math_verify_equivalent(gold: str, answer: str) -> bool:
    """math-verify's verdict, in this process, called as its README shows."""
    return bool(verify(parse(_delimited(gold)), parse(_delimited(answer))))


def test_the_set_covers_every_kind_with_near_misses() -> None:
    pairs = load_pairs()
    assert len(pairs) >= 320
    by_kind = Counter((pair.kind, pair.equivalent) for pair in pairs)
    assert {pair.kind for pair in pairs} == KINDS
    for kind in KINDS - {"regression"}:
        assert by_kind[(kind, True)] >= 1, f"{kind}: no equivalent pair"
        assert by_kind[(kind, False)] >= 1, f"{kind}: no near miss"


def test_no_false_positive_and_at_least_math_verify_accuracy(answers_pool: WorkerPool) -> None:
    pairs = load_pairs()
    verdicts = verify_answers([(pair.gold, pair.answer) for pair in pairs], answers_pool)
    ours = [verdict.passed for verdict in verdicts]
    theirs = [math_verify_equivalent(pair.gold, pair.answer) for pair in pairs]

    false_positives = [
        p.id for p, mine in zip(pairs, ours, strict=True) if mine and not p.equivalent
    ]
    assert false_positives == []
    our_correct = sum(mine == p.equivalent for p, mine in zip(pairs, ours, strict=True))
    their_correct = sum(other == p.equivalent for p, other in zip(pairs, theirs, strict=True))
    assert our_correct >= their_correct, f"ours {our_correct}, math-verify {their_correct}"


def test_free_text_solutions_no_false_positive_and_at_least_math_verify(
    answers_pool: WorkerPool,
) -> None:
    rows = load_free_text()
    by_style = Counter((row.style, row.equivalent) for row in rows)
    assert {row.style for row in rows} == STYLES
    assert all(by_style[(style, False)] >= 1 for style in STYLES)
    verdicts = verify_answers([(row.gold, row.solution) for row in rows], answers_pool)
    false_positives = [
        r.id for r, v in zip(rows, verdicts, strict=True) if v.passed and not r.equivalent
    ]
    assert false_positives == []
    ours = sum(v.passed == r.equivalent for r, v in zip(rows, verdicts, strict=True))
    theirs = sum(
        bool(verify(parse(_delimited(r.gold)), parse(r.solution))) == r.equivalent for r in rows
    )
    assert ours >= theirs, f"ours {ours}, math-verify {theirs}"


def test_the_evidence_names_the_rule_that_found_the_answer(answers_pool: WorkerPool) -> None:
    solution = "We add: $2 + 3 = 5$.\nThe answer is 5."
    verdict = verify_answers([("5", solution), ("5", "We add.\nNothing more.")], answers_pool)
    assert verdict[0].passed
    assert verdict[0].evidence[0].details == {"extracted_by": "statement", "answers": "5"}
    assert not verdict[1].passed
    assert (verdict[1].evidence[0].outcome, verdict[1].evidence[0].reason) == (
        "format",
        "no recognisable final answer",
    )


def test_every_math_verify_regression_is_rejected(answers_pool: WorkerPool) -> None:
    regressions = [p for p in load_pairs() if "math-verify#" in p.note and not p.equivalent]
    assert len(regressions) >= 15
    verdicts = verify_answers([(p.gold, p.answer) for p in regressions], answers_pool)
    accepted = [p.id for p, v in zip(regressions, verdicts, strict=True) if v.passed]
    assert accepted == []


def test_a_refused_pair_says_why(answers_pool: WorkerPool) -> None:
    verdict = verify_answers([("1", "1, 2, \\ldots, n")], answers_pool)[0]
    assert verdict.status == "fail"
    assert verdict.evidence[0].outcome == "undecided"
    assert "elided" in verdict.evidence[0].reason


def test_gold_answers_are_parsed_once_per_worker() -> None:
    from verifiers.math.tasks import compare, read_gold

    read_gold.cache_clear()
    assert compare("\\frac{1}{2}", "0.5").decision == "equivalent"
    assert compare("\\frac{1}{2}", "1/3").decision == "different"
    info = read_gold.cache_info()
    assert (info.misses, info.hits) == (1, 1)
