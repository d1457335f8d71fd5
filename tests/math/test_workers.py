"""The worker pool's scheduling: longest texts first, results in input order."""

from __future__ import annotations

import time

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


def test_a_batch_deadline_ends_the_batch_and_the_pool_goes_on() -> None:
    payloads = [{"golds": [f"{n}/7"], "answers": [f"\\frac{{{2 * n}}}{{14}}"]} for n in range(400)]
    with answer_pool(2) as pool:
        outcomes = pool.map("answer", payloads, deadline=time.monotonic() + 0.3)
        done = [o for o in outcomes if o.status == "ok"]
        late = [o for o in outcomes if o.status != "ok"]
        assert done and late and len(done) + len(late) == len(payloads)
        assert {(o.status, o.error) for o in late} == {
            ("error", "the batch's time limit was reached")
        }
        (after,) = pool.map("answer", [{"golds": ["1"], "answers": ["1"]}])
    assert after.status == "ok" and after.result == {"decision": "equivalent", "reason": ""}
