"""The worker pool's scheduling: longest texts first, results in input order."""

from __future__ import annotations

from verifiers.math import answer_pool


def test_longest_texts_run_first_and_results_keep_input_order() -> None:
    payloads = [
        {"golds": ["1"], "answers": ["1"]},
        {"golds": ["\\frac{1}{2}"], "answers": ["0.5"]},
        {"golds": ["(x+1)^2"], "answers": ["x^2 + 2x + 1"]},
        {"golds": ["2"], "answers": ["3"]},
    ]
    started: list[int] = []
    with answer_pool(1) as pool:
        outcomes = pool.map("answer", payloads, on_done=lambda job, _: started.append(job))
    assert started == [2, 1, 0, 3]
    decisions = [o.result["decision"] if o.result else None for o in outcomes]
    assert decisions == ["equivalent", "equivalent", "equivalent", "different"]
