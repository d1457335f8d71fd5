"""What the synthesize stage handles: candidate problems, their lineage, the decision on each."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

NonEmpty = Annotated[str, Field(min_length=1)]
Operator = Literal["self-instruct", "evol-depth", "evol-breadth", "numeric-variation"]
# Why a candidate was not kept; every rejection names one, and its evidence says the rest.
Reason = Literal[
    "no-agreement",  # fewer than m of the N votes share a proven-equivalent answer
    "refuted-step",  # an agreeing solution has a step the checker refuted
    "leaked-answer",  # the statement states or contains its own answer
    "near-duplicate",  # too close to a seed or to a problem already kept
    "unparseable",  # fewer than m votes have a final answer that can be read
    "program-disagrees",  # numeric variation: the sandboxed program computes another answer
]
Status = Literal["accepted", "rejected", "unjudged"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SynthesisLineage(_Frozen):
    """Where a new problem came from: enough to regenerate it or trace a record to its seeds."""

    parent_ids: list[NonEmpty] = Field(min_length=1)
    operators: list[Operator] = Field(min_length=1)  # the chain, first applied first
    teacher: NonEmpty
    prompt_hash: NonEmpty

    @property
    def depth(self) -> int:
        return len(self.operators)


class MathCandidate(_Frozen):
    """A new math problem as the generator wrote it, with the solutions gathered to prove it."""

    id: NonEmpty
    statement: NonEmpty
    lineage: SynthesisLineage
    proposed_answer: str | None = None  # the generator's own answer: one vote at most
    solutions: list[str] = Field(default_factory=list)  # independent solutions, full texts
    program_answer: str | None = None  # numeric variation: what the sandboxed program printed


class Decision(_Frozen):
    """The verdict on one candidate: kept, rejected with a reason, or not judged (retry)."""

    id: NonEmpty
    status: Status
    reason: Reason | None = None
    detail: str = ""  # the reason in words, with the counterexample or the clashing answers
    answer: str | None = None  # math: the proven consensus answer
    votes: int = 0
    agreeing: int = 0
    difficulty: float | None = None  # share of independent solutions that reached the answer
    evidence: dict[str, str] = Field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"
