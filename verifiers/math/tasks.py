"""What a worker process can be asked to do; plain dicts in and out, never SymPy objects.

Results cross back to the host as strings and numbers only: unpickling a SymPy object on the
host would rebuild it, and rebuilding `10^{10^{10}}` evaluates it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import sympy

from verifiers.math import magnitude, screen
from verifiers.math.budget import OutOfTime, budget
from verifiers.math.equivalence import Finding, answers_equal
from verifiers.math.final_answer import FORMAT_REASON
from verifiers.math.latex_text import split_top_level
from verifiers.math.parse import Answer, Unreadable, read_answer
from verifiers.math.relations import RELATION_SECONDS, check_steps, read_side
from verifiers.math.rounding import rounded_equal, written_places

Payload = dict[str, Any]


def _read(text: str) -> Answer | str:
    """The parsed answer, or why it could not be read."""
    refusal = screen.refuse(text, screen.MAX_ANSWER_CHARS)
    if refusal is not None:
        return refusal
    try:
        return read_answer(text)
    except Unreadable as error:
        return str(error)
    except RecursionError:
        return "nested too deeply to parse"


@lru_cache(maxsize=4096)
def read_gold(text: str) -> Answer | str:
    """Gold answers repeat across every trace of a problem: parse each once per worker."""
    return _read(text)


def _rounded(gold: Answer, answer: Answer, places: int) -> Finding | None:
    """Equivalent when the problem asks for `places` decimals and the answer is the gold
    rounded to exactly that many; None when rounding does not apply or does not hold."""
    plain = not (answer.names or answer.ratio or answer.percent or answer.degrees)
    same_marks = (gold.percent, gold.degrees) == (answer.percent, answer.degrees)
    if gold.kind != "math" or answer.kind != "math" or not (plain and same_marks):
        return None
    if written_places(answer.text) != places or gold.value is None or answer.value is None:
        return None
    if not rounded_equal(gold.value, answer.value, places):
        return None
    return Finding("equivalent", f"equal when rounded to {places} decimal places, as asked")


def compare(gold_text: str, answer_text: str, places: int | None = None) -> Finding:
    gold = read_gold(gold_text)
    if isinstance(gold, str):
        return Finding("undecided", f"gold answer unreadable: {gold}")
    answer = _read(answer_text)
    if isinstance(answer, str):
        return Finding("undecided", f"answer unreadable: {answer}")
    try:
        finding = answers_equal(gold, answer)
        if finding.decision != "equivalent" and places is not None:
            return _rounded(gold, answer, places) or finding
        return finding
    except OutOfTime:
        return Finding("undecided", "comparison ran out of time")
    except RecursionError:
        return Finding("undecided", "expression nested too deeply to compare")


def _worst(findings: list[Finding]) -> Finding:
    for decision in ("different", "undecided"):
        for finding in findings:
            if finding.decision == decision:
                return finding
    return findings[0]


def compare_parts(golds: list[str], answers: list[str], places: int | None = None) -> Finding:
    """Several final answers: each must equal a single gold (a hedge fails), and a gold of
    several parts needs every part, in order, one answer each (or one comma list)."""
    if len(golds) == 1:
        findings = [compare(golds[0], answer, places) for answer in answers]
        worst = _worst(findings)
        if len(answers) == 1 or worst.decision == "equivalent":
            return worst
        if len(split_top_level(golds[0])) == len(
            answers
        ):  # gold `-7, 7`: `\\boxed{-7}, \\boxed{7}`
            listed = compare(golds[0], ", ".join(answers))
            if listed.decision == "equivalent":
                return listed
        offered = "; ".join(answers)[:120]
        return Finding(
            worst.decision, f"the text offers {len(answers)} answers ({offered}): {worst.reason}"
        )
    if len(answers) == 1:
        answers = [item.strip() for item in split_top_level(answers[0])]
    if len(answers) != len(golds):
        return Finding("different", f"{len(golds)} answer parts expected, {len(answers)} given")
    pairs = zip(golds, answers, strict=True)
    return _worst([compare(gold, answer, places) for gold, answer in pairs])


def answer_task(payload: Payload) -> Payload:
    finding = compare_parts(payload["golds"], payload["answers"], payload.get("places"))
    return {"decision": finding.decision, "reason": finding.reason}


def trace_task(payload: Payload) -> Payload:
    """Judge the final answer and every step's relations of one solution."""
    if not payload["answers"]:
        answer: Payload = {"decision": "format", "reason": FORMAT_REASON}
    else:
        answer = answer_task(payload)
    return {"answer": answer, "steps": check_steps(payload["steps"])}


def _value(text: str) -> Payload | None:
    """`{"rational": "p/q"}` for a number, `{"polynomial": latex}` for a polynomial, else None."""
    try:
        with budget(RELATION_SECONDS):
            value = read_side(text)
            if not magnitude.exact_ok(value):
                return None
            value = sympy.expand(value.doit())
            if isinstance(value, sympy.Rational):
                return {"rational": str(value)}
            symbols = sorted(value.free_symbols, key=str)
            if symbols and isinstance(value, sympy.Expr) and value.is_polynomial(*symbols):
                return {"polynomial": sympy.latex(value)}
    except (
        Unreadable,
        OutOfTime,
        RecursionError,
        ValueError,
        TypeError,
        ArithmeticError,
        AttributeError,
    ):
        return None
    return None


def values_task(payload: Payload) -> Payload:
    """The exact value of each expression, for error injection: what a mistaken calculation
    gives is computed here, because evaluating teacher text on the host is not allowed."""
    return {"values": [_value(text) for text in payload["expressions"]]}


TASKS: dict[str, Callable[[Payload], Payload]] = {
    "answer": answer_task,
    "trace": trace_task,
    "values": values_task,
}

_WARM_UP = [
    ("\\frac{1}{2}", "0.5"),
    ("x = 3", "3"),
    ("(x+1)^2", "x^2+2x+1"),
    ("\\sqrt{8}", "2\\sqrt{2}"),
    ("[1, 2) \\cup (3, \\infty)", "x > 1"),
    ("\\{1, 2\\}", "(1, 2)"),
    ("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "3+4i"),
    ("\\sin\\frac{\\pi}{6} + \\log_2 8 + e^{2}", "5! + \\binom{5}{2}"),
    ("30^\\circ", "50\\%"),
]


def prepare() -> None:
    """Warm the LaTeX parser's lazily built tables and SymPy's caches on fixed, trusted inputs.

    Runs once in the host before workers fork, so every worker starts warm instead of each
    paying the warm-up again (which costs more than the checks on a small batch).
    """
    for gold, answer in _WARM_UP:
        compare(gold, answer)
    read_gold.cache_clear()
