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
from verifiers.math.latex_text import last_boxed
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


def _verdict(outcome: Outcome) -> Verdict:
    if outcome.status != "ok" or outcome.result is None:
        evidence = Evidence(check="answer", outcome=outcome.status, reason=outcome.error)
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
        evidence=[Evidence(check="answer", outcome=decision, reason=str(outcome.result["reason"]))],
        seconds=outcome.seconds,
    )


def _refused(reason: str) -> Verdict:
    evidence = Evidence(check="answer", outcome="undecided", reason=reason)
    return Verdict(
        status="fail", verifier=VERIFIER, version=VERSION, evidence=[evidence], seconds=0
    )


def candidate_answer(text: str) -> str:
    """A candidate may be a whole solution: its last \\boxed{} is the answer."""
    boxed = last_boxed(text)
    return boxed if boxed is not None else text


def verify_answers(
    pairs: Sequence[tuple[str, str]],
    pool: WorkerPool,
    on_done: Callable[[int], None] | None = None,
) -> list[Verdict]:
    """Verify many (gold, answer) pairs across the pool; verdicts come back in input order."""
    verdicts: list[Verdict | None] = [None] * len(pairs)
    jobs: list[int] = []
    payloads: list[dict[str, object]] = []
    for position, (gold, answer) in enumerate(pairs):
        answer = candidate_answer(answer)
        refusal = screen.refuse(gold, screen.MAX_ANSWER_CHARS) or screen.refuse(
            answer, screen.MAX_ANSWER_CHARS
        )
        if refusal is not None:
            verdicts[position] = _refused(refusal)
            if on_done is not None:
                on_done(position)
            continue
        jobs.append(position)
        payloads.append({"gold": gold, "answer": answer})

    def finished(job: int, outcome: Outcome) -> None:
        verdicts[jobs[job]] = _verdict(outcome)
        if on_done is not None:
            on_done(jobs[job])

    pool.map("answer", payloads, on_done=finished)
    return [verdict for verdict in verdicts if verdict is not None]


def verify_answer(gold: str, answer: str, pool: WorkerPool) -> Verdict:
    return verify_answers([(gold, answer)], pool)[0]


def answer_pool(workers: int | None = None) -> WorkerPool:
    """A worker pool with the limits one answer comparison needs."""
    return WorkerPool(workers, ANSWER_LIMITS)
