"""The synthesize stage: precision and recall on the labelled sets, and throughput at scale.

1. The labelled math and code candidates (tests/synthesis): precision (kept ones that are good)
   and recall (good ones kept) per domain, and the median mutation score of kept code problems.
2. `--problems` new math problems from the bundled seeds against a local chat-completions server
   (in its own process) answering after `--latency` seconds, `--concurrency` requests in flight:
   each candidate costs one generation and `--solutions` solutions. Candidates are judged as
   soon as their solutions are in, while other requests are in flight. Prints the sustained
   request rate against the concurrency / latency bound and the time of each stage: asking,
   judging (busy time, overlapped with asking) and the judging tail after the last answer;
   side by side, the rate of the same client asking alone (`PEER_REQUESTS` plain requests, no
   judging) just before, on the same server: on a shared machine the bound may be out of reach
   for anyone, and the ratio says what judging costs the asking.

    .venv/bin/python benchmarks/synthesis.py [--problems 1000] [--latency 0.5] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import re
import statistics
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from factory.pipeline import TeacherSlot
from factory.store import Store
from factory.synthesis.code_accept import judge_code
from factory.synthesis.math_accept import judge_math
from factory.synthesis.model import Decision, SynthesisSettings
from factory.synthesis.near_dup import NearDuplicates
from factory.synthesis.stage import Asker, JudgeClock, Seed, synthesize_math
from factory.teachers.base import Message
from factory.teachers.config import TeacherConfig
from factory.teachers.openai_teacher import OpenAITeacher
from problems import CodeProblem, MathProblem, bundled_paths, load_problems
from sandbox import get_sandbox
from verifiers.math import answer_pool, trace_pool

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.factory.fake_openai import FakeOpenAI, Reply, completion
from tests.synthesis import labelled_code, labelled_math

WAREHOUSE = (
    "A warehouse ships {a} crates of {b} boxes each, and then receives {c} more boxes. How "
    "many boxes has it shipped minus received, counting each box once?"
)
PEER_REQUESTS = 2000
_NUMBERS = re.compile(r"ships (\d+) crates of (\d+) boxes each, and then receives (\d+) more")


def _seeds(domain: type[MathProblem] | type[CodeProblem]) -> NearDuplicates:
    index = NearDuplicates()
    for result in load_problems(bundled_paths()):
        for problem in result.problems:
            if isinstance(problem, domain):
                index.add(problem.id, problem.statement)
    return index


def _rates(name: str, labels: list[bool], decisions: list[Decision]) -> None:
    kept = [good for good, decision in zip(labels, decisions, strict=True) if decision.accepted]
    precision = sum(kept) / len(kept) if kept else 1.0
    recall = sum(kept) / sum(labels)
    bad_kept = len(kept) - sum(kept)
    print(f"{name}: {len(labels)} labelled ({sum(labels)} good): kept {len(kept)}, "
          f"precision {precision:.0%} ({bad_kept} bad kept), recall {recall:.0%}")  # fmt: skip


def labelled(backend: str) -> None:
    with answer_pool(2) as answers, trace_pool(2) as traces:
        math_items = labelled_math.LABELLED
        decisions = judge_math([i.candidate for i in math_items], _seeds(MathProblem), answers,
                               traces)  # fmt: skip
    _rates("math", [i.reason is None for i in math_items], decisions)
    code_items = labelled_code.LABELLED
    with get_sandbox(backend) as sandbox:
        code = judge_code([i.candidate for i in code_items], _seeds(CodeProblem), sandbox)
    _rates("code", [i.reason is None for i in code_items], code)
    scores = [d.mutation_score for d in code if d.accepted and d.mutation_score is not None]
    print(f"code: median mutation score of kept problems' tests {statistics.median(scores):.2f} "
          f"(min {min(scores):.2f}, {len(scores)} problems)")  # fmt: skip


def serve(latency: float, conn: Connection) -> None:
    """Generation prompts get a new warehouse problem each; solve prompts its solution."""
    counter = iter(range(10**9))
    lock = threading.Lock()

    def respond(body: dict[str, Any]) -> Reply:
        prompt = body["messages"][-1]["content"]
        found = _NUMBERS.search(prompt)
        if found is None:
            with lock:
                i = next(counter)
            statement = WAREHOUSE.format(a=12 + i % 80, b=3 + (i // 80) % 40, c=1000 + i)
            text = "```json\n" + json.dumps({"statement": statement}) + "\n```"
        else:
            a, b, c = map(int, found.groups())
            text = (f"1. Shipped: ${a} \\cdot {b} = {a * b}$.\n"
                    f"2. Shipped minus received: ${a * b} - {c} = {a * b - c}$.\n"
                    f"3. Final answer: \\boxed{{{a * b - c}}}")  # fmt: skip
        return Reply(body=completion(text, completion_tokens=len(text) // 4), delay=latency)

    with FakeOpenAI(respond) as server:
        conn.send(server.url)
        conn.recv()


async def _ask_alone(url: str, args: argparse.Namespace, run_dir: Path) -> float:
    """Requests per second of the same client through the same store, asking only."""
    config = TeacherConfig(name="peer", model="bench-model", base_url=url, api_key="none",
                           concurrency=args.concurrency)  # fmt: skip
    teacher = OpenAITeacher(config)
    try:
        with Store(run_dir) as store:
            asker = Asker(store, TeacherSlot(teacher, config), concurrency=args.concurrency)
            prompt = [Message(role="user", content="Write a new problem.")]
            await asyncio.gather(*(asker.ask("peer", prompt, n) for n in range(PEER_REQUESTS)))
            return asker.asked / asker.seconds_asking
    finally:
        await teacher.close()


async def _synthesize(url: str, args: argparse.Namespace, run_dir: Path) -> tuple[Any, ...]:
    seeds = [
        Seed(p.id, p.statement)
        for result in load_problems(bundled_paths())
        for p in result.problems
        if isinstance(p, MathProblem)
    ]
    per_seed = math.ceil(args.problems / len(seeds))
    settings = SynthesisSettings(per_seed=per_seed, max_candidates=args.problems,
                                 solutions=args.solutions)  # fmt: skip
    config = TeacherConfig(name="bench", model="bench-model", base_url=url, api_key="none",
                           concurrency=args.concurrency)  # fmt: skip
    teacher = OpenAITeacher(config)
    try:
        with Store(run_dir) as store, answer_pool() as answers, trace_pool() as traces:
            asker = Asker(store, TeacherSlot(teacher, config), concurrency=args.concurrency)
            known = _seeds(MathProblem)
            clock = JudgeClock()
            started = time.monotonic()
            results = await synthesize_math(
                seeds, asker, settings, known, answers, traces, clock=clock
            )
            return results, asker, clock, time.monotonic() - started
    finally:
        await teacher.close()


def throughput(args: argparse.Namespace) -> None:
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(args.latency, theirs), daemon=True)
    server.start()
    url = ours.recv()
    with tempfile.TemporaryDirectory() as peer_dir:
        alone = asyncio.run(_ask_alone(url, args, Path(peer_dir)))
    with tempfile.TemporaryDirectory() as run_dir:
        results, asker, clock, wall = asyncio.run(_synthesize(url, args, Path(run_dir)))
    ours.send("stop")
    server.join(5)
    ceiling = args.concurrency / args.latency
    kept = sum(d.accepted for _, d in results)
    reasons: dict[str, int] = {}
    for _, decision in results:
        reasons[str(decision.reason)] = reasons.get(str(decision.reason), 0) + 1
    rate = asker.asked / asker.seconds_asking if asker.seconds_asking else 0.0
    print(f"{len(results)} candidates, {kept} kept ({reasons}); {asker.asked} requests at "
          f"latency {args.latency} s, concurrency {args.concurrency}")  # fmt: skip
    print(f"requests: {rate:.1f}/s while asking and judging = {rate / ceiling:.0%} of the "
          f"{ceiling:.0f}/s bound; the client asking alone: {alone:.1f}/s = "
          f"{alone / ceiling:.0%}; with judging / alone = {rate / alone:.0%}")  # fmt: skip
    asking = asker.seconds_asking
    tail = max(0.0, clock.last_done - asker.last_answered)
    print(f"stages: asking {asking:.1f} s; judging {clock.seconds:.1f} s busy in {clock.batches} "
          f"batches, overlapped with asking, {tail:.1f} s of it after the last answer; "
          f"wall {wall:.1f} s")  # fmt: skip
    keeps_up = tail <= 0.1 * wall
    print(f"verification keeps up: {'yes' if keeps_up else 'no'} (judging after the last answer "
          f"{tail:.1f} s <= 10% of wall); requests >= 90% of the bound: "
          f"{'yes' if rate >= 0.9 * ceiling else 'no'} ({rate / ceiling:.0%}; asking alone "
          f"{alone / ceiling:.0%})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=1000, help="new problems to generate")
    parser.add_argument("--solutions", type=int, default=4, help="solutions per candidate")
    parser.add_argument("--latency", type=float, default=0.5, help="seconds per request")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument("--backend", default="auto", help="sandbox for the code candidates")
    parser.add_argument("--skip-labelled", action="store_true", help="only the throughput run")
    args = parser.parse_args()
    if not args.skip_labelled:
        labelled(args.backend)
    throughput(args)


if __name__ == "__main__":
    main()
