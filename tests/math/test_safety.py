"""Hostile input: it comes back fail or error within the limits, with no side effect."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from verifiers.math import (
    Limits,
    TraceInput,
    WorkerPool,
    verify_answers,
    verify_traces,
)

HOSTILE = [
    "__import__('os').system('touch /tmp/rf-math-pwned')",
    "exec(\"open('/tmp/rf-math-pwned','w')\")",
    "10^{10^{10^{10}}}",
    "99999999!",
    "\\sum_{k=1}^{10^{12}} \\frac{1}{k}",
    "\\prod_{k=1}^{10^{9}} k",
    "2^{2^{2^{2^{2^{2}}}}}",
    "{" * 5000 + "1" + "}" * 5000,
    "(" * 300 + "1" + ")" * 300,
    "1+" * 100_000 + "1",
    "x" * 200_000,
    "\\dfrac{5^{\\left(5^{\\left(5^{\\left(5^5\\right)}\\right)} - 4\\right)} - 5}{16}",
    "\\log_{2^5}(\\log_{2^4}(\\log_{2^3}(\\log_{2^2}(\\log_{2^1}x))))",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_answers_fail_or_error(answers_pool: WorkerPool, text: str) -> None:
    started = time.monotonic()
    for gold, answer in ((text, "1"), ("1", text)):
        verdict = verify_answers([(gold, answer)], answers_pool)[0]
        assert verdict.status in ("fail", "error"), verdict
    assert time.monotonic() - started < 60  # hang guard only
    assert not Path("/tmp/rf-math-pwned").exists()


def test_hostile_relations_in_a_trace_leave_the_trace_checkable(traces_pool: WorkerPool) -> None:
    solution = "\n".join(f"${text} = 1$" for text in HOSTILE[:7]) + "\n$2 + 2 = 4$\n$\\boxed{4}$"
    verdict = verify_traces(
        [TraceInput(id="h", reference_answer="4", solution=solution)], traces_pool
    )[0]
    assert verdict.status in ("fail", "pass")
    last = [e for e in verdict.evidence if e.check == "step"][-2]
    assert last.outcome == "verified"


def test_a_worker_past_its_wall_clock_is_killed_and_replaced() -> None:
    slow_trace = "\n".join(f"$\\sin^{{2}}({k}x) + \\cos^{{2}}({k}x) = 1$" for k in range(1, 60))
    trace = TraceInput(id="slow", reference_answer="1", solution=slow_trace + "\n$\\boxed{1}$")
    with WorkerPool(1, Limits(cpu_seconds=30, wall_seconds=0.5)) as pool:
        first = verify_traces([trace], pool)[0]
        assert first.status == "timeout"
        assert pool.replaced == 1
        quick = TraceInput(id="q", reference_answer="4", solution="$2 + 2 = 4$\n$\\boxed{4}$")
        assert verify_traces([quick], pool)[0].status == "pass"


def test_the_cpu_limit_stops_a_task_without_killing_the_worker() -> None:
    slow_trace = "\n".join(f"$\\sin^{{2}}({k}x) + \\cos^{{2}}({k}x) = 1$" for k in range(1, 400))
    trace = TraceInput(id="slow", reference_answer="1", solution=slow_trace + "\n$\\boxed{1}$")
    with WorkerPool(1, Limits(cpu_seconds=1, wall_seconds=30)) as pool:
        verdict = verify_traces([trace], pool)[0]
        assert verdict.status == "timeout"
        assert "CPU" in verdict.evidence[0].reason
        assert pool.replaced == 0
