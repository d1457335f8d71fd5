"""The gates at scale: generated records (with planted near-duplicate problems and traces, and
problems copied from the benchmark) deduplicated and decontaminated against HumanEval and a
5,000-item GSM8K-format benchmark file, as the export runs them (decide, then keep).

First the gates beside the same gates with MinHash signatures made the plain datasketch way
(`MinHash.update_batch`, a Python call per shingle: the peer our numpy signatures replace),
alternating in one process, medians. Then, per size, rows/s and the peak memory of a process that
ran only that size, and the recall of the planted copies.

    .venv/bin/python benchmarks/gates.py [--sizes 25000 50000 100000] [--compare 5000]
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from datasketch import MinHash

import factory.stages.gates.decontaminate as decontaminate_module
import factory.stages.gates.dedup as dedup_module
import factory.stages.gates.text as text_module
from factory.run import open_benchmarks
from factory.stages.gates.model import DecontaminateSettings, GatesConfig, MixSettings
from factory.stages.gates.stage import Gates
from problems import MathProblem

SYLLABLES = ["ka", "lo", "mi", "ter", "san", "dor", "vel", "pra", "gu", "zen", "rok", "fa",
             "li", "bo", "ne", "shi", "tra", "mon", "del", "qui"]  # fmt: skip
COMMON = ["the", "a", "of", "and", "to", "in", "is", "has", "how", "many", "each", "more", "then"]
BENCHMARK_ITEMS = 5000
SEED = 7


def vocabulary(rng: random.Random) -> list[str]:
    """8,400 made-up words, ranked: drawn with Zipf weights, as words in text are."""
    words = [a + b for a in SYLLABLES for b in SYLLABLES]
    words += [a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES]
    rng.shuffle(words)
    return words


class Writer:
    """Sentences over a Zipf-weighted vocabulary, with numbers, like word problems and steps."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words = vocabulary(random.Random(SEED))
        ranks = range(len(self.words))
        self.weights = list(itertools.accumulate(1 / (rank + 10) for rank in ranks))

    def sentence(self) -> str:
        rng = self.rng
        count = rng.randint(8, 14)
        picked = rng.choices(self.words, cum_weights=self.weights, k=count)
        picked += rng.choices(COMMON, k=count // 2)
        rng.shuffle(picked)
        picked.insert(rng.randrange(len(picked)), str(rng.randint(2, 999)))
        return " ".join(picked).capitalize() + "."

    def statement(self) -> str:
        return " ".join(self.sentence() for _ in range(3)) + " How many are there now?"

    def trace(self) -> str:
        rng = self.rng
        steps = [f"{i}. {self.sentence()} So $ {rng.randint(2, 999)} + {rng.randint(2, 99)} = "
                 f"{rng.randint(2, 999)} $." for i in range(1, 5)]  # fmt: skip
        return "\n".join(steps) + f"\nFinal answer: \\boxed{{{rng.randint(1, 999)}}}"


def edited(text: str, rng: random.Random) -> str:
    """A near-copy: one word changed, spacing touched, steps renumbered."""
    words = text.split(" ")
    words[rng.randrange(len(words))] = "thing"
    return " ".join(words).replace("1. ", "Step 1: ").replace(". ", ".  ")


def benchmark_file(path: Path, rng: random.Random) -> list[str]:
    """A GSM8K-format test file of generated items; their questions, to plant copies of."""
    writer = Writer(rng)
    questions = [writer.statement() for _ in range(BENCHMARK_ITEMS)]
    with path.open("w", encoding="utf-8") as out:
        for question in questions:
            answer = f"{writer.trace()}\n#### 5"
            out.write(json.dumps({"question": question, "answer": answer}) + "\n")
    return questions


def shaped(record_id: str, problem_id: str, text: str) -> dict[str, Any]:
    """A verified record as the store keeps it (its JSON, decoded), with the fields gates read."""
    return {
        "id": record_id,
        "kind": "verified",
        "problem_id": problem_id,
        "origin": "synthetic",
        "messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": text}],
        "reasoning": None,
        "provenance": [{"sample": 0}],
    }


