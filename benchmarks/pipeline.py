"""Throughput of `factory run` against an endpoint with a fixed latency.

The bundled math and code problems go through the whole pipeline (OpenAI client, run store,
parse, the real verifiers, export) against a local chat-completions server, in its own process,
that answers every request after `--latency` seconds with the problem's reference solution.
With `--concurrency` requests in flight, latency and concurrency allow concurrency / latency
traces/s; the benchmark prints the sustained generation rate against that ceiling, how fast each
verifier judged, and the busy time of every stage.

    .venv/bin/python benchmarks/pipeline.py [--k 8] [--latency 0.5] [--concurrency 32]

k=8 (760 requests, about 24 rounds of requests) so that the first round and the drain at the
end, when fewer than `concurrency` requests are left, weigh little in the sustained rate.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from factory.config import load_config
from factory.run import build_teachers, execute, load_run_problems, open_verifiers
from problems import CodeProblem, MathProblem, Problem, bundled_paths, load_problems

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.factory.fake_openai import FakeOpenAI, Reply, completion


def reply_text(problem: Problem) -> str:
    if isinstance(problem, MathProblem):
        return problem.solution or f"\\boxed{{{problem.answer}}}"
    assert isinstance(problem, CodeProblem)
    return f"Straight from the definition.\n\n```python\n{problem.reference_solution}```\n"


def serve(latency: float, conn: Connection) -> None:
    """The endpoint, in a process of its own so it takes no time from the pipeline's."""
    problems = [p for result in load_problems(bundled_paths()) for p in result.problems]
    answers = {p.statement: reply_text(p) for p in problems}

    def respond(body: dict[str, Any]) -> Reply:
        prompt = body["messages"][-1]["content"]
        text = next(answer for statement, answer in answers.items() if statement in prompt)
        return Reply(body=completion(text, completion_tokens=len(text) // 4), delay=latency)

    with FakeOpenAI(respond) as server:
        conn.send(server.url)
        conn.recv()  # until told to stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=8, help="traces per problem (all verify)")
    parser.add_argument("--latency", type=float, default=0.5, help="seconds per request")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument("--backend", default="auto", help="sandbox for the code verifier")
    args = parser.parse_args()

    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(args.latency, theirs), daemon=True)
    server.start()
    url = ours.recv()
    with tempfile.TemporaryDirectory() as run_dir:
        teacher = {
            "name": "bench",
            "model": "bench-model",
            "base_url": url,
            "api_key": "none",
            "concurrency": args.concurrency,
        }
        config = load_config(
            None,
            {
                "teachers": [teacher],
                "k": args.k,
                "budget": args.k,
                "run_dir": run_dir,
                "verifiers.code.options.backend": args.backend,
                "inject.enabled": False,
            },
        )
        problems, _ = load_run_problems(config)
        verifiers = open_verifiers(config, problems)
        started = time.perf_counter()
        stats = execute(config, problems, build_teachers(config), verifiers)
        wall = time.perf_counter() - started
    ours.send("stop")
    server.join(5)

    ceiling = args.concurrency / args.latency
    stages = {s.stage: s.seconds for s in stats.stages}
    generated = stats.tally.traces
    rate = stats.generated_per_second or 0.0
    domains = ", ".join(f"{n} {d}" for d, n in sorted(stats.problems_by_domain.items()))
    print(f"{stats.problems} problems ({domains}), k={args.k}: {generated} requests, "
          f"latency {args.latency} s, concurrency {args.concurrency}")  # fmt: skip
    print(f"generation: {generated} traces in {stages['generate']:.1f} s with requests in flight "
          f"= {rate:.1f} traces/s sustained, {rate / ceiling:.0%} of the {ceiling:.0f}/s "
          "that latency and concurrency allow")  # fmt: skip
    for domain, tally in sorted(stats.by_domain.items()):
        busy = stages[f"verify:{domain}"]
        arriving = tally.traces / stages["generate"]
        verdict = "keeps up" if tally.traces / busy >= arriving else "falls behind"
        print(f"verify {domain}: {tally.traces} traces ({tally.passed} passed) in {busy:.1f} s "
              f"busy = {tally.traces / busy:.1f} traces/s against {arriving:.1f}/s arriving: "
              f"{verdict}")  # fmt: skip
    print(f"end to end: {stats.tally.passed}/{generated} verified in {wall:.1f} s "
          f"= {generated / wall:.1f} traces/s judged")  # fmt: skip
    print("time by stage (busy seconds; stages overlap):")
    for stage, seconds in stages.items():
        print(f"  {stage:<12} {seconds:8.2f}")


if __name__ == "__main__":
    main()
