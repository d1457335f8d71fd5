"""LaTeX -> SymPy cost: latex2sympy as shipped against our parser (numbers without sympify,
plain numerals without the grammar, each text parsed once per worker).

Run: `.venv/bin/python benchmarks/math_parse.py`. Parses every text of the labelled answer
pairs and every relation side of the labelled traces, side by side in this process, checks
that both give the same values, and prints milliseconds per text for: latex2sympy as shipped,
ours on a cold cache, and ours over ROUNDS passes (each gold and step side recurs once per
trace of its problem, as in `factory run` with k traces per problem). Then the whole check of
each bundled replay math transcript (answer and steps, in this process, no pool) with each
parser, alternating, as milliseconds per trace.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import sympy
from latex2sympy2_extended import latex2sympy

from factory.teachers.replay import load_transcripts
from problems import bundled_paths, load_problems
from verifiers.math import parse as answer_parse
from verifiers.math.final_answer import extract
from verifiers.math.latex_parser import NORMALIZE, parse_latex, parse_normalized
from verifiers.math.parse import plain_to_latex
from verifiers.math.steps import parse_solution
from verifiers.math.tasks import prepare, read_gold, trace_task
from verifiers.math.traces import trace_payload

DATA = Path(__file__).resolve().parents[1] / "tests" / "math" / "data"
ROUNDS = 4  # traces per problem that meet the same texts


def texts() -> list[str]:
    found: list[str] = []
    for line in (DATA / "answer_pairs.jsonl").read_text(encoding="utf-8").splitlines():
        pair = json.loads(line)
        found += [plain_to_latex(pair["gold"]), plain_to_latex(pair["answer"])]
    for line in (DATA / "traces.jsonl").read_text(encoding="utf-8").splitlines():
        for step in parse_solution(json.loads(line)["solution"]):
            for relation in step.relations:
                sides = relation["sides"]
                assert isinstance(sides, list)
                found += [plain_to_latex(str(side)) for side in sides]
    return found


def stock(latex: str) -> object:
    value = latex2sympy(latex, is_real=True, normalization_config=NORMALIZE)
    return sympy.ImmutableMatrix(value) if isinstance(value, sympy.MatrixBase) else value


def _timed(parse: Callable[[str], object], latex: str) -> tuple[object, float]:
    started = time.perf_counter()
    try:
        value: object = parse(latex)
    except Exception as error:
        value = type(error).__name__
    return value, time.perf_counter() - started


def _same(left: object, right: object) -> bool:
    """Same value, or both refused (an error's name stands for the value)."""
    if isinstance(left, str) or isinstance(right, str):
        return isinstance(left, str) and isinstance(right, str)
    return bool(left == right)


def main() -> None:
    corpus = texts()
    for latex in corpus[:20]:
        stock(latex)  # warm the grammar's lazily built tables for both
    theirs, ours_cold, ours_warm, differ = [], [], [], []
    for latex in corpus:
        their_value, their_seconds = _timed(stock, latex)
        our_value, our_seconds = _timed(parse_normalized.__wrapped__, latex)  # no cache
        theirs.append(their_seconds)
        ours_cold.append(our_seconds)
        if not _same(their_value, our_value):
            differ.append(latex)
    parse_normalized.cache_clear()
    started = time.perf_counter()
    for _ in range(ROUNDS):
        for latex in corpus:
            _timed(parse_latex, latex)
    warm_total = time.perf_counter() - started
    ours_warm.append(warm_total / (ROUNDS * len(corpus)))
    print(f"{len(corpus)} texts ({len(set(corpus))} distinct); values differ on {len(differ)}")
    for latex in differ[:5]:
        print(f"  differs: {latex!r}")
    stock_mean = statistics.fmean(theirs) * 1000
    cold_mean = statistics.fmean(ours_cold) * 1000
    print(
        f"latex2sympy as shipped: mean {stock_mean:.3f} ms/text, "
        f"median {statistics.median(theirs) * 1000:.3f}"
    )
    print(
        f"ours, no cache:         mean {cold_mean:.3f} ms/text, "
        f"median {statistics.median(ours_cold) * 1000:.3f}  (x{stock_mean / cold_mean:.2f})"
    )
    warm_mean = ours_warm[0] * 1000
    print(
        f"ours, {ROUNDS} traces per problem: mean {warm_mean:.3f} ms/text "
        f"(x{stock_mean / warm_mean:.2f} against latex2sympy as shipped)"
    )


def per_trace() -> None:
    """Milliseconds per bundled math trace, latex2sympy as shipped against ours, alternating."""
    problems = {p.id: p for r in load_problems(bundled_paths()) for p in r.problems}
    transcripts = [t for t in load_transcripts() if t.problem_id.startswith("math/")]
    payloads = [
        trace_payload(problems[t.problem_id].answer, t.text, extract(t.text)) for t in transcripts
    ]
    prepare()
    seconds: dict[str, list[float]] = {"as shipped": [], "ours": []}
    for _ in range(2):
        for name, parser in (("as shipped", stock), ("ours", parse_latex)):
            answer_parse.parse_latex = parser  # type: ignore[assignment]
            parse_normalized.cache_clear()
            read_gold.cache_clear()
            started = time.perf_counter()
            for payload in payloads:
                trace_task(payload)
            seconds[name].append((time.perf_counter() - started) / len(payloads))
    answer_parse.parse_latex = parse_latex
    shipped, ours = (min(seconds[name]) * 1000 for name in ("as shipped", "ours"))
    print(
        f"{len(payloads)} bundled math traces: latex2sympy as shipped {shipped:.1f} ms/trace, "
        f"ours {ours:.1f} ms/trace (x{shipped / ours:.2f})"
    )


if __name__ == "__main__":
    main()
    per_trace()
