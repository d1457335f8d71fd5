"""What the pipeline asks a teacher and what it gets back, whichever endpoint answers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Message(_Frozen):
    role: Literal["system", "user", "assistant"]
    content: str


class Sampling(_Frozen):
    """Everything besides the prompt that shapes an answer; part of the request's cache key."""

    temperature: float = Field(default=0.7, ge=0, le=2)
    top_p: float = Field(default=1.0, gt=0, le=1)
    max_tokens: int = Field(default=2048, ge=1)
    seed: int | None = None
    stop: list[str] | None = None


class TeacherRequest(_Frozen):
    """One chat-completion call. `sample` numbers repeated asks of the same prompt, so that the
    k-th sample of a prompt has a stable key and is never paid for twice across resumed runs."""

    teacher: str  # the configured teacher's name
    model: str
    messages: list[Message]
    sampling: Sampling
    n: int = Field(default=1, ge=1)
    sample: int = Field(default=0, ge=0)

    def key(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class Usage(_Frozen):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0


class Completion(_Frozen):
    text: str
    reasoning: str | None = None  # the endpoint's separate reasoning text, when it returns one
    finish_reason: str | None = None


class TeacherResponse(_Frozen):
    completions: list[Completion]
    usage: Usage
    model: str  # as the endpoint reported it
    seconds: float = Field(ge=0)


class TeacherError(Exception):
    """The teacher could not answer after its retries; the message says what the endpoint did,
    `kind` the cause the summary counts failed requests by (as `retried` counts retries)."""

    def __init__(self, message: str, kind: str = "refused") -> None:
        super().__init__(message)
        self.kind = kind


class TeacherRefused(TeacherError):
    """The endpoint refused in a way no retry and no other request can fix (a bad key, model or
    setting, or no server at all): the run stops; the message names the teacher, the endpoint
    and the fix."""


class Teacher(Protocol):
    """An answering endpoint. Implementations own their retries, backoff and rate limits, and
    count the attempts they retried by cause in `retried`."""

    name: str

    @property
    def retried(self) -> Mapping[str, int]: ...

    async def complete(self, request: TeacherRequest) -> TeacherResponse: ...

    async def close(self) -> None: ...
