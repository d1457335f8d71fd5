"""A teacher behind any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, SGLang, Ollama,
llama.cpp server). The SDK's own retries are off: retries, backoff, concurrency and rate limits
are ours, so they behave the same against every server and are tested."""

from __future__ import annotations

import asyncio
import email.utils
import math
import os
import random
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
import httpx2  # the openai SDK's HTTP client, for the check request's connect timeout
import openai
from openai import AsyncOpenAI, DefaultAioHttpClient
from openai.types.chat import ChatCompletion, ChatCompletionMessage

from factory.teachers.base import (
    Completion,
    TeacherError,
    TeacherRefused,
    TeacherRequest,
    TeacherResponse,
    Usage,
)
from factory.teachers.config import TeacherConfig
from factory.teachers.rate_limit import RateLimiter

RETRYABLE_STATUS = frozenset({408, 409, 425, 429})  # and every 5xx
NO_KEY = "EMPTY"  # local servers ignore the key, but the SDK will not send a request without one
CHARS_PER_TOKEN = 4  # rough prompt-size estimate for the token limit, settled by real usage
UNREACHABLE_AFTER = 3  # connection failures, with no answer yet, that stop the run
FIXES: dict[int, str] = {  # what to change when the endpoint refuses with this status
    400: "check the model and sampling settings (max_tokens within the model's context) "
    "against what the endpoint accepts",
    401: "set the teacher's api_key (or OPENAI_API_KEY) to a key this endpoint accepts",
    403: "use a key allowed to call this model, or another model",
    404: "check the model name against the endpoint's models, and that base_url is the "
    "server's OpenAI-compatible root (usually ending in /v1)",
    422: "check the model and sampling settings against what the endpoint accepts",
}
PREFLIGHT_SECONDS = 5.0  # the check request before a run must connect within this
PREFLIGHT_PROMPT = "Reply with OK."  # the check request's only message, answered in one token
UNREACHABLE_FIX = "start the server, or set base_url (or OPENAI_BASE_URL) to where it listens"


class EndpointNotConfigured(TeacherError):
    """Neither the teacher's config nor the environment says which endpoint to call."""


NOTICE_SECONDS = 5.0  # a wait this long, or one cut to the cap, is announced on stderr


