"""Real mistakes: corrections built from the teachers' own rejected traces.

Math: a rejected solution's first refuted step is a real slip; when a verified solution of the
same problem agrees with it on every step before (the prose aside), the example is the rejected
solution up to that step, a check line with the verifier's true value of the refuted
calculation, and the verified solution from the corrected step on. It is kept under the proofs
of an injected one (the mistake refuted exactly there, the example without it passing); its
pair's rejected side is the rejected solution itself, kept only when no other step is refuted
and its answer is proven different from the gold.

Code: a rejected program that failed a test (a verdict, not an infrastructure error) is a mistake a
model really made. When a verified program of the same problem differs from it in a few lines
only, those lines are the fix: the example is the rejected program, the failing test as the
sandbox reported it, a diagnosis naming the lines and what they should read, then the verified
program, which must pass again. A fix that rewrites more than a few lines is another solution,
not a correction, and is not used.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from factory.inject.compose import (
    buggy_trace,
    compose_code,
    failing_test,
    last_program,
    shown,
    test_report,
    what_happened,
)
from factory.inject.dedup import normal
from factory.inject.math_check import refuted_at, verify
from factory.inject.math_inject import proven_different, refuted_steps
from factory.inject.math_text import chains, literal, step_spans
from factory.inject.model import Correction, Source, correction_id
from problems import CodeProblem, MathProblem, Problem
from sandbox import Sandbox
from verifiers.code.verify import verify_many
from verifiers.math import WorkerPool
from verifiers.math.steps import split_steps
from verifiers.verdict import Evidence, Verdict

MAX_CHANGED_LINES = 3  # a fix of more lines is a rewrite, not the correction of one mistake
FIXED_TEST_TIMEOUT = 3.0  # seconds per test of the fix: as verify_code judges any program


@dataclass(frozen=True)
class Failure:
    """A rejected trace: where it came from, its problem, the program (code) or solution text
    (math), and the verdict against it."""

    trace_id: str
    problem: Problem
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


def _parses(program: str) -> bool:
    try:
        ast.parse(program)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


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
        if not isinstance(failure.problem, CodeProblem):
            continue
        evidence = failing_test(failure.verdict)
        key = (failure.problem.id, failure.program.strip())
        if failure.verdict.status != "fail" or evidence is None or key in seen:
            continue
        if not _parses(failure.program):
            continue  # a syntax error: a test report cannot show that mistake
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
    jobs: list[tuple[CodeProblem, str]] = []
    for failure, _, _, _, _, text in built:
        assert isinstance(failure.problem, CodeProblem)
        jobs.append((failure.problem, last_program(text) or ""))
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


def _content(steps: list[str]) -> list[tuple[int, str]]:
    """The steps that compute something (a number or math in them), numbering and spacing aside."""
    return [(i, normal(step)) for i, step in enumerate(steps) if re.search(r"[\d$=]", step)]


def _real_check(step: str, evidence: Evidence) -> str | None:
    """The check line for a refuted step: the calculation whose written result the verifier
    refuted, with its true value; None when the step shows no such calculation."""
    right, left = evidence.details.get("right", ""), evidence.details.get("left", "")
    if not right or not left:
        return None
    for chain in chains(step):
        lhs, result = step[slice(*chain.lhs)], step[slice(*chain.result)].strip()
        if literal(result) and shown(right) == result and shown(left) != result:
            return f"Check: ${lhs} = {shown(left)}$, not ${result}$. Correcting that step:"
    return None


def real_math(
    failures: Sequence[Failure], verified: Sequence[Source], pool: WorkerPool
) -> list[Correction]:
    """A correction for each rejected solution whose first refuted step a verified solution of
    its problem corrects after agreeing on every step before it."""
    math = [f for f in failures if isinstance(f.problem, MathProblem)]
    judged = verify(pool, [(_gold(f.problem), f.program) for f in math])
    by_problem: dict[str, list[Source]] = {}  # not every verified trace for every failure
    for source in verified:
        by_problem.setdefault(source.problem.id, []).append(source)
    built = []
    for failure, verdict in zip(math, judged, strict=True):
        refuted = refuted_steps(verdict)
        if not refuted:
            continue
        step = refuted[0]
        steps = split_steps(failure.program)
        check = _real_check(
            steps[step - 1], refuted_at(verdict, step) or Evidence(check="", outcome="")
        )
        if check is None:
            continue
        mine = _content(steps[: step - 1])
        for source in by_problem.get(failure.problem.id, []):
            theirs = split_steps(source.candidate)
            agreed = _content(theirs)[: len(mine)]
            if [t for _, t in agreed] != [t for _, t in mine]:
                continue
            at = agreed[-1][0] + 1 if agreed else 0
            while at < len(theirs) and not re.search(r"[\d$=]", theirs[at]):
                at += 1
            if at >= len(theirs):
                continue
            spans = step_spans(failure.program)
            start, end = spans[step - 1]
            their_spans = step_spans(source.candidate)
            before = failure.program[:start]
            text = f"{failure.program[:end]}\n{check}\n{source.candidate[their_spans[at][0] :]}"
            without = f"{before}{check}\n{source.candidate[their_spans[at][0] :]}"
            built.append((failure, verdict, step, check, source, theirs[at], text, without))
            break
    wholes = verify(pool, [(_gold(f.problem), without) for f, _, _, _, _, _, _, without in built])
    corrections = []
    for (failure, verdict, step, check, source, corrected, text, _), whole in zip(
        built, wholes, strict=True
    ):
        refutation = refuted_at(verdict, step)
        if not whole.passed or refutation is None:
            continue
        negative = refuted_steps(verdict) == [step] and proven_different(verdict)
        corrections.append(
            Correction(
                id=correction_id(failure.trace_id, "real", text),
                domain="math",
                problem_id=failure.problem.id,
                trace_id=source.trace_id,
                origin="real",
                operator="real",
                position=step,
                wrong=split_steps(failure.program)[step - 1],
                corrected=corrected,
                check=check,
                refutation=refutation,
                text=text,
                rejected=failure.program if negative else None,
                mistake_verdict=verdict,
                verdict=whole,
            )
        )
    return corrections


def _gold(problem: Problem) -> str:
    assert isinstance(problem, MathProblem)
    return problem.answer
