"""How a run names and tunes its teachers; validated from the run's YAML config."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from factory.teachers.base import Sampling


class TeacherConfig(BaseModel):
    """One OpenAI-compatible endpoint (OpenAI, vLLM, SGLang, Ollama, llama.cpp server).

    `base_url` and `api_key` fall back to OPENAI_BASE_URL and OPENAI_API_KEY.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)  # named in every record this teacher wrote
    model: str = Field(min_length=1)
    base_url: str | None = None
    api_key: str | None = None
    weight: float = Field(default=1.0, gt=0)  # share of requests when several teachers run
    sampling: Sampling = Field(default_factory=Sampling)
    n: int = Field(default=1, ge=1, le=128)  # completions per request
    concurrency: int = Field(default=16, ge=1)  # requests in flight at once
    requests_per_minute: float | None = Field(default=None, gt=0)
    tokens_per_minute: float | None = Field(default=None, gt=0)
    timeout_seconds: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=6, ge=0)
    # A Retry-After beyond this is waited for only this long: a server saying 3600 must not
    # park the run for an hour in silence.
    max_retry_after_seconds: float = Field(default=120.0, ge=0)
    # A longer reply is a failed attempt: no model writes a megabyte of solution on purpose.
    max_reply_chars: int = Field(default=1_000_000, ge=1)
    price_input_per_million: float | None = Field(default=None, ge=0)  # money per 1M tokens
    price_output_per_million: float | None = Field(default=None, ge=0)
