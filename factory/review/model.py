"""A reviewer's decision on one record: what the store keeps and `--export`/`--import` carry."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# accept: the verifier's label holds; reject: the record must not be exported (reason `review`);
# skip: seen, left undecided (the walk moves on; export and agreement ignore it).
Verdict = Literal["accept", "reject", "skip"]


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    record_id: str = Field(min_length=1)
    decision: Verdict
    reason: str = Field(default="", max_length=2000)
    decided_at: float  # seconds since the epoch