def generate(
    size: int, questions: list[str]
) -> Iterator[tuple[MathProblem, list[dict[str, Any]], str | None]]:
    """`size` records, a problem at a time, the same on every call: 2 traces per problem; 5% of
    problems a near-copy of an earlier one, 1% a copy of a benchmark question, 10% of second
    traces a near-copy of the first. With each problem, what was planted in it (or None)."""
    rng = random.Random(SEED)
    writer = Writer(rng)
    statements: list[str] = []
    for index in range(size // 2):
        problem_id = f"p{index}"
        roll, planted = rng.random(), None
        if roll < 0.05 and statements:
            text, planted = edited(rng.choice(statements), rng), "problem"
        elif roll < 0.06:
            text, planted = rng.choice(questions), "contaminated"
        else:
            text = writer.statement()
            statements.append(text)
        first = writer.trace()
        copied = rng.random() < 0.1
        second = edited(first, rng) if copied else writer.trace()
        if copied and planted is None:
            planted = "trace"
        records = [shaped(f"{problem_id}.0", problem_id, first),
                   shaped(f"{problem_id}.1", problem_id, second)]  # fmt: skip
        yield MathProblem(id=problem_id, statement=text, answer="5"), records, planted


def records(size: int, questions: list[str]) -> Iterator[dict[str, Any]]:
    for _, pair, _ in generate(size, questions):
        yield from pair


def peer_minhash(hashes: np.ndarray, permutations: int) -> MinHash:
    """The plain datasketch way: `update_batch`, its Python hash call per shingle (the same
    values as ours, so the two share one benchmark index)."""
    signature = MinHash(num_perm=permutations, hashfunc=_identity, permutations=_PEER[0],
                        scheme="affine32")  # fmt: skip
    signature.update_batch(hashes.tolist())
    return signature


def _identity(value: int) -> int:
    return value


_PEER: list[Any] = []
OURS = text_module.minhash


def _signatures(peer: bool) -> None:
    """Swap the gates' MinHash for the peer's, or back."""
    if not _PEER:
        _PEER.append(MinHash(num_perm=128).permutations)
    for module in (decontaminate_module, dedup_module):
        setattr(module, "minhash", peer_minhash if peer else OURS)  # noqa: B010


def _problems(
    size: int, questions: list[str]
) -> tuple[dict[str, MathProblem], dict[str, set[str]]]:
    problems: dict[str, MathProblem] = {}
    planted: dict[str, set[str]] = {"problem": set(), "contaminated": set(), "trace": set()}
    for problem, _, kind in generate(size, questions):
        problems[problem.id] = problem
        if kind is not None:
            planted[kind].add(problem.id if kind != "trace" else f"{problem.id}.1")
    return problems, planted


def _config(bench: Path) -> GatesConfig:
    return GatesConfig(
        decontaminate=DecontaminateSettings(benchmarks=[bench]), mix=MixSettings(human=[])
    )


def side_by_side(size: int, rounds: int, bench: Path, questions: list[str]) -> tuple[float, float]:
    """Median rows/s of decide + keep with our signatures and with the peer's, alternating in
    this one process (so the machine's load hits both alike)."""
    problems, _ = _problems(size, questions)
    config = _config(bench)
    benchmarks = open_benchmarks(config)
    rates: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(rounds):
        for peer in (False, True):
            _signatures(peer)
            gates = Gates(config, problems, benchmarks)
            started = time.perf_counter()
            for _row in gates.decide(records(size, questions)):
                pass
            for _kept in gates.keep(records(size, questions)):
                pass
            rates[peer].append(size / (time.perf_counter() - started))
    _signatures(False)
    return statistics.median(rates[False]), statistics.median(rates[True])


def measure(size: int, bench: Path, questions: list[str], queue: Any) -> None:
    """One size in this process: rows/s of decide + keep, peak RSS, and recall."""
    problems, planted = _problems(size, questions)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    config = _config(bench)
    started = time.perf_counter()
    gates = Gates(config, problems, open_benchmarks(config))
    index_seconds = time.perf_counter() - started
    started = time.perf_counter()
    removed: dict[str, set[str]] = {}
    for row in gates.decide(records(size, questions)):
        whole = row.reason.endswith("_problem") or row.reason == "contaminated"
        removed.setdefault(row.reason, set()).add(row.problem_id if whole else row.id)
    kept = sum(1 for _ in gates.keep(records(size, questions)))
    seconds = time.perf_counter() - started
    copies = removed.get("near_duplicate_problem", set()) | removed.get("duplicate_problem", set())
    traces = removed.get("near_duplicate", set()) | removed.get("duplicate", set())
    found = {
        "problem": len(planted["problem"] & copies),
        "contaminated": len(planted["contaminated"] & removed.get("contaminated", set())),
        "trace": len(planted["trace"] & traces),
    }
    queue.put({
        "size": size, "rows_per_s": size / seconds, "index_s": index_seconds, "kept": kept,
        "recall": {k: (found[k], len(planted[k])) for k in planted},
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "problems_mb": before / 1024,
    })  # fmt: skip


def run(size: int, bench: Path, questions: list[str]) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=measure, args=(size, bench, questions, queue))
    process.start()
    figures: dict[str, Any] = queue.get()
    process.join()
    return figures


def stream(
    sizes: list[int], compare: int, rounds: int, bench: Path, questions: list[str]
) -> Iterator[str]:
    ours, peer = side_by_side(compare, rounds, bench, questions)
    yield (f"{compare} records, median of {rounds} alternating rounds in one process: gates "
           f"{ours:.0f} rows/s, datasketch update_batch signatures {peer:.0f} rows/s "
           f"({ours / peer:.2f}x)")  # fmt: skip
    yield f"{'records':>8} {'rows/s':>8} {'peak MB':>8} {'problems MB':>11} {'index s':>8}  " \
          "planted copies found"  # fmt: skip
    for size in sizes:
        figures = run(size, bench, questions)
        yield (f"{size:>8} {figures['rows_per_s']:>8.0f} {figures['peak_mb']:>8.0f} "
               f"{figures['problems_mb']:>11.0f} {figures['index_s']:>8.1f}  "
               f"{_recall(figures)}")  # fmt: skip


def _recall(figures: dict[str, Any]) -> str:
    return ", ".join(f"{kind} {found}/{planted}" for kind, (found, planted)
                     in figures["recall"].items())  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25_000, 50_000, 100_000])
    parser.add_argument("--compare", type=int, default=5_000, help="records compared with the peer")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench = Path(folder) / "bench_test.jsonl"
        questions = benchmark_file(bench, random.Random(SEED + 1))
        print(
            f"benchmarks: HumanEval (164) + {bench.name} ({BENCHMARK_ITEMS}); one process per "
            "size; peak MB is its peak RSS, problems MB its RSS with the problems loaded, before "
            "the gates (records stream, as the export reads them from the store)",
            flush=True,
        )
        for line in stream(args.sizes, args.compare, args.rounds, bench, questions):
            print(line, flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
