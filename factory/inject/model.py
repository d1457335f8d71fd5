"""What error injection produces: one corrected-mistake example with the evidence behind it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from problems import Problem
from verifiers.verdict import Evidence, Verdict

Origin = Literal["injected", "teacher", "real"]


class InjectConfig(BaseModel):
    """The `inject` stage of a run: on by default, bounded per trace and in the dataset."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    per_trace: int = Field(default=2, ge=1)  # corrections made from one verified trace at most
    share: float = Field(default=0.25, ge=0, le=1)  # of corrections in verified + corrections
    teacher: bool = False  # also ask the run's first teacher for a mistake and its correction


@dataclass(frozen=True)
class Source:
    """A verified trace to inject into: the math solution text, or the code program."""

    trace_id: str
    problem: Problem
    candidate: str


class Correction(BaseModel):
    """A "made a mistake, caught it, fixed it" example.

    `mistake_verdict` proves the mistake wrong (the wrong step refuted after the steps before it,
    or the buggy program failing a test); `verdict` proves the rest right (math: the example
    with the mistake step taken out passes; code: the fixed program taken from `text` passes).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: Literal["corrected_mistake"] = "corrected_mistake"
    domain: Literal["math", "code"]
    problem_id: str
    trace_id: str  # the verified trace the example was made from
    origin: Origin  # a mutation operator made the mistake, the teacher on request, or a real
    # rejected trace of the run (`real`)
    operator: str  # e.g. "arithmetic-slip", "flipped-comparison"; "teacher" for teacher-made
    position: int  # 1-based: the step (as the verifier counts steps) or the program line
    wrong: str  # the wrong step, or the buggy program
    corrected: str  # the step as the verified trace has it, or the verified program
    check: str  # the text in `text` that exposes the mistake (check line, test output, diagnosis)
    refutation: Evidence  # the verifier's evidence against the mistake
    text: str  # the whole example
    # The negative of the example's preference pair: the wrong branch carried on to its own
    # final answer, proven different from the gold one (code: the buggy program); None when
    # there is none (the wrong value never reaches the answer), and then there is no pair.
    rejected: str | None
    mistake_verdict: (
        Verdict  # the verdict on the wrong branch (the rejected side when there is one)
    )
    verdict: Verdict


def correction_id(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]
