"""Error-injection yield on the bundled problems with the replay teacher's correct transcripts.

Run: `.venv/bin/python benchmarks/inject_yield.py [--backend bwrap] [--per-trace 2]`. For math
(the transcript text) and code (its fenced program) it prints the share of verified traces that
yield at least one proven-wrong injection (target: at least 90%), and the share of emitted
examples that re-verify when judged again from their text alone (target: 100%): math, the
steps up to the mistake refuted exactly there and the example without the mistake step passing;
code, the first program failing and the last one passing. Then one full example of each.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Sequence

from factory.inject.code_inject import inject_code
from factory.inject.compose import last_program
from factory.inject.math_inject import inject_math
from factory.inject.model import Correction, InjectConfig, Source
from factory.parse import parse_code
from factory.teachers.replay import load_transcripts
from problems import CodeProblem, MathProblem, Problem, bundled_paths, load_problems
from sandbox import Sandbox, get_sandbox
from verifiers.code.verify import verify_many
from verifiers.math import TraceInput, WorkerPool, trace_pool, verify_traces
from verifiers.math.steps import split_steps


def sources(domain: str) -> list[Source]:
    problems: dict[str, Problem] = {
        p.id: p for result in load_problems(bundled_paths()) for p in result.problems
    }
    found = []
    for transcript in load_transcripts():
        problem = problems.get(transcript.problem_id)
        if transcript.label != "correct" or problem is None or problem.domain != domain:
            continue
        candidate = transcript.text if domain == "math" else parse_code(transcript.text).code
        if candidate is not None:
            trace_id = f"{transcript.problem_id}#{transcript.sample}"
            found.append(Source(trace_id, problem, candidate))
    return found


def math_verified(pool: WorkerPool, traces: Sequence[Source]) -> list[Source]:
    jobs = []
    for source in traces:
        assert isinstance(source.problem, MathProblem)
        jobs.append(
            TraceInput(
                id=source.trace_id,
                reference_answer=source.problem.answer,
                solution=source.candidate,
            )
        )
    verdicts = verify_traces(jobs, pool)
    return [s for s, v in zip(traces, verdicts, strict=True) if v.passed]


def math_reverifies(pool: WorkerPool, made: Sequence[Correction], answers: dict[str, str]) -> int:
    """How many examples hold when judged again from their text alone."""
    jobs = []
    for correction in made:
        steps = split_steps(correction.text)
        mistake = correction.position
        answer = answers[correction.problem_id]
        jobs.append(
            TraceInput(id="m", reference_answer=answer, solution="\n".join(steps[:mistake]))
        )
        without = "\n".join(steps[: mistake - 1] + steps[mistake:])
        jobs.append(TraceInput(id="w", reference_answer=answer, solution=without))
    verdicts = verify_traces(jobs, pool)
    held = 0
    for position, correction in enumerate(made):
        mistake, without = verdicts[2 * position : 2 * position + 2]
        refuted = [e.index for e in mistake.evidence if e.outcome == "refuted"]
        wrong_step = split_steps(correction.text)[correction.position - 1] == correction.wrong
        held += refuted == [correction.position] and without.passed and wrong_step
    return held


def code_verified(sandbox: Sandbox, traces: Sequence[Source]) -> list[Source]:
    jobs: list[tuple[CodeProblem, str]] = []
    for source in traces:
        assert isinstance(source.problem, CodeProblem)
        jobs.append((source.problem, source.candidate))
    verdicts = verify_many(jobs, sandbox)
    return [s for s, v in zip(traces, verdicts, strict=True) if v.passed]


def code_reverifies(
    sandbox: Sandbox, made: Sequence[Correction], problems: dict[str, CodeProblem]
) -> int:
    jobs: list[tuple[CodeProblem, str]] = []
    for correction in made:
        problem = problems[correction.problem_id]
        final = last_program(correction.text) or ""
        jobs.extend([(problem, correction.wrong), (problem, final)])
    verdicts = verify_many(jobs, sandbox)
    return sum(
        verdicts[2 * i].status == "fail" and verdicts[2 * i + 1].passed for i in range(len(made))
    )


def report(domain: str, verified: Sequence[Source], made: Sequence[Correction], held: int) -> None:
    yielded = {c.trace_id for c in made}
    share = len(yielded) / len(verified) if verified else 0.0
    print(
        f"{domain}: {len(verified)} verified traces, {len(yielded)} yield a proven-wrong "
        f"injection ({share:.1%}); {len(made)} examples emitted, {held} re-verify "
        f"({held / len(made) if made else 0.0:.1%})"
    )
    print(f"  by operator: {dict(Counter(c.operator for c in made).most_common())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="bwrap")
    parser.add_argument("--per-trace", type=int, default=InjectConfig().per_trace)
    args = parser.parse_args()
    math_sources = sources("math")
    with trace_pool(2) as pool:
        started = time.perf_counter()
        verified = math_verified(pool, math_sources)
        math_made = inject_math(verified, pool, args.per_trace)
        seconds = time.perf_counter() - started
        answers = {
            s.problem.id: s.problem.answer for s in verified if isinstance(s.problem, MathProblem)
        }
        held = math_reverifies(pool, math_made, answers)
    report("math", verified, math_made, held)
    print(f"  {seconds:.1f} s with 2 workers")
    code_sources = sources("code")
    with get_sandbox(args.backend) as sandbox:
        started = time.perf_counter()
        verified = code_verified(sandbox, code_sources)
        code_made = inject_code(verified, sandbox, args.per_trace)
        seconds = time.perf_counter() - started
        problems = {s.problem.id: s.problem for s in verified if isinstance(s.problem, CodeProblem)}
        held = code_reverifies(sandbox, code_made, problems)
    report("code", verified, code_made, held)
    print(f"  {seconds:.1f} s on {args.backend}")
    for example in (math_made[0], code_made[0]):
        print(f"\n===== {example.domain} example: {example.operator} at {example.position}")
        print(example.model_dump_json(indent=2))


if __name__ == "__main__":
    main()
