"""Error-injection yield on the bundled problems with the replay teacher's correct transcripts.

Run: `.venv/bin/python benchmarks/inject_yield.py [--backend bwrap] [--per-trace 2]`. For math
(the transcript text) and code (its fenced program), per origin, it prints the share of verified
traces that yield at least one example, examples per verified trace and how many are distinct,
the share that re-verify when judged again from their text alone (target: 100%): math, the
steps up to the mistake refuted exactly there and the example without the mistake step passing;
code, the first program failing and the last one passing; and the share of preference pairs
whose rejected side is proven wrong again (target: 100%): math, its final answer proven
different from the gold with only the wrong step refuted; code, the buggy program failing.
Then one full example of each; `--sample FILE` writes 20 random examples for reading.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from collections.abc import Sequence

from factory.inject.code_inject import inject_code
from factory.inject.compose import last_program
from factory.inject.dedup import distinct
from factory.inject.math_inject import inject_math
from factory.inject.model import Correction, InjectConfig, Source
from factory.inject.real import Failure, real_code, real_math
from factory.parse import parse_code
from factory.teachers.replay import load_transcripts
from problems import CodeProblem, MathProblem, Problem, bundled_paths, load_problems
from sandbox import Sandbox, get_sandbox
from verifiers.code.verify import verify_many
from verifiers.math import TraceInput, WorkerPool, trace_pool, verify_traces
from verifiers.math.steps import split_steps
from verifiers.verdict import Verdict


def sources(domain: str, correct: bool = True) -> list[Source]:
    problems: dict[str, Problem] = {
        p.id: p for result in load_problems(bundled_paths()) for p in result.problems
    }
    found = []
    for transcript in load_transcripts():
        problem = problems.get(transcript.problem_id)
        if (transcript.label == "correct") != correct or problem is None:
            continue
        if problem.domain != domain:
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


def math_reverifies(
    pool: WorkerPool, made: Sequence[Correction], answers: dict[str, str]
) -> dict[str, tuple[bool, bool]]:
    """How many examples hold when judged again from their text alone, and how many of their
    pairs' rejected sides reach a final answer proven different from the gold, with no step but
    the wrong one refuted."""
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
        jobs.append(TraceInput(id="r", reference_answer=answer, solution=correction.rejected or ""))
    verdicts = verify_traces(jobs, pool)
    proofs = {}
    for position, correction in enumerate(made):
        mistake, without, rejected = verdicts[3 * position : 3 * position + 3]
        refuted = [e.index for e in mistake.evidence if e.outcome == "refuted"]
        wrong_step = split_steps(correction.text)[correction.position - 1] == correction.wrong
        branch = [e.index for e in rejected.evidence if e.outcome == "refuted"]
        different = any(e.check == "answer" and e.outcome == "different" for e in rejected.evidence)
        proofs[correction.id] = (
            refuted == [correction.position] and without.passed and wrong_step,
            correction.rejected is not None and branch == [correction.position] and different,
        )
    return proofs


def code_verified(sandbox: Sandbox, traces: Sequence[Source]) -> list[Source]:
    jobs: list[tuple[CodeProblem, str]] = []
    for source in traces:
        assert isinstance(source.problem, CodeProblem)
        jobs.append((source.problem, source.candidate))
    verdicts = verify_many(jobs, sandbox)
    return [s for s, v in zip(traces, verdicts, strict=True) if v.passed]


def math_failures() -> list[Failure]:
    """The replay teacher's wrong math solutions (real_math judges them itself)."""
    verdict = Verdict(status="fail", verifier="replay-label", version="0", seconds=0)
    return [Failure(s.trace_id, s.problem, s.candidate, verdict) for s in sources("math", False)]


def code_failures(sandbox: Sandbox) -> list[Failure]:
    """The replay teacher's rejected programs that fail a test: real mistakes."""
    found = []
    traces = sources("code", correct=False)
    jobs: list[tuple[CodeProblem, str]] = []
    for source in traces:
        assert isinstance(source.problem, CodeProblem)
        jobs.append((source.problem, source.candidate))
    for (problem, program), source, verdict in zip(
        jobs, traces, verify_many(jobs, sandbox), strict=True
    ):
        if verdict.status == "fail":
            found.append(Failure(source.trace_id, problem, program, verdict))
    return found