@dataclass(frozen=True)
class Failure:
    """One attempt that failed in a way worth retrying, and the wait the endpoint asked for.
    `kind` is the cause the summary counts retries by."""

    kind: str
    reason: str
    retry_after: float | None = None


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the endpoint asked us to wait: `retry-after-ms`, else `Retry-After` as seconds or
    as an HTTP date (relative to `now`, the wall clock). None when neither says anything usable."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) * scale
        except ValueError:
            continue
        return max(0.0, seconds) if math.isfinite(seconds) else None
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def backoff(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with jitter, so many clients retrying at once spread out."""
    return min(cap, base * 2.0**attempt) * random.uniform(0.5, 1.0)


def estimate_tokens(request: TeacherRequest) -> int:
    """An upper-bound guess of what a request will use, reserved before it is sent."""
    prompt = sum(len(message.content) for message in request.messages) // CHARS_PER_TOKEN
    return prompt + 1 + request.sampling.max_tokens * request.n


class OpenAITeacher:
    """Chat completions through the `openai` SDK's async client.

    `backoff_seconds` is the first retry's wait when the endpoint names none (doubling each
    time, up to `max_backoff_seconds`); tests make it small. A `Retry-After` wait is honoured.
    """

    def __init__(
        self,
        config: TeacherConfig,
        *,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 60.0,
        limiter: RateLimiter | None = None,
    ) -> None:
        base_url = config.base_url or os.environ.get("OPENAI_BASE_URL") or None
        api_key = config.api_key or os.environ.get("OPENAI_API_KEY") or None
        if base_url is None and api_key is None:
            raise EndpointNotConfigured(
                f"teacher {config.name!r} has no endpoint: set its base_url (or OPENAI_BASE_URL) "
                "to a server's /v1 URL, or its api_key (or OPENAI_API_KEY) to use OpenAI"
            )
        self.name = config.name
        self.config = config
        self._backoff = (backoff_seconds, max_backoff_seconds)
        self._client = AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or NO_KEY,
            timeout=config.timeout_seconds,
            max_retries=0,
            http_client=_http_client(),
        )
        self.endpoint = str(self._client.base_url).rstrip("/")
        self._answered = False  # once the endpoint has answered, connection errors are retried
        self._unreachable = 0  # connection failures before any answer
        self._slots = asyncio.Semaphore(config.concurrency)
        self._limiter = limiter or RateLimiter(config.requests_per_minute, config.tokens_per_minute)
        self.retried: Counter[str] = Counter()  # failed attempts that were retried, by cause

    async def complete(self, request: TeacherRequest) -> TeacherResponse:
        reserved = estimate_tokens(request)
        async with self._slots:
            started = time.monotonic()  # from taking a slot: rate-limit waits and retries count
            attempt = 0
            while True:
                await self._limiter.acquire(reserved)
                try:
                    outcome = await self._attempt(request, started)
                except BaseException:  # refused, or cancelled: the tokens were not spent
                    self._limiter.settle(reserved, 0)
                    raise
                if isinstance(outcome, TeacherResponse):
                    self._answered = True
                    used = outcome.usage.prompt_tokens + outcome.usage.completion_tokens
                    self._limiter.settle(reserved, used or reserved)  # no usage: keep the guess
                    return outcome
                self._limiter.settle(reserved, 0)
                self._give_up_if_unreachable(outcome)
                if attempt >= self.config.max_retries:
                    raise TeacherError(
                        f"teacher {self.name!r} ({request.model}) gave up after {attempt + 1} "
                        f"attempts; the last one failed with {outcome.reason}",
                        outcome.kind,
                    )
                self.retried[outcome.kind] += 1
                await asyncio.sleep(self._delay(attempt, outcome))
                attempt += 1

    async def close(self) -> None:
        await self._client.close()

    def preflight(self) -> None:
        """One tiny completion (one token) before the run: an endpoint that is not there, or
        refuses the key or the model, stops the run before it starts. A busy endpoint (429,
        5xx) passes: the run's requests retry that on their own."""
        seconds = min(PREFLIGHT_SECONDS, self.config.timeout_seconds)
        timeout = httpx2.Timeout(self.config.timeout_seconds, connect=seconds)
        client = openai.OpenAI(
            base_url=self.endpoint, api_key=self._client.api_key, timeout=timeout, max_retries=0
        )
        try:
            client.chat.completions.create(
                model=self.config.model,
                messages=[{"role": "user", "content": PREFLIGHT_PROMPT}],
                max_tokens=1,
            )
        except openai.APIStatusError as error:
            status = error.status_code
            if status in FIXES:
                what = f"refused a one-token check request with HTTP {status}"
                raise self.refused(
                    f"{what}: {_endpoint_message(error)}", FIXES[status]
                ) from error
        except openai.APITimeoutError as error:
            if isinstance(error.__cause__, httpx2.ConnectTimeout):
                raise self.refused(
                    f"no connection within {seconds:g} s", UNREACHABLE_FIX
                ) from error
            # connected but slow to answer: the run's requests wait and retry on their own
        except openai.APIConnectionError as error:
            raise self.refused(
                f"cannot connect ({error.__cause__ or error})", UNREACHABLE_FIX
            ) from error
        except (ValueError, openai.APIResponseValidationError):
            pass  # it answered: what it answers with is the run's requests' concern
        finally:
            client.close()

    def refused(self, what: str, fix: str) -> TeacherRefused:
        return TeacherRefused(
            f"teacher {self.name!r} ({self.config.model}) at {self.endpoint}: {what}; fix: {fix}"
        )

    def _give_up_if_unreachable(self, failure: Failure) -> None:
        """Connection errors before any answer mean no server there, not a passing fault."""
        if failure.kind != "connection" or self._answered:
            return
        self._unreachable += 1
        if self._unreachable >= UNREACHABLE_AFTER:
            raise self.refused(f"cannot connect ({failure.reason})", UNREACHABLE_FIX)

    def _delay(self, attempt: int, failure: Failure) -> float:
        if failure.retry_after is None:
            return backoff(attempt, *self._backoff)
        cap = self.config.max_retry_after_seconds
        wait = min(failure.retry_after, cap)
        if wait >= NOTICE_SECONDS or wait < failure.retry_after:
            asked = "" if wait == failure.retry_after else f", asked {failure.retry_after:.0f} s"
            print(
                f"waiting {wait:.1f} s for teacher {self.name!r} (rate-limited: "
                f"{failure.reason}{asked}; max_retry_after_seconds {cap:g})",
                file=sys.stderr,
            )
        return wait

    async def _attempt(self, request: TeacherRequest, started: float) -> TeacherResponse | Failure:
        """One HTTP call. A refusal that retrying cannot fix raises TeacherError at once."""
        try:
            # The SDK's generic POST: `chat.completions.create` would walk this body against
            # its TypedDicts first (a tenth of the run's main-process CPU), for a body that is
            # plain JSON already; the response, errors and timeouts are the SDK's all the same.
            reply = await self._client.post(
                "/chat/completions", cast_to=ChatCompletion, body=_body(request)
            )
        except openai.APIStatusError as error:
            status = error.status_code
            reason = f"HTTP {status}: {_endpoint_message(error)}"
            if status in RETRYABLE_STATUS or status >= 500:
                kind = f"HTTP {status}" if status < 500 else "HTTP 5xx"
                return Failure(kind, reason, retry_after(error.response.headers))
            if status in FIXES:
                raise self.refused(f"refused with {reason}", FIXES[status]) from error
            raise TeacherError(
                f"teacher {self.name!r} ({request.model}) was refused with {reason}",
                f"HTTP {status}",
            ) from error
        except openai.APITimeoutError as error:
            dropped = _connection_error(error)
            if dropped is not None:
                return Failure("connection", f"a connection error: {dropped}")
            return Failure(
                "timeout", f"no answer within {self.config.timeout_seconds:g} s (timeout)"
            )
        except openai.APIConnectionError as error:
            return Failure("connection", f"a connection error: {error.__cause__ or error}")
        except (ValueError, openai.APIResponseValidationError) as error:
            return Failure("invalid body", f"an invalid JSON body: {error}")
        response = _response(reply, request.model, time.monotonic() - started)
        if isinstance(response, Failure):
            return response
        return _unusable(response, request, self.config.max_reply_chars) or response


