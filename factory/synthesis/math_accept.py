"""Is a new math problem's answer proven? Agreement of independent solutions, then their steps.

A candidate is kept only when, in this order (the first failure is the rejection's reason):
1. it is no near-duplicate of a seed or of a problem already kept (checked first: it costs no
   solving; candidates of one batch are checked in order against those kept before them);
2. at least `quorum.agree` of its votes, and at least `quorum.share` of them, (each independent
   solution's final answer, and the generator's proposed answer as one vote at most) are proven
   equivalent to one answer by the math verifier's answer comparison; too few readable answers
   is `unparseable`, too few agreeing is `no-agreement`, and so is a second answer that also
   reaches `agree` votes. The share matters: the generator and two solvers making the same
   slip are 3 votes, but 3 of 5 is no proof;
3. the statement does not give that answer away (`factory.synthesis.leak`);
4. every agreeing solution passes the step checker: one refuted step rejects the candidate
   (the answer may be right by luck); a solution whose check timed out or whose answer the
   trace check does not confirm loses its vote, and the agreement is counted again;
5. for numeric variation, the sandboxed program's answer is equivalent to it too.
The difficulty is the share of independent solutions that reached the answer with no refuted
step. A worker that could not judge (`error`) leaves the candidate `unjudged`: not a rejection.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from factory.synthesis.leak import leak
from factory.synthesis.model import Decision, MathCandidate, Reason
from factory.synthesis.near_dup import NearDuplicates, admit
from verifiers.math import TraceInput, WorkerPool, verify_answers, verify_traces
from verifiers.math.final_answer import answer_parts, extract
from verifiers.math.traces import answer_equivalent, first_refuted_step
from verifiers.verdict import Verdict

AGREE = 3
SHARE = 0.7
PROPOSED = -1  # the vote index of the generator's proposed answer
PROGRAM = -2  # the entry of the numeric-variation program's answer (never a vote)


def boxed(parts: Sequence[str]) -> str:
    """Answer parts as a text the answer comparison reads back as exactly those parts."""
    return " ".join(f"\\boxed{{{part}}}" for part in parts)


def _key(parts: tuple[str, ...]) -> str:
    return "\x1f".join(re.sub(r"\s+", "", part) for part in parts)


@dataclass
class _Answers:
    """One candidate's distinct final answers and who gave each (a solution index, PROPOSED or
    PROGRAM)."""

    texts: list[tuple[str, ...]] = field(default_factory=list)
    givers: list[list[int]] = field(default_factory=list)
    unparsed: list[int] = field(default_factory=list)

    def add(self, parts: tuple[str, ...], giver: int) -> None:
        keys = [_key(text) for text in self.texts]
        if _key(parts) in keys:
            self.givers[keys.index(_key(parts))].append(giver)
        else:
            self.texts.append(parts)
            self.givers.append([giver])


def _answers(candidate: MathCandidate) -> _Answers:
    answers = _Answers()
    for index, solution in enumerate(candidate.solutions):
        found = extract(solution)
        if found is None:
            answers.unparsed.append(index)
        else:
            answers.add(found.parts, index)
    for giver, text in ((PROPOSED, candidate.proposed_answer), (PROGRAM, candidate.program_answer)):
        if text is not None and text.strip():
            answers.add(answer_parts(text).parts, giver)
        elif text is not None:
            answers.unparsed.append(giver)
    return answers


@dataclass
class _Consensus:
    """Which distinct answers are proven equal (`same[i][j]`), and which can be read at all."""

    answers: _Answers
    same: list[list[bool]]
    readable: list[bool]
    unjudged: str = ""

    def voters(self, i: int) -> list[int]:
        return [
            giver
            for j, givers in enumerate(self.answers.givers)
            if self.same[i][j]
            for giver in givers
            if giver != PROGRAM
        ]

    def best(self) -> int | None:
        """The distinct answer with the most votes, counting every answer proven equal to it."""
        votes = [len(self.voters(i)) if self.readable[i] else -1 for i in range(len(self.readable))]
        return max(range(len(votes)), key=lambda i: (votes[i], -i)) if votes else None


def _compare(candidates: Sequence[MathCandidate], pool: WorkerPool) -> list[_Consensus]:
    """Every distinct answer of each candidate compared with itself (can it be read?) and with
    each other one, all candidates' pairs in one batch over the pool."""
    all_answers = [_answers(candidate) for candidate in candidates]
    pairs: list[tuple[str, str]] = []
    where: list[tuple[int, int, int]] = []
    for c, answers in enumerate(all_answers):
        for i, gold in enumerate(answers.texts):
            for j in range(i, len(answers.texts)):
                pairs.append((boxed(gold), boxed(answers.texts[j])))
                where.append((c, i, j))
    verdicts = verify_answers(pairs, pool)
    results = []
    for answers in all_answers:
        size = len(answers.texts)
        results.append(
            _Consensus(
                answers, [[i == j for j in range(size)] for i in range(size)], [False] * size
            )
        )
    for (c, i, j), verdict in zip(where, verdicts, strict=True):
        result = results[c]
        if verdict.status == "error":
            result.unjudged = verdict.evidence[0].reason if verdict.evidence else "worker error"
        if i == j:
            result.readable[i] = verdict.passed
        else:
            result.same[i][j] = result.same[j][i] = verdict.passed
    return results


