"""Teacher-made mistakes: the teacher rewrites a verified solution with one plausible wrong
step and a later self-correction; the verifier decides whether the example is kept.

The reply names the step that goes wrong, gives it with the mistake, and then everything that
follows (steps carrying the mistake, the check that catches it, the corrected step, the rest).
It is kept only when the verifier refutes the wrong step after the steps before it, and the
example with that step taken out passes (every later step unrefuted, the answer equivalent).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence

from factory.inject.math_check import refuted_at, verify
from factory.inject.math_text import step_spans
from factory.inject.model import Correction, Source, correction_id
from factory.teachers.base import Message, Sampling, Teacher, TeacherError, TeacherRequest
from problems import MathProblem
from verifiers.math import WorkerPool, trace_pool
from verifiers.math.steps import split_steps

PROMPT = """\
Here is a problem and a correct solution, one step per line, numbered in brackets.

Problem:
{statement}

Solution:
{steps}

Write this solution again as someone who makes one plausible mistake in one step (an arithmetic \
slip, a sign error, a dropped term, a wrong operation, a misread number) and catches it later. \
Reply in exactly this form:

STEP: <the bracketed number of the step that goes wrong>
MISTAKE: <that step written with the mistake, on one line>
CORRECTION:
<at most two steps that continue from the mistake, then a line that checks the wrong step and \
shows the mistake, then the correct step and the rest of the solution, one step per line, \
ending with the final answer in \\boxed{{}}>
"""
_STEP = re.compile(r"^STEP:\s*\[?(\d+)\]?\s*$", re.M)
_MISTAKE = re.compile(r"^MISTAKE:[ \t]*(\S.*)$", re.M)
_CORRECTION = re.compile(r"^CORRECTION:[ \t]*\n(.+)\Z", re.M | re.S)


def teacher_prompt(source: Source) -> list[Message]:
    steps = "\n".join(f"[{n}] {step}" for n, step in enumerate(split_steps(source.candidate), 1))
    text = PROMPT.format(statement=source.problem.statement, steps=steps)
    return [Message(role="user", content=text)]


def read_reply(text: str, steps: int) -> tuple[int, str, str] | None:
    """(step number, wrong step, what follows it) from a reply in the asked form, or None."""
    step, mistake, correction = _STEP.search(text), _MISTAKE.search(text), _CORRECTION.search(text)
    if step is None or mistake is None or correction is None:
        return None
    number, wrong = int(step.group(1)), mistake.group(1).strip()
    if not 1 <= number <= steps or len(split_steps(wrong)) != 1:
        return None
    return number, wrong, correction.group(1).strip()


async def _ask(
    teacher: Teacher, model: str, source: Source, sampling: Sampling
) -> tuple[int, str, str] | None:
    request = TeacherRequest(
        teacher=teacher.name, model=model, messages=teacher_prompt(source), sampling=sampling
    )
    try:
        response = await teacher.complete(request)
    except TeacherError:
        return None
    steps = len(split_steps(source.candidate))
    return read_reply(response.completions[0].text, steps) if response.completions else None


async def teacher_corrections(
    teacher: Teacher,
    model: str,
    sources: Sequence[Source],
    pool: WorkerPool,
    sampling: Sampling | None = None,
) -> list[Correction]:
    """Ask `teacher` for a mistake and its self-correction in each verified math solution; keep
    the replies the verifier proves: the mistake refuted, everything after it sound."""
    replies = await asyncio.gather(
        *(_ask(teacher, model, source, sampling or Sampling()) for source in sources)
    )
    asked = [(s, r) for s, r in zip(sources, replies, strict=True) if r is not None]
    jobs: list[tuple[str, str]] = []
    composed = []
    for source, (number, wrong, after) in asked:
        assert isinstance(source.problem, MathProblem)
        solution = source.candidate
        start, end = step_spans(solution)[number - 1]
        parts = (
            f"{solution[:start]}{wrong}",
            f"{solution[:start]}{after}\n",
            f"{solution[:start]}{wrong}\n{after}\n",
        )
        composed.append(parts)
        jobs.extend((source.problem.answer, text) for text in parts[:2])
    judged = await asyncio.to_thread(verify, pool, jobs)
    corrections = []
    for position, ((source, (number, wrong, after)), parts) in enumerate(
        zip(asked, composed, strict=True)
    ):
        mistake, without = judged[2 * position : 2 * position + 2]
        refutation = refuted_at(mistake, number)
        if refutation is None or not without.passed:
            continue
        start, end = step_spans(source.candidate)[number - 1]
        corrections.append(
            Correction(
                id=correction_id(source.trace_id, "teacher", parts[2]),
                domain="math",
                problem_id=source.problem.id,
                trace_id=source.trace_id,
                origin="teacher",
                operator="teacher",
                position=number,
                wrong=wrong,
                corrected=source.candidate[start:end],
                check=after,
                refutation=refutation,
                text=parts[2],
                rejected=None,  # the reply carries the mistake only a step or two: no negative
                mistake_verdict=mistake,
                verdict=without,
            )
        )
    return corrections


async def teacher_mistakes(
    teacher: Teacher, model: str, verified: Sequence[Source], workers: int | None = None
) -> list[Correction]:
    """`teacher_corrections` for a run's verified math traces, in a worker pool of their own."""
    math = [source for source in verified if isinstance(source.problem, MathProblem)]
    if not math:
        return []
    with trace_pool(workers) as pool:
        return await teacher_corrections(teacher, model, math, pool)
