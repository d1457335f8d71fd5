"""What the synthesize stage handles: candidate problems, their lineage, the decision on each."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from problems import CodeProblem, CodeTests

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
    "reference-fails",  # code: the reference solution fails one of its own tests
    "weak-tests",  # code: the tests kill too few mutants of the reference (or none can be made)
    "disagreement",  # code: no independent solution agrees with the reference (counterexample)
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
    solvers: list[NonEmpty] = Field(default_factory=list)  # who was asked for each solution

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


class CodeCandidate(_Frozen):
    """A new programming problem as the generator wrote it, with the independent solutions
    written from its statement alone (another sample or another teacher)."""

    id: NonEmpty
    statement: NonEmpty
    lineage: SynthesisLineage
    tests: CodeTests
    reference: NonEmpty  # the generator's complete reference program
    entry_point: str | None = None
    starter_code: str | None = None  # the signature shown to solvers
    independent: list[str] = Field(default_factory=list)  # independent programs

    def problem(self) -> CodeProblem:
        """The candidate as a problem the code verifier judges, its reference included."""
        return CodeProblem(
            id=self.id,
            statement=self.statement,
            tests=self.tests,
            entry_point=self.entry_point,
            starter_code=self.starter_code,
            reference_solution=self.reference,
            source="synthesized",
        )

    @model_validator(mode="after")
    def _a_valid_problem(self) -> CodeCandidate:
        self.problem()  # an entry point where tests call one, as a loaded problem needs
        return self


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
    mutation_score: float | None = None  # code: share of the reference's mutants the tests kill
    evidence: dict[str, str] = Field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"


MATH_OPERATORS: tuple[Operator, ...] = ("self-instruct", "evol-depth", "evol-breadth")


class Solver(_Frozen):
    """Who writes independent solutions: a configured teacher (None: the generating one) at a
    temperature (None: that teacher's own)."""

    teacher: NonEmpty | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)


class SynthesisSettings(BaseModel):
    """The `synthesize:` section of a run config. Numeric variation (math only) runs the
    teacher's program in the sandbox, so it is not among the default operators."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    operators: list[Operator] = Field(default_factory=lambda: list(MATH_OPERATORS), min_length=1)
    templates: dict[Operator, str] = Field(default_factory=dict)  # overrides, `{seeds}` inside
    code_templates: dict[Operator, str] = Field(default_factory=dict)
    per_seed: int = Field(default=2, ge=1)  # candidates asked for per seed and depth
    max_candidates: int = Field(default=1000, ge=1)  # generation requests in the whole run
    depth: int = Field(default=1, ge=1, le=5)
    examples: int = Field(default=3, ge=1)  # seeds shown to self-instruct
    solutions: int = Field(default=4, ge=1)  # N independent solutions per math candidate
    independent: int = Field(default=2, ge=1)  # independent programs per code candidate
    # Solution s (math) or program s (code) is asked of solvers[s % len(solvers)]; none listed:
    # all of the generating teacher at its own sampling.
    solvers: list[Solver] = Field(default_factory=list)
    kill_share: float = Field(default=0.8, gt=0, le=1)  # mutants the tests must kill

    agree: int = Field(default=3, ge=1)
    share: float = Field(default=0.7, gt=0, le=1)
