"""Human-written solutions as records: the reference solution a loaded problem comes with (a
GSM8K or MATH solution, a HumanEval canonical solution, an MBPP program), judged by the same
verifier as a teacher's trace. A passing one is an SFT row of origin `human`; a failing one is
kept in the store as a rejected human record, which the gates report and never export.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from factory.prompts import prompt_hash, render
from factory.records import Provenance, Record, VerifierInfo, hash_of_tests, rejection_reason
from factory.store import Store
from factory.teachers.base import Message, Sampling, Usage
from problems import CodeProblem, MathProblem, Problem
from verifiers.plugins import Verifier
from verifiers.verdict import Verdict

HUMAN = "human"  # the teacher and model a human record names in its provenance
BATCH = 64  # solutions handed to one verifier call


def human_solution(problem: Problem) -> str | None:
    """The candidate a problem's own solution gives the verifier: a math solution with its
    final answer (GSM8K's `#### n` line, which its loader splits off, put back), or the
    reference program. None for a problem without one, or one a model made (synthesized)."""
    if problem.lineage is not None:
        return None
    if isinstance(problem, CodeProblem):
        return problem.reference_solution
    if not problem.solution:
        return None
    if "\\boxed" in problem.solution or "####" in problem.solution:
        return problem.solution
    return f"{problem.solution}\n#### {problem.answer}"


def _content(problem: Problem, solution: str) -> str:
    if isinstance(problem, MathProblem):
        return solution
    return f"```python\n{solution.rstrip()}\n```"


def human_record_id(problem: Problem, solution: str, info: VerifierInfo) -> str:
    parts = ("human", problem.id, solution, info.key)
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def human_record(
    problem: Problem, solution: str, verdict: Verdict, info: VerifierInfo, template: str
) -> Record:
    """The row of a human solution: the same prompt a teacher is asked, the solution as the
    answer, and the verdict."""
    record_id = human_record_id(problem, solution, info)
    prompt = render(problem, template)
    return Record(
        id=record_id,
        kind="verified" if verdict.passed else "rejected",
        problem_id=problem.id,
        domain=problem.domain,
        messages=[*prompt, Message(role="assistant", content=_content(problem, solution))],
        reason=None if verdict.passed else rejection_reason(verdict),
        verdicts=[verdict],
        provenance=[
            Provenance(
                trace_id=record_id,
                request_key="",
                teacher=HUMAN,
                model=HUMAN,
                endpoint_model=HUMAN,
                sampling=Sampling(temperature=0),
                sample=0,
                prompt_hash=prompt_hash(prompt),
                usage=Usage(),
                problem_source=problem.source,
                problem_license=problem.license,
                lineage=None,
                tests_hash=hash_of_tests(problem),
                verifier=info.name,
                verifier_version=info.version,
                sandbox_backend=info.sandbox_backend,
                sandbox_image=info.sandbox_image,
            )
        ],
        origin="human",
    )


def verify_human(
    problems: Sequence[Problem],
    verifiers: Mapping[str, Verifier],
    infos: Mapping[str, VerifierInfo],
    templates: Mapping[str, str],
    store: Store,
) -> dict[str, str]:
    """The record id of each problem's human solution (problem id -> record id), judged and
    stored once: a rerun with the same verifier takes the stored verdict. A solution the
    verifier could not judge gets no record (the next run tries again)."""
    ids: dict[str, str] = {}
    waiting: list[tuple[Problem, str]] = []
    for problem in problems:
        solution = human_solution(problem)
        info = infos.get(problem.domain)
        if solution is None or info is None or problem.domain not in verifiers:
            continue
        ids[problem.id] = human_record_id(problem, solution, info)
        waiting.append((problem, solution))
    stored = store.records(list(ids.values()))
    waiting = [(p, s) for p, s in waiting if ids[p.id] not in stored]
    for domain in sorted({problem.domain for problem, _ in waiting}):
        jobs = [(p, s) for p, s in waiting if p.domain == domain]
        for start in range(0, len(jobs), BATCH):
            batch = jobs[start : start + BATCH]
            verdicts = verifiers[domain].verify(batch)
            records = [
                human_record(problem, solution, verdict, infos[domain], templates[domain])
                for (problem, solution), verdict in zip(batch, verdicts, strict=True)
                if verdict.judged
            ]
            store.save_records(records)
            judged = {record.problem_id for record in records}
            for problem, _ in batch:
                if problem.id not in judged:
                    del ids[problem.id]
    return ids
