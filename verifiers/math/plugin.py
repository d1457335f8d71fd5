"""The math verifier as a plugin: a trace passes when its answer is proven and no step refuted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from problems import MathProblem, Problem
from verifiers.math.traces import VERSION, TraceInput, trace_pool, verify_traces
from verifiers.verdict import Verdict


class MathVerifier:
    name = "math"
    version = VERSION
    domain = "math"

    def __init__(self, options: Mapping[str, Any]) -> None:
        self._pool = trace_pool(options.get("workers"))

    def verify(self, jobs: Sequence[tuple[Problem, str]]) -> list[Verdict]:
        traces = []
        for problem, solution in jobs:
            if not isinstance(problem, MathProblem):
                raise TypeError(
                    f"the math verifier cannot judge {problem.domain} problem {problem.id}"
                )
            traces.append(
                TraceInput(
                    id=problem.id,
                    problem=problem.statement,
                    reference_answer=problem.answer,
                    solution=solution,
                )
            )
        return verify_traces(traces, self._pool)

    def close(self) -> None:
        self._pool.close()
