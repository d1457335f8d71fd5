"""What a worker process can be asked to do; plain dicts in and out, never SymPy objects.

Results cross back to the host as strings and numbers only: unpickling a SymPy object on the
host would rebuild it, and rebuilding `10^{10^{10}}` evaluates it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from verifiers.math import screen
from verifiers.math.budget import OutOfTime
from verifiers.math.equivalence import Finding, answers_equal
from verifiers.math.parse import Answer, Unreadable, read_answer
from verifiers.math.relations import check_steps

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


def compare(gold_text: str, answer_text: str) -> Finding:
    gold = read_gold(gold_text)
    if isinstance(gold, str):
        return Finding("undecided", f"gold answer unreadable: {gold}")
    answer = _read(answer_text)
    if isinstance(answer, str):
        return Finding("undecided", f"answer unreadable: {answer}")
    try:
        return answers_equal(gold, answer)
    except OutOfTime:
        return Finding("undecided", "comparison ran out of time")
    except RecursionError:
        return Finding("undecided", "expression nested too deeply to compare")


def answer_task(payload: Payload) -> Payload:
    finding = compare(payload["gold"], payload["answer"])
    return {"decision": finding.decision, "reason": finding.reason}


def trace_task(payload: Payload) -> Payload:
    """Judge the final answer and every step's relations of one solution."""
    if payload["answer"] is None:
        answer: Payload = {"decision": "undecided", "reason": "no final answer found"}
    else:
        answer = answer_task({"gold": payload["gold"], "answer": payload["answer"]})
    return {"answer": answer, "steps": check_steps(payload["steps"])}


TASKS: dict[str, Callable[[Payload], Payload]] = {"answer": answer_task, "trace": trace_task}

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
