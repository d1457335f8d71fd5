"""Our answer check against math-verify on the labelled sets: accuracy, cost, and scaling.

Run: `.venv/bin/python benchmarks/math_answers.py`. Two sets: the labelled answer pairs and
the free-text set (whole solutions ending in each style of final answer). Per set it prints
accuracy, false positives and median milliseconds per pair for ours (through a 1-worker pool:
an isolated, limited worker) and for math-verify both in-process (as it is usually called) and
in an isolated worker of its own, the cost ratios, then our throughput with 1 and 2 workers.
"""

from __future__ import annotations

import json
import multiprocessing
import statistics
import time
from pathlib import Path
from typing import Any

from math_verify import parse, verify

from verifiers.math import answer_pool, verify_answers

DATA = Path(__file__).resolve().parents[1] / "tests" / "math" / "data"
PAIRS = DATA / "answer_pairs.jsonl"
FREE_TEXT = DATA / "free_text.jsonl"

ROUNDS = 3  # fresh pools per worker count; the best run is the least disturbed by other load


LabelledPair = dict[str, Any]


def load_pairs() -> list[LabelledPair]:
    return [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line]


def load_free_text() -> list[LabelledPair]:
    """Whole solutions as the answer side: each extractor has to find the final answer."""
    rows = [json.loads(line) for line in FREE_TEXT.read_text(encoding="utf-8").splitlines()]
    return [{**row, "answer": row["solution"], "kind": row["style"]} for row in rows]


def _delimited(text: str) -> str:
    """math-verify reads LaTeX only inside math delimiters: wrap bare answers in `$...$`."""
    if "$" in text or "\\boxed" in text or "\\(" in text or "\\[" in text:
        return text
    return f"${text}$"


def math_verify_equivalent(gold: str, answer: str) -> bool:
    return bool(verify(parse(_delimited(gold)), parse(_delimited(answer))))


def _math_verify_pair(pair: tuple[str, str]) -> bool:
    return math_verify_equivalent(*pair)


def _ours_per_pair(pairs: list[LabelledPair]) -> tuple[list[bool], list[float]]:
    """Each pair on its own through a 1-worker pool: per-pair cost including the round trip."""
    verdicts, costs = [], []
    with answer_pool(1) as pool:
        verify_answers([("1", "1")], pool)  # warm the worker
        for pair in pairs:
            started = time.perf_counter()
            verdict = verify_answers([(pair["gold"], pair["answer"])], pool)[0]
            costs.append(time.perf_counter() - started)
            verdicts.append(verdict.passed)
    return verdicts, costs


def _theirs_per_pair(pairs: list[LabelledPair]) -> tuple[list[bool], list[float]]:
    verdicts, costs = [], []
    math_verify_equivalent("1", "1")
    for pair in pairs:
        started = time.perf_counter()
        verdicts.append(math_verify_equivalent(pair["gold"], pair["answer"]))
        costs.append(time.perf_counter() - started)
    return verdicts, costs


def _theirs_isolated(pairs: list[LabelledPair]) -> list[float]:
    """math-verify in a worker process of its own, one pair per round trip, as ours runs."""
    costs = []
    with multiprocessing.get_context("fork").Pool(1) as pool:
        pool.apply(_math_verify_pair, (("1", "1"),))
        for pair in pairs:
            started = time.perf_counter()
            pool.apply(_math_verify_pair, ((pair["gold"], pair["answer"]),))
            costs.append(time.perf_counter() - started)
    return costs


def _throughput(pairs: list[LabelledPair], workers: int) -> float:
    """Pairs per second on a fresh pool (no cache carried over), best of ROUNDS runs."""
    batch = [(pair["gold"], pair["answer"]) for pair in pairs]
    best = float("inf")
    for _ in range(ROUNDS):
        with answer_pool(workers) as pool:
            verify_answers([("1", "1")] * workers, pool)
            started = time.perf_counter()
            verify_answers(batch, pool)
            best = min(best, time.perf_counter() - started)
    return len(batch) / best


def _spin(n: int) -> int:
    return sum(i * i for i in range(n))


def _machine_scaling() -> float:
    """How much faster 2 processes run plain Python than 1 right now: the ceiling for ours."""
    context = multiprocessing.get_context("fork")
    timings = []
    for processes in (1, 2):
        with context.Pool(processes) as pool:
            started = time.perf_counter()
            pool.map(_spin, [3_000_000] * 4)
            timings.append(time.perf_counter() - started)
    return timings[0] / timings[1]


def _report(
    name: str, pairs: list[LabelledPair], verdicts: list[bool], costs: list[float]
) -> float:
    correct = sum(v == p["equivalent"] for v, p in zip(verdicts, pairs, strict=True))
    false_positives = sum(v and not p["equivalent"] for v, p in zip(verdicts, pairs, strict=True))
    median_ms = statistics.median(costs) * 1000
    print(
        f"{name:14} accuracy {correct}/{len(pairs)} = {correct / len(pairs):.1%}   "
        f"false positives {false_positives}   median {median_ms:.2f} ms/pair"
    )
    return median_ms


def _compare_on(name: str, pairs: list[LabelledPair]) -> list[tuple[LabelledPair, bool, bool]]:
    ours, our_costs = _ours_per_pair(pairs)
    theirs, their_costs = _theirs_per_pair(pairs)
    isolated = statistics.median(_theirs_isolated(pairs)) * 1000
    print(f"{name}: {len(pairs)} pairs ({sum(p['equivalent'] for p in pairs)} equivalent)")
    our_median = _report("  ours", pairs, ours, our_costs)
    their_median = _report("  math-verify", pairs, theirs, their_costs)
    print(f"  math-verify in an isolated worker: median {isolated:.2f} ms/pair")
    print(
        f"  cost ratio ours / math-verify (median): {our_median / their_median:.2f}x in-process, "
        f"{our_median / isolated:.2f}x both in isolated workers"
    )
    return list(zip(pairs, ours, theirs, strict=True))


def main() -> None:
    pairs = load_pairs()
    results = _compare_on("labelled answer pairs", pairs)
    results += _compare_on("free-text solutions", load_free_text())
    one, two = _throughput(pairs, 1), _throughput(pairs, 2)
    print(f"throughput: 1 worker {one:.0f} pairs/s, 2 workers {two:.0f} pairs/s, x{two / one:.2f}")
    print(
        f"  (plain Python in 1 vs 2 processes on this machine right now: x{_machine_scaling():.2f})"
    )
    for pair, mine, reference in results:
        if mine != pair["equivalent"] or reference != pair["equivalent"]:
            answer = pair["answer"] if len(pair["answer"]) < 60 else "..." + pair["answer"][-57:]
            print(
                f"  {pair['id']} {pair['kind']:10} expected={pair['equivalent']!s:5} "
                f"ours={mine!s:5} math-verify={reference!s:5} "
                f"{pair['gold']!r} vs {answer!r}"
            )


if __name__ == "__main__":
    main()