def _rejected(candidate: MathCandidate, reason: Reason, detail: str, **fields: object) -> Decision:
    return Decision.model_validate(
        {"id": candidate.id, "status": "rejected", "reason": reason, "detail": detail, **fields}
    )


@dataclass(frozen=True)
class Quorum:
    """How many votes must agree: at least `agree` of them and at least `share` of all."""

    agree: int = AGREE
    share: float = SHARE

    def met(self, voters: int, votes: int) -> bool:
        return voters >= self.agree and voters >= self.share * votes


def _tally(candidate: MathCandidate, consensus: _Consensus, quorum: Quorum) -> Decision | int:
    """The index of the agreed answer, or the rejection when there is none."""
    answers = consensus.answers
    votes = len(candidate.solutions) + (candidate.proposed_answer is not None)
    readable_votes = sum(
        len([g for g in givers if g != PROGRAM])
        for givers, readable in zip(answers.givers, consensus.readable, strict=True)
        if readable
    )
    best = consensus.best()
    if readable_votes < quorum.agree or best is None:
        detail = (
            f"{readable_votes} of {votes} votes have a readable final answer, {quorum.agree} needed"
        )
        return _rejected(candidate, "unparseable", detail, votes=votes)
    voters = consensus.voters(best)
    rivals = [
        i
        for i in range(len(answers.texts))
        if not consensus.same[best][i]
        and consensus.readable[i]
        and len(consensus.voters(i)) >= quorum.agree
    ]
    if not quorum.met(len(voters), votes) or rivals:
        offered = "; ".join(
            f"{boxed(text)} x{len([g for g in givers if g != PROGRAM])}"
            for text, givers in zip(answers.texts, answers.givers, strict=True)
        )
        needed = f"{quorum.agree} and {quorum.share:.0%} needed"
        detail = f"{len(voters)} of {votes} votes agree, {needed}: {offered}"[:500]
        return _rejected(candidate, "no-agreement", detail, votes=votes, agreeing=len(voters))
    return best


