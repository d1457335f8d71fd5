"""Inject one bug into a verified program, prove it fails a test, and prove the fix passes.

Mutants come from the AST operators of `verifiers.code.mutate` (bugs people make), only inside
the entry-point function, one example per distinct buggy program of a problem (layout and
comments aside, so several samples that wrote the same program give one). Each runs against
the problem's tests in the sandbox; only a mutant that fails or crashes on a test is kept, and
the example quotes that test as the sandbox reported it. The program taken back out of the
composed example must pass every test again.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import zip_longest

from factory.inject.compose import (
    buggy_trace,
    code_check,
    compose_code,
    failing_test,
    last_program,
)
from factory.inject.controls import rotated
from factory.inject.model import Correction, Source, correction_id
from problems import CodeProblem
from sandbox import Sandbox
from verifiers.code.mutate import Mutant, mutants, program_key
from verifiers.code.verify import verify_many
from verifiers.verdict import Verdict

CODE_OPERATORS = (
    "off-by-one",
    "flipped-comparison",
    "wrong-boundary",
    "missed-edge-case",
    "wrong-initial-value",
    "integer-division",
    "wrong-variable",
    "wrong-operator",
    "wrong-logic",
    "wrong-function",
)
MAX_ATTEMPTS = 12  # mutants run per program at most
MUTANT_TEST_TIMEOUT = 1.0  # seconds per test of a mutant: one that loops is not kept anyway
FIXED_TEST_TIMEOUT = 3.0  # seconds per test of the fix: as verify_code judges any program


def ordered_mutants(source: Source, operators: Sequence[str]) -> list[Mutant]:
    """The entry point's mutants, alternating operators (the first one turning with the trace,
    so a dataset gets every kind), capped at MAX_ATTEMPTS."""
    problem = source.problem
    assert isinstance(problem, CodeProblem)
    if problem.entry_point is None:
        return []
    found = [m for m in mutants(source.candidate, problem.entry_point) if m.operator in operators]
    groups = [
        [m for m in found if m.operator == kind] for kind in rotated(operators, source.trace_id)
    ]
    mixed = [m for row in zip_longest(*groups) for m in row if m is not None]
    return mixed[:MAX_ATTEMPTS]


def _choose(failing: list[tuple[Mutant, Verdict]], count: int) -> list[tuple[Mutant, Verdict]]:
    """Up to `count` failing mutants, a different operator each while there are any."""
    picked: list[tuple[Mutant, Verdict]] = []
    for candidate in failing:
        if len(picked) < count and candidate[0].operator not in {m.operator for m, _ in picked}:
            picked.append(candidate)
    for candidate in failing:
        if len(picked) < count and candidate not in picked:
            picked.append(candidate)
    return picked


def failing_mutants(
    sources: Sequence[Source],
    sandbox: Sandbox,
    per_trace: int,
    operators: Sequence[str],
    workers: int,
    examples: int,
) -> dict[str, list[tuple[Mutant, Verdict]]]:
    """Per trace, up to `per_trace` mutants that fail a test, run a few at a time per trace
    until enough fail or the mutants run out."""
    untried = {s.trace_id: ordered_mutants(s, operators) for s in sources}
    problems = {s.trace_id: s.problem for s in sources}
    failing: dict[str, list[tuple[Mutant, Verdict]]] = {s.trace_id: [] for s in sources}
    taken: set[tuple[str, str]] = set()  # (problem, buggy program): one example each
    while True:
        batch: list[tuple[str, Mutant]] = []
        for trace_id, waiting in untried.items():
            need = per_trace - len(failing[trace_id])
            while need > 0 and waiting:
                mutant = waiting.pop(0)
                key = (problems[trace_id].id, program_key(mutant.source))
                if key not in taken:
                    taken.add(key)
                    batch.append((trace_id, mutant))
                    need -= 1
        if not batch:
            return {t: _choose(found, per_trace) for t, found in failing.items()}
        jobs = []
        for trace_id, mutant in batch:
            problem = problems[trace_id]
            assert isinstance(problem, CodeProblem)
            jobs.append((problem, mutant.source))
        verdicts = verify_many(
            jobs, sandbox, workers=workers, examples=examples, test_timeout=MUTANT_TEST_TIMEOUT
        )
        for (trace_id, mutant), verdict in zip(batch, verdicts, strict=True):
            if verdict.status == "fail" and failing_test(verdict) is not None:
                failing[trace_id].append((mutant, verdict))


def inject_code(
    sources: Sequence[Source],
    sandbox: Sandbox,
    per_trace: int,
    operators: Sequence[str] = CODE_OPERATORS,
    workers: int = 2,
    examples: int = 100,
) -> list[Correction]:
    """Up to `per_trace` proven corrected-mistake examples from each verified program."""
    found = failing_mutants(sources, sandbox, per_trace, operators, workers, examples)
    built = []
    programs: dict[str, tuple[CodeProblem, str]] = {}
    for source in sources:
        assert isinstance(source.problem, CodeProblem)
        for mutant, verdict in found[source.trace_id]:
            evidence = failing_test(verdict)
            assert evidence is not None
            check = code_check(evidence, mutant, source.problem.entry_point or "")
            text = compose_code(mutant.source, source.candidate, check)
            program = last_program(text)
            assert program is not None
            programs[program] = (source.problem, program)
            built.append((source, mutant, verdict, evidence, check, text, program))
    # The program taken back out of each example must pass again, with the full test limits.
    verdicts = verify_many(
        list(programs.values()),
        sandbox,
        workers=workers,
        examples=examples,
        test_timeout=FIXED_TEST_TIMEOUT,
    )
    fixed = dict(zip(programs, verdicts, strict=True))
    corrections = []
    for source, mutant, verdict, evidence, check, text, program in built:
        if not fixed[program].passed:
            continue
        corrections.append(
            Correction(
                id=correction_id(source.trace_id, mutant.operator, text),
                domain="code",
                problem_id=source.problem.id,
                trace_id=source.trace_id,
                origin="injected",
                operator=mutant.operator,
                position=mutant.line,
                wrong=mutant.source,
                corrected=source.candidate,
                check=check,
                refutation=evidence,
                text=text,
                rejected=buggy_trace(mutant.source),
                mistake_verdict=verdict,
                verdict=fixed[program],
            )
        )
    return corrections
