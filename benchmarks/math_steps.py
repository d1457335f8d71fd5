"""Step checking on the labelled traces: speed, catch rate and false refutations.

Run: `.venv/bin/python benchmarks/math_steps.py`. Prints steps checked per second (with 2
workers), the share of wrong-step traces caught at the labelled step, the share of
wrong-answer traces failed, and the share of correct traces wrongly failed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from verifiers.math import TraceInput, trace_pool, verify_traces
from verifiers.math.traces import first_refuted_step, steps_checked

TRACES = Path(__file__).resolve().parents[1] / "tests" / "math" / "data" / "traces.jsonl"
ROUNDS = 3  # passes over the set, so the timing is not dominated by one slow trace


def load_traces() -> list[dict[str, Any]]:
    return [json.loads(line) for line in TRACES.read_text(encoding="utf-8").splitlines() if line]


def main() -> None:
    labelled = load_traces()
    inputs = [
        TraceInput(
            id=t["id"],
            problem=t["problem"],
            reference_answer=t["reference_answer"],
            solution=t["solution"],
        )
        for t in labelled
    ]
    with trace_pool(2) as pool:
        verify_traces(inputs[:2], pool)
        started = time.perf_counter()
        for _ in range(ROUNDS):
            verdicts = verify_traces(inputs, pool)
        elapsed = time.perf_counter() - started
    checked = sum(steps_checked(v) for v in verdicts) * ROUNDS
    total = sum(sum(1 for e in v.evidence if e.check == "step") for v in verdicts) * ROUNDS
    print(f"{len(labelled)} traces, {total // ROUNDS} steps; {checked // ROUNDS} steps checked")
    print(
        f"speed: {total / elapsed:.0f} steps/s, {checked / elapsed:.0f} checked steps/s (2 workers)"
    )
    groups: dict[str, list[bool]] = {"correct": [], "wrong_step": [], "wrong_answer": []}
    for trace, verdict in zip(labelled, verdicts, strict=True):
        if trace["label"] == "wrong_step":
            ok = not verdict.passed and first_refuted_step(verdict) == trace["wrong_step"]
        elif trace["label"] == "wrong_answer":
            ok = not verdict.passed
        else:
            ok = verdict.passed
        groups[trace["label"]].append(ok)
        if not ok:
            refuted = first_refuted_step(verdict)
            expected = trace["wrong_step"]
            print(f"  miss {trace['id']} {trace['label']} expected step {expected}, got {refuted}")
            for evidence in verdict.evidence:
                print(
                    f"      {evidence.check} {evidence.index} {evidence.outcome}: {evidence.reason}"
                )
    caught = groups["wrong_step"]
    print(
        f"wrong-step traces caught at the right step: {sum(caught)}/{len(caught)} "
        f"= {sum(caught) / len(caught):.1%}"
    )
    wrong = groups["wrong_answer"]
    print(f"wrong-answer traces failed: {sum(wrong)}/{len(wrong)} = {sum(wrong) / len(wrong):.1%}")
    correct = groups["correct"]
    false = len(correct) - sum(correct)
    print(
        f"correct traces failed (false refutations): {false}/{len(correct)} "
        f"= {false / len(correct):.1%}"
    )


if __name__ == "__main__":
    main()