def code_reverifies(
    sandbox: Sandbox, made: Sequence[Correction], problems: dict[str, CodeProblem]
) -> dict[str, tuple[bool, bool]]:
    """Examples whose first program fails and last passes again; pairs whose rejected program
    (the buggy one) fails again."""
    jobs: list[tuple[CodeProblem, str]] = []
    for correction in made:
        problem = problems[correction.problem_id]
        final = last_program(correction.text) or ""
        jobs.extend([(problem, correction.wrong), (problem, final)])
    verdicts = verify_many(jobs, sandbox)
    proofs = {}
    for i, correction in enumerate(made):
        fails = verdicts[2 * i].status == "fail"
        proofs[correction.id] = (
            fails and verdicts[2 * i + 1].passed,
            correction.rejected is not None and fails,
        )
    return proofs


def report(
    domain: str,
    verified: Sequence[Source],
    made: Sequence[Correction],
    proofs: dict[str, tuple[bool, bool]],
) -> None:
    """One line per origin: yield per verified trace, re-verify rate, distinct examples, and the
    share of pairs whose rejected answer is proven different from the gold."""
    for origin in sorted({c.origin for c in made}) or ["injected"]:
        mine = [c for c in made if c.origin == origin]
        held = sum(proofs[c.id][0] for c in mine)
        wrong = sum(proofs[c.id][1] for c in mine)
        per_trace = len(mine) / max(1, len(verified))
        yielded = {c.trace_id for c in mine}
        pairs = sum(c.rejected is not None for c in mine)
        print(
            f"{domain}/{origin}: {len(verified)} verified traces, {len(yielded)} yield an example "
            f"({_share(len(yielded), len(verified))}); {len(mine)} examples "
            f"({len(distinct(mine))} distinct, {per_trace:.2f} per verified trace), {held} "
            f"re-verify ({_share(held, len(mine))}); {pairs} pairs, {wrong} with "
            f"the rejected answer proven different from the gold ({_share(wrong, pairs)})"
        )
        print(f"  by operator: {dict(Counter(c.operator for c in mine).most_common())}")


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "n/a"


def sample(made: Sequence[Correction], count: int, path: str) -> None:
    """A reproducible random sample of the examples, written out for reading one by one."""
    picked = random.Random(17).sample(list(made), min(count, len(made)))
    with open(path, "w", encoding="utf-8") as out:
        for number, c in enumerate(picked, 1):
            out.write(f"\n===== {number}: {c.domain} {c.origin} {c.operator} {c.trace_id}\n")
            out.write(f"{c.text}\n----- rejected:\n{c.rejected}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="bwrap")
    parser.add_argument("--per-trace", type=int, default=InjectConfig().per_trace)
    parser.add_argument("--sample", help="write a random sample of 20 examples to this file")
    args = parser.parse_args()
    math_sources = sources("math")
    with trace_pool(2) as pool:
        started = time.perf_counter()
        verified = math_verified(pool, math_sources)
        math_made = real_math(math_failures(), verified, pool)
        math_made += inject_math(verified, pool, args.per_trace)
        seconds = time.perf_counter() - started
        answers = {
            s.problem.id: s.problem.answer for s in verified if isinstance(s.problem, MathProblem)
        }
        proofs = math_reverifies(pool, math_made, answers)
    report("math", verified, math_made, proofs)
    print(f"  {seconds:.1f} s with 2 workers")
    code_sources = sources("code")
    with get_sandbox(args.backend) as sandbox:
        started = time.perf_counter()
        verified = code_verified(sandbox, code_sources)
        code_made = inject_code(verified, sandbox, args.per_trace)
        code_made = real_code(code_failures(sandbox), verified, sandbox) + code_made
        seconds = time.perf_counter() - started
        problems = {s.problem.id: s.problem for s in verified if isinstance(s.problem, CodeProblem)}
        proofs = code_reverifies(sandbox, code_made, problems)
    report("code", verified, code_made, proofs)
    print(f"  {seconds:.1f} s on {args.backend}")
    if args.sample:
        sample([*math_made, *code_made], 20, args.sample)
    for example in (math_made[0], code_made[0]):
        print(f"\n===== {example.domain} example: {example.operator} at {example.position}")
        print(example.model_dump_json(indent=2))


if __name__ == "__main__":
    main()
