"""What every verifier returns: a pass/fail decision with the evidence that backs it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# `fail` and `timeout` judge the candidate; `error` says the verifier could not judge it (sandbox
# down, harness crash, worker killed): no verdict on the candidate, so the trace is judged again.
VerdictStatus = Literal["pass", "fail", "error", "timeout"]


class Evidence(BaseModel):
    """One check a verifier ran and what it found, so a rejected record can say exactly why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    check: str  # what was checked, e.g. "answer", "step", "test"
    outcome: str  # the verifier's own word for the result, e.g. "equivalent", "refuted"
    index: int | None = None  # position of the checked item (step number, test number)
    reason: str = ""
    details: dict[str, str] = Field(default_factory=dict)  # counterexample, values, output


class Verdict(BaseModel):
    """A verifier's judgement of one candidate: `pass` only when every check it ran held."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: VerdictStatus
    verifier: str
    version: str
    evidence: list[Evidence] = Field(default_factory=list)
    seconds: float = Field(ge=0)

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    @property
    def judged(self) -> bool:
        """False for `error`: nothing is known of the candidate, so this is not its verdict."""
        return self.status != "error"