def _http_client() -> httpx2.AsyncClient | None:
    """The SDK's aiohttp transport: its pool costs half the CPU per request of httpx's, which
    probes every idle connection's socket on every request (benchmarks/openai_overhead.py).
    It reads no proxy settings, so with a proxy in the environment the SDK's default (None)."""
    return None if urllib.request.getproxies() else DefaultAioHttpClient()


def _connection_error(error: BaseException) -> BaseException | None:
    """The aiohttp transport reports a refused or dropped connection as a connect timeout;
    the aiohttp error underneath, when it is such a connection error and no timeout."""
    cause = error.__cause__
    while cause is not None:
        if isinstance(cause, aiohttp.ClientConnectionError) and not isinstance(cause, TimeoutError):
            return cause
        cause = cause.__cause__
    return None


def _body(request: TeacherRequest) -> dict[str, object]:
    """The chat-completions request body; unset seed and stop are left out."""
    sampling = request.sampling
    body: dict[str, object] = {
        "model": request.model,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        "temperature": sampling.temperature,
        "top_p": sampling.top_p,
        "max_tokens": sampling.max_tokens,
        "n": request.n,
    }
    if sampling.seed is not None:
        body["seed"] = sampling.seed
    if sampling.stop is not None:
        body["stop"] = sampling.stop
    return body


def _endpoint_message(error: openai.APIStatusError) -> str:
    """What the endpoint said, from its `{"error": {"message"}}` body or its plain text."""
    body = error.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    if isinstance(body, str) and body.strip():
        return body.strip()[:500]
    return error.message


def _response(reply: object, model: str, seconds: float) -> TeacherResponse | Failure:
    """Our response from the SDK's parsed body; a body that is no usable completion is a Failure."""
    if not isinstance(reply, ChatCompletion):
        return Failure(
            "invalid body", f"a body that is not a chat completion: {str(reply)[:200]!r}"
        )
    if not reply.choices:
        return Failure("empty", "a reply with empty choices")
    completions = [
        Completion(
            text=choice.message.content or "",
            reasoning=_reasoning(choice.message),
            finish_reason=choice.finish_reason,
        )
        for choice in reply.choices
    ]
    return TeacherResponse(
        completions=completions, usage=_usage(reply), model=reply.model or model, seconds=seconds
    )


def _unusable(response: TeacherResponse, request: TeacherRequest, max_chars: int) -> Failure | None:
    """Why a well-formed reply is still no answer, or None: an empty or truncated completion,
    one too long to be a solution, or text that is not valid Unicode. Such a reply is a failed
    attempt, never a trace: a truncated solution would be judged wrong and become a negative."""
    for completion in response.completions:
        if not completion.text.strip():
            return Failure("empty", "a reply with no content")
        if completion.finish_reason == "length":
            return Failure(
                "truncated",
                f"a reply cut off at max_tokens={request.sampling.max_tokens} "
                "(finish_reason 'length'; raise max_tokens if it recurs)",
            )
        size = len(completion.text) + len(completion.reasoning or "")
        if size > max_chars:
            return Failure(
                "oversize", f"a reply of {size} characters (max_reply_chars {max_chars})"
            )
        try:
            completion.text.encode()
            (completion.reasoning or "").encode()
        except UnicodeEncodeError:
            return Failure("undecodable", "a reply whose text is not valid Unicode")
    return None


def _reasoning(message: ChatCompletionMessage) -> str | None:
    """The separate reasoning text: `reasoning_content` (vLLM, SGLang, DeepSeek) or `reasoning`
    (Ollama, OpenRouter); neither is in the SDK's schema, so both arrive as extra fields."""
    extra = message.model_extra or {}
    for key in ("reasoning_content", "reasoning"):
        value = extra.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _usage(reply: ChatCompletion) -> Usage:
    usage = reply.usage
    if usage is None:
        return Usage()
    details = usage.completion_tokens_details
    return Usage(
        prompt_tokens=usage.prompt_tokens or 0,
        completion_tokens=usage.completion_tokens or 0,
        reasoning_tokens=(details.reasoning_tokens or 0) if details else 0,
    )
