"""Real mistakes: corrections built from the teachers' own rejected programs.

A rejected program that failed a test (a verdict, not an infrastructure error) is a mistake a
model really made. When a verified program of the same problem differs from it in a few lines
only, those lines are the fix: the example is the rejected program, the failing test as the
sandbox reported it, a diagnosis naming the lines and what they should read, then the verified
program, which must pass again. A fix that rewrites more than a few lines is another solution,
not a correction, and is not used.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from factory.inject.compose import (
    buggy_trace,
    compose_code,
    failing_test,
    last_program,
    test_report,
    what_happened,
)
from factory.inject.model import Correction, Source, correction_id
from problems import CodeProblem
from sandbox import Sandbox
from verifiers.code.verify import verify_many
from verifiers.verdict import Evidence, Verdict

MAX_CHANGED_LINES = 3  # a fix of more lines is a rewrite, not the correction of one mistake
FIXED_TEST_TIMEOUT = 3.0  # seconds per test of the fix: as verify_code judges any program


@dataclass(frozen=True)
class Failure:
    """A rejected program: the trace it came from, its problem, and the verdict against it."""

    trace_id: str
    problem: CodeProblem
    program: str
    verdict: Verdict


def _changed(buggy: str, fixed: str) -> list[tuple[int, list[str], list[str]]] | None:
    """The hunks that turn `buggy` into `fixed`: (first buggy line, its lines, the fixed
    lines); None when more than MAX_CHANGED_LINES lines change or nothing does."""
    old, new = buggy.splitlines(), fixed.splitlines()
    hunks = []
    for tag, a1, a2, b1, b2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag != "equal":
            hunks.append((a1 + 1, old[a1:a2], new[b1:b2]))
    count = sum(max(len(a), len(b)) for _, a, b in hunks)
    return hunks if 0 < count <= MAX_CHANGED_LINES else None


def _lines(lines: list[str]) -> str:
    return "; ".join(f"`{line.strip()}`" for line in lines if line.strip()) or "nothing"


def real_diagnosis(
    evidence: Evidence, entry_point: str, hunks: list[tuple[int, list[str], list[str]]]
) -> str:
    """What the test saw, then each changed line and what it should read."""
    causes = []
    for line, old, new in hunks:
        if not old:
            causes.append(f"before line {line} the program needs {_lines(new)}")
        elif not new:
            causes.append(f"line {line}, {_lines(old)}, should not be there")
        else:
            causes.append(f"line {line}, {_lines(old)}, should read {_lines(new)}")
    return f"{what_happened(evidence, entry_point)} The cause: {'; and '.join(causes)}."


def _closest(
    failure: Failure, fixes: Sequence[Source]
) -> tuple[Source, list[tuple[int, list[str], list[str]]]] | None:
    """The verified program of the same problem that fixes `failure` in the fewest lines."""
    found = []
    for source in fixes:
        hunks = _changed(failure.program, source.candidate)
        if hunks is not None:
            found.append(
                (sum(max(len(a), len(b)) for _, a, b in hunks), source.trace_id, source, hunks)
            )
    if not found:
        return None
    _, _, source, hunks = min(found, key=lambda item: item[:2])
    return source, hunks


def real_code(
    failures: Sequence[Failure],
    verified: Sequence[Source],
    sandbox: Sandbox,
    workers: int = 2,
    examples: int = 100,
) -> list[Correction]:
    """A correction for each rejected program that a verified program of its problem fixes in a
    few lines; one per distinct rejected program of a problem."""
    by_problem: dict[str, list[Source]] = {}
    for source in verified:
        by_problem.setdefault(source.problem.id, []).append(source)
    built = []
    seen: set[tuple[str, str]] = set()
    for failure in failures:
        evidence = failing_test(failure.verdict)
        key = (failure.problem.id, failure.program.strip())
        if failure.verdict.status != "fail" or evidence is None or key in seen:
            continue
        closest = _closest(failure, by_problem.get(failure.problem.id, []))
        if closest is None:
            continue
        seen.add(key)
        fix, hunks = closest
        report = test_report(evidence)
        why = real_diagnosis(evidence, failure.problem.entry_point or "", hunks)
        check = f"Running the tests, one fails:\n\n```\n{report}\n```\n\n{why}"
        text = compose_code(failure.program, fix.candidate, check)
        built.append((failure, fix, hunks, evidence, check, text))
    jobs = [(failure.problem, last_program(text) or "") for failure, _, _, _, _, text in built]
    verdicts = verify_many(
        jobs, sandbox, workers=workers, examples=examples, test_timeout=FIXED_TEST_TIMEOUT
    )
    corrections = []
    for (failure, fix, hunks, evidence, check, text), verdict in zip(built, verdicts, strict=True):
        if not verdict.passed:
            continue
        corrections.append(
            Correction(
                id=correction_id(failure.trace_id, "real", text),
                domain="code",
                problem_id=failure.problem.id,
                trace_id=fix.trace_id,
                origin="real",
                operator="real",
                position=hunks[0][0],
                wrong=failure.program,
                corrected=fix.candidate,
                check=check,
                refutation=evidence,
                text=text,
                rejected=buggy_trace(failure.program),
                mistake_verdict=failure.verdict,
                verdict=verdict,
            )
        )
    return corrections
