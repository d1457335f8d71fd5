"""Final-answer verification: is a candidate answer provably equal to the gold answer?

The host only screens text and moves strings; parsing and SymPy run in the worker pool.
`pass` means proven equivalent; a proven difference and an undecidable pair are both `fail`
(with reason `different` or `undecided`), because a wrong answer let through is the worst
outcome for a verified dataset.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import BaseModel, ConfigDict

from verifiers.math import screen
from verifiers.math.final_answer import FORMAT_REASON, Extracted, answer_parts, gold_parts
from verifiers.math.workers import Limits, Outcome, WorkerPool
from verifiers.verdict import Evidence, Verdict, VerdictStatus

VERIFIER = "math-answer"
VERSION = "1.0"
ANSWER_LIMITS = Limits(cpu_seconds=5, wall_seconds=10.0)


class AnswerPair(BaseModel):
    """One row of `factory verify answers`: a gold answer and a candidate to compare with it."""

    # Other keys (a file's metadata columns) are kept and copied to the output row.
    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    gold: str
    answer: str


def _verdict(outcome: Outcome, found: Extracted) -> Verdict:
    details = found_details(found)
    if outcome.status != "ok" or outcome.result is None:
        evidence = Evidence(
            check="answer", outcome=outcome.status, reason=outcome.error, details=details
        )
        statuses: dict[str, VerdictStatus] = {"timeout": "timeout", "limit": "fail"}
        status = statuses.get(outcome.status, "error")
        return Verdict(
            status=status,
            verifier=VERIFIER,
            version=VERSION,
            evidence=[evidence],
            seconds=outcome.seconds,
        )
    decision = str(outcome.result["decision"])
    return Verdict(
        status="pass" if decision == "equivalent" else "fail",
        verifier=VERIFIER,
        version=VERSION,
        evidence=[
            Evidence(
                check="answer",
                outcome=decision,
                reason=str(outcome.result["reason"]),
                details=details,
            )
        ],
        seconds=outcome.seconds,
    )


def _refused(reason: str, outcome: str = "undecided") -> Verdict:
    evidence = Evidence(check="answer", outcome=outcome, reason=reason)
    return Verdict(
        status="fail", verifier=VERIFIER, version=VERSION, evidence=[evidence], seconds=0
    )


def found_details(found: Extracted) -> dict[str, str]:
    """Evidence of which extraction rule found the final answer(s), and what they were."""
    return {"extracted_by": found.rule, "answers": " | ".join(found.parts)[:300]}


def verify_answers(
    pairs: Sequence[tuple[str, str]],
    pool: WorkerPool,
    on_done: Callable[[int], None] | None = None,
) -> list[Verdict]:
    """Verify many (gold, answer) pairs across the pool; verdicts come back in input order."""
    verdicts: list[Verdict | None] = [None] * len(pairs)
    jobs: list[int] = []
    payloads: list[dict[str, object]] = []
    extracted: list[Extracted] = []
    for position, (gold, answer) in enumerate(pairs):
        refusal = screen.refuse(answer, screen.MAX_SOLUTION_CHARS)
        found = answer_parts(answer if refusal is None else "")
        golds = gold_parts(gold)
        texts = [*golds, *found.parts]
        refusal = refusal or next(
            (r for r in (screen.refuse(t, screen.MAX_ANSWER_CHARS) for t in texts) if r), None
        )
        if refusal is None and not found.parts:
            verdicts[position] = _refused(FORMAT_REASON, "format")
            if on_done is not None:
                on_done(position)
            continue
        if refusal is not None:
            verdicts[position] = _refused(refusal)
            if on_done is not None:
                on_done(position)
            continue
        jobs.append(position)
        extracted.append(found)
        payloads.append({"golds": list(golds), "answers": list(found.parts)})

    def finished(job: int, outcome: Outcome) -> None:
        verdicts[jobs[job]] = _verdict(outcome, extracted[job])
        if on_done is not None:
            on_done(jobs[job])

    pool.map("answer", payloads, on_done=finished)
    return [verdict for verdict in verdicts if verdict is not None]


def verify_answer(gold: str, answer: str, pool: WorkerPool) -> Verdict:
    return verify_answers([(gold, answer)], pool)[0]


def answer_pool(workers: int | None = None) -> WorkerPool:
    """A worker pool with the limits one answer comparison needs."""
    return WorkerPool(workers, ANSWER_LIMITS)