def judge_math(
    candidates: Sequence[MathCandidate],
    known: NearDuplicates,
    answers_pool: WorkerPool,
    traces_pool: WorkerPool,
    quorum: Quorum = Quorum(),
) -> list[Decision]:
    """The decision on each candidate, in input order; accepted statements join `known`."""
    decisions: dict[int, Decision] = {}
    for position, candidate in enumerate(candidates):
        duplicate = known.why(candidate.statement)
        if duplicate is not None:
            decisions[position] = _rejected(candidate, "near-duplicate", duplicate)
    open_positions = [p for p in range(len(candidates)) if p not in decisions]
    consensus = _compare([candidates[p] for p in open_positions], answers_pool)
    agreed: dict[int, tuple[_Consensus, int]] = {}
    for position, result in zip(open_positions, consensus, strict=True):
        candidate = candidates[position]
        if result.unjudged:
            decisions[position] = Decision(
                id=candidate.id, status="unjudged", detail=result.unjudged
            )
            continue
        tally = _tally(candidate, result, quorum)
        if isinstance(tally, Decision):
            decisions[position] = tally
            continue
        leaked = leak(candidate.statement, result.answers.texts[tally])
        if leaked is not None:
            decisions[position] = _rejected(candidate, "leaked-answer", leaked)
            continue
        agreed[position] = (result, tally)
    traces = _check_steps(candidates, agreed, traces_pool)
    for position, (result, best) in agreed.items():
        decisions[position] = _decide(candidates[position], result, best, traces[position], quorum)
    ordered = [decisions[p] for p in range(len(candidates))]
    return [
        admit(decision, candidates[p].id, candidates[p].statement, known)
        for p, decision in enumerate(ordered)
    ]


def _check_steps(
    candidates: Sequence[MathCandidate],
    agreed: dict[int, tuple[_Consensus, int]],
    pool: WorkerPool,
) -> dict[int, dict[int, Verdict]]:
    """The step checker's verdict on every agreeing solution, against the agreed answer."""
    rows: list[TraceInput] = []
    where: list[tuple[int, int]] = []
    for position, (result, best) in agreed.items():
        candidate = candidates[position]
        gold = boxed(result.answers.texts[best])
        for solution in result.voters(best):
            if solution >= 0:
                rows.append(
                    TraceInput(
                        id=f"{candidate.id}/{solution}",
                        problem=candidate.statement,
                        reference_answer=gold,
                        solution=candidate.solutions[solution],
                    )
                )
                where.append((position, solution))
    verdicts = verify_traces(rows, pool)
    found: dict[int, dict[int, Verdict]] = {position: {} for position in agreed}
    for (position, solution), verdict in zip(where, verdicts, strict=True):
        found[position][solution] = verdict
    return found


def _decide(
    candidate: MathCandidate,
    result: _Consensus,
    best: int,
    traces: dict[int, Verdict],
    quorum: Quorum,
) -> Decision:
    votes = len(candidate.solutions) + (candidate.proposed_answer is not None)
    answer = boxed(result.answers.texts[best])
    for solution, verdict in sorted(traces.items()):
        if verdict.status == "error":
            reason = verdict.evidence[0].reason if verdict.evidence else "worker error"
            return Decision(id=candidate.id, status="unjudged", detail=reason, votes=votes)
        step = first_refuted_step(verdict)
        if step is not None:
            why = next(e.reason for e in verdict.evidence if e.index == step and e.check == "step")
            detail = f"solution {solution}, step {step} refuted: {why}"[:500]
            return _rejected(candidate, "refuted-step", detail, votes=votes, answer=answer)
    confirmed = [s for s, v in traces.items() if v.status == "pass" and answer_equivalent(v)]
    voters = [*confirmed, *(PROPOSED for v in result.voters(best) if v == PROPOSED)]
    if not quorum.met(len(voters), votes):
        detail = f"{len(voters)} of {votes} votes agree once the steps are checked"
        return _rejected(candidate, "no-agreement", detail, votes=votes, agreeing=len(voters))
    program = [i for i, givers in enumerate(result.answers.givers) if PROGRAM in givers]
    if candidate.program_answer is not None and not (program and result.same[best][program[0]]):
        detail = f"the program computes {candidate.program_answer!r}, the solutions {answer}"
        return _rejected(candidate, "program-disagrees", detail[:500], votes=votes, answer=answer)
    difficulty = len(confirmed) / len(candidate.solutions) if candidate.solutions else None
    evidence = {
        "votes": str(votes),
        "agreeing": str(len(voters)),
        "solutions_verified": ",".join(str(s) for s in sorted(confirmed)),
        "proposed_agrees": str(PROPOSED in result.voters(best)).lower(),
    }
    return Decision(
        id=candidate.id,
        status="accepted",
        answer=answer,
        votes=votes,
        agreeing=len(voters),
        difficulty=difficulty,
        evidence=evidence,
    )
