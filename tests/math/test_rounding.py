"""Rounding only when the problem asks for it, to the precision it asks for, proven."""

from __future__ import annotations

import pytest

from verifiers.math import TraceInput, WorkerPool, verify_traces
from verifiers.math.rounding import asked_places, written_places


@pytest.mark.parametrize(
    ("statement", "places"),
    [
        ("Round your answer to the nearest hundredth.", 2),
        ("Give the area to the nearest tenth of a square metre.", 1),
        ("Express it to the nearest whole number.", 0),
        ("How much is that, to the nearest cent?", 2),
        ("Answer to 3 decimal places.", 3),
        ("Give the result correct to two decimal places.", 2),
        ("Find the exact value of x.", None),
        ("Which house is the nearest one to the park?", None),
    ],
)
def test_the_asked_precision_is_read_from_the_statement(statement: str, places: int) -> None:
    assert asked_places(statement) == places


def test_written_places() -> None:
    assert [written_places(t) for t in ("3.14", "7", "-0.50", "1/2", "3.1e2")] == [
        2, 0, 2, None, None,
    ]  # fmt: skip


CASES = [  # (statement, gold, final answer, passes)
    ("Give pi to the nearest hundredth.", "\\pi", "3.14", True),
    ("Give pi to the nearest hundredth.", "\\pi", "3.15", False),
    ("Give pi to the nearest hundredth.", "\\pi", "3.1", False),  # not the asked precision
    ("Give pi to the nearest hundredth.", "\\pi", "3.142", False),
    ("Give pi.", "\\pi", "3.14", False),  # no rounding asked: exact only
    ("Write 2/3 to 2 decimal places.", "\\frac{2}{3}", "0.67", True),
    ("Write 2/3 to 2 decimal places.", "\\frac{2}{3}", "0.66", False),
    ("Round 5/2 to the nearest whole number.", "\\frac{5}{2}", "3", True),
    ("Round 5/2 to the nearest whole number.", "\\frac{5}{2}", "2", False),
    ("Round -5/2 to the nearest integer.", "-\\frac{5}{2}", "-3", True),
    ("What is sqrt 2 to the nearest thousandth?", "\\sqrt{2}", "1.414", True),
    ("What is sqrt 2 to the nearest thousandth?", "\\sqrt{2}", "1.415", False),
]


def test_a_rounded_answer_passes_only_when_asked_and_right(traces_pool: WorkerPool) -> None:
    traces = [
        TraceInput(
            id=str(n), problem=statement, reference_answer=gold, solution=f"So \\boxed{{{answer}}}"
        )
        for n, (statement, gold, answer, _) in enumerate(CASES)
    ]
    verdicts = verify_traces(traces, traces_pool)
    assert [v.passed for v in verdicts] == [case[3] for case in CASES]
    assert "rounded to 2 decimal places" in verdicts[0].evidence[0].reason
