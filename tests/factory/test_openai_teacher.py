"""The OpenAI-compatible teacher against a real local HTTP server with scripted faults, and the
rate limiter on an injected clock. Nothing of the client is mocked."""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factory.teachers.base import (
    Completion,
    Message,
    Sampling,
    TeacherError,
    TeacherRequest,
    TeacherResponse,
    Usage,
)
from factory.teachers.config import TeacherConfig
from factory.teachers.openai_teacher import EndpointNotConfigured, OpenAITeacher, retry_after
from factory.teachers.rate_limit import RateLimiter
from tests.factory.fake_openai import FakeOpenAI, Reply, completion

T = TypeVar("T")
OK = Reply(body=completion("The answer is \\boxed{4}."))


class Script:
    """Answers with the given replies in order, then repeats the last one; thread-safe, since
    the server answers each request on its own thread."""

    def __init__(self, *replies: Reply) -> None:
        self._replies = list(replies)
        self._lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            return self._replies.pop(0) if len(self._replies) > 1 else self._replies[0]


@dataclass
class FakeClock:
    """A clock whose sleeps pass instantly and are recorded, for the rate limiter."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def config(server: FakeOpenAI, **overrides: Any) -> TeacherConfig:
    settings: dict[str, Any] = {
        "name": "fake",
        "model": "fake-model",
        "base_url": server.url,
        "api_key": "test-key",
        "timeout_seconds": 5.0,
        "max_retries": 4,
    }
    return TeacherConfig(**(settings | overrides))


def request(prompt: str = "What is 2 + 2?", **overrides: Any) -> TeacherRequest:
    fields: dict[str, Any] = {
        "teacher": "fake",
        "model": "fake-model",
        "messages": [Message(role="user", content=prompt)],
        "sampling": Sampling(),
    }
    return TeacherRequest(**(fields | overrides))


def ask(
    server: FakeOpenAI,
    ask_for: TeacherRequest | None = None,
    *,
    limiter: RateLimiter | None = None,
    **overrides: Any,
) -> TeacherResponse:
    async def go() -> TeacherResponse:
        teacher = OpenAITeacher(config(server, **overrides), backoff_seconds=0.01, limiter=limiter)
        try:
            return await teacher.complete(ask_for or request())
        finally:
            await teacher.close()

    return run(go())


def refused(server: FakeOpenAI, **overrides: Any) -> TeacherError:
    with pytest.raises(TeacherError) as caught:
        ask(server, **overrides)
    return caught.value


@pytest.mark.parametrize("field_name", ["reasoning_content", "reasoning"])
def test_success_records_text_reasoning_and_usage(field_name: str) -> None:
    body = completion("1. $2 + 2 = 4$\n2. \\boxed{4}", model="served-model", completion_tokens=25)
    body["choices"][0]["message"][field_name] = "Two and two make four."
    body["usage"]["completion_tokens_details"] = {"reasoning_tokens": 7}
    sampling = Sampling(temperature=0.3, top_p=0.9, max_tokens=64, seed=11, stop=["</s>"])
    with FakeOpenAI(Script(Reply(body=body))) as server:
        response = ask(server, request(sampling=sampling))

    assert response.completions == [
        Completion(
            text="1. $2 + 2 = 4$\n2. \\boxed{4}",
            reasoning="Two and two make four.",
            finish_reason="stop",
        )
    ]
    assert response.usage == Usage(prompt_tokens=10, completion_tokens=25, reasoning_tokens=7)
    assert response.model == "served-model"
    sent = server.requests[0]
    assert sent["model"] == "fake-model"
    assert sent["messages"] == [{"role": "user", "content": "What is 2 + 2?"}]
    assert (sent["temperature"], sent["top_p"], sent["max_tokens"]) == (0.3, 0.9, 64)
    assert (sent["seed"], sent["stop"], sent["n"]) == (11, ["</s>"], 1)


def test_unset_seed_and_stop_are_not_sent() -> None:
    with FakeOpenAI(Script(OK)) as server:
        response = ask(server)
    assert response.completions[0].reasoning is None
    assert "seed" not in server.requests[0] and "stop" not in server.requests[0]


def test_n_completions_come_back_from_one_request() -> None:
    def respond(body: dict[str, Any]) -> Reply:
        return Reply(body=completion(*(f"answer {i}" for i in range(body["n"]))))

    with FakeOpenAI(respond) as server:
        response = ask(server, request(n=3))
    assert [c.text for c in response.completions] == ["answer 0", "answer 1", "answer 2"]
    assert len(server.requests) == 1 and server.requests[0]["n"] == 3


@pytest.mark.parametrize(
    ("headers", "announced"), [({"Retry-After": "1"}, 1.0), ({"retry-after-ms": "400"}, 0.4)]
)
def test_429_is_retried_after_the_announced_delay(
    headers: dict[str, str], announced: float
) -> None:
    limited = Reply(status=429, headers=headers, body={"error": {"message": "slow down"}})
    with FakeOpenAI(Script(limited, OK)) as server:
        response = ask(server)  # backoff is 0.01 s: only the header explains a longer wait
    assert response.completions[0].text == "The answer is \\boxed{4}."
    assert len(server.requests) == 2
    assert server.arrivals[1] - server.arrivals[0] >= announced - 0.01


def test_server_errors_are_retried_until_success() -> None:
    errors = [Reply(status=code, body={"error": {"message": "oops"}}) for code in (500, 502, 503)]
    with FakeOpenAI(Script(*errors, OK)) as server:
        response = ask(server)
    assert response.completions[0].text == "The answer is \\boxed{4}."
    assert len(server.requests) == 4


def test_a_reply_slower_than_the_timeout_is_retried() -> None:
    with FakeOpenAI(Script(Reply(body=completion("late"), delay=2.0), OK)) as server:
        response = ask(server, timeout_seconds=0.5)
    assert response.completions[0].text == "The answer is \\boxed{4}."
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    "bad",
    [
        Reply(body='{"id": "chatcmpl-1", "object": "chat.completion", "choices": [{"ind'),
        Reply(
            body={"id": "x", "object": "chat.completion", "created": 1, "model": "m", "choices": []}
        ),
        Reply(body="<html>gateway hiccup</html>"),
    ],
    ids=["truncated-json", "empty-choices", "not-json"],
)
def test_a_broken_body_is_retried(bad: Reply) -> None:
    with FakeOpenAI(Script(bad, OK)) as server:
        response = ask(server)
    assert response.completions[0].text == "The answer is \\boxed{4}."
    assert len(server.requests) == 2


def reply_with(**choice: Any) -> Reply:
    """A well-formed body whose one choice carries the given message fields and finish reason."""
    body = completion("placeholder")
    finish = choice.pop("finish_reason", "stop")
    body["choices"][0]["message"] = {"role": "assistant", **choice}
    body["choices"][0]["finish_reason"] = finish
    return Reply(body=body)


@pytest.mark.parametrize(
    ("bad", "kind"),
    [
        (reply_with(content=None), "empty"),
        (reply_with(content=""), "empty"),
        (reply_with(content="  \n "), "empty"),
        (reply_with(content="The answer is \\boxed{", finish_reason="length"), "truncated"),
        (reply_with(content="x" * 2_000), "oversize"),
        (reply_with(content="ok", reasoning_content="y" * 2_000), "oversize"),
        (
            Reply(
                body='{"choices": [{"index": 0, "message": {"role": "assistant", "content": '
                '"\\ud800 lone"}, "finish_reason": "stop"}], "id": "x", "created": 1, '
                '"model": "m", "object": "chat.completion"}'
            ),
            "undecodable",
        ),
        (
            Reply(
                body=b'{"id": "x", "object": "chat.completion", "choices": [{"index": 0, '
                b'"message": {"role": "assistant", "content": "\xff\xfe"}}]}'
            ),
            "invalid body",
        ),
    ],
    ids=[
        "null",
        "empty",
        "blank",
        "truncated",
        "oversize",
        "oversize-reasoning",
        "surrogate",
        "invalid-utf8",
    ],
)
def test_a_reply_that_is_no_answer_is_retried_and_counted(bad: Reply, kind: str) -> None:
    """Empty, truncated, huge or undecodable replies are failed attempts, never traces."""

    async def go(server: FakeOpenAI) -> tuple[TeacherResponse, dict[str, int]]:
        teacher = OpenAITeacher(config(server, max_reply_chars=1_000), backoff_seconds=0.01)
        try:
            return await teacher.complete(request()), dict(teacher.retried)
        finally:
            await teacher.close()

    with FakeOpenAI(Script(bad, OK)) as server:
        response, retried = run(go(server))
    assert response.completions[0].text == "The answer is \\boxed{4}."
    assert len(server.requests) == 2
    assert retried == {kind: 1}


def test_a_reply_that_is_never_an_answer_gives_up_with_the_reason() -> None:
    with FakeOpenAI(Script(reply_with(content="cut", finish_reason="length"))) as server:
        error = refused(server, max_retries=1)
    assert len(server.requests) == 2
    assert "cut off at max_tokens=2048" in str(error) and "raise max_tokens" in str(error)


def test_retry_after_is_capped_and_the_wait_announced(capsys: pytest.CaptureFixture[str]) -> None:
    limited = Reply(status=429, headers={"Retry-After": "3600"}, body={"error": {"message": "no"}})
    with FakeOpenAI(Script(limited, OK)) as server:
        ask(server, max_retry_after_seconds=0.3)
    waited = server.arrivals[1] - server.arrivals[0]
    assert 0.29 <= waited < 2.0
    notice = capsys.readouterr().err
    assert "waiting 0.3 s for teacher 'fake' (rate-limited: HTTP 429: no, asked 3600 s" in notice


def test_retries_exhausted_names_the_last_failure() -> None:
    unavailable = Reply(status=503, body={"error": {"message": "model is overloaded"}})
    with FakeOpenAI(Script(unavailable)) as server:
        error = refused(server, max_retries=2)
    assert len(server.requests) == 3
    assert "3 attempts" in str(error)
    assert "HTTP 503: model is overloaded" in str(error)


@pytest.mark.parametrize("status", [400, 401, 404])
def test_a_client_error_fails_at_once_with_the_endpoints_message(status: int) -> None:
    bad = Reply(status=status, body={"error": {"message": "max_tokens is too large"}})
    with FakeOpenAI(Script(bad)) as server:
        error = refused(server)
    assert len(server.requests) == 1
    assert f"HTTP {status}: max_tokens is too large" in str(error)


def test_concurrency_limit_is_never_exceeded() -> None:
    async def go(server: FakeOpenAI) -> list[TeacherResponse]:
        teacher = OpenAITeacher(config(server, concurrency=3))
        try:
            return await asyncio.gather(
                *(teacher.complete(request(f"question {i}")) for i in range(9))
            )
        finally:
            await teacher.close()

    slow = Reply(body=completion("ok"), delay=0.25)
    with FakeOpenAI(Script(slow)) as server:
        responses = run(go(server))
    assert len(responses) == 9 and len(server.requests) == 9
    assert server.max_in_flight == 3


def test_no_endpoint_anywhere_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(EndpointNotConfigured) as caught:
        OpenAITeacher(TeacherConfig(name="solo", model="m"))
    message = str(caught.value)
    for setting in ("'solo'", "base_url", "OPENAI_BASE_URL", "api_key", "OPENAI_API_KEY"):
        assert setting in message


def test_the_endpoint_may_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOpenAI(Script(OK)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        response = ask(server, base_url=None, api_key=None)
    assert response.completions[0].text == "The answer is \\boxed{4}."


def test_retry_after_reads_seconds_milliseconds_and_dates() -> None:
    now = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(datetime(2025, 3, 1, 12, 0, 30, tzinfo=UTC), usegmt=True)
    assert retry_after({"retry-after": "2.5"}) == 2.5
    assert retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after({"retry-after": later}, now=now.timestamp()) == 30.0
    assert retry_after({"retry-after": later}, now=now.timestamp() + 60) == 0.0
    assert retry_after({"retry-after": "-3"}) == 0.0
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({"retry-after": "inf"}) is None
    assert retry_after({}) is None


# The rate limiter, on a clock whose sleeps pass instantly: no test here depends on timing.


def limiter(clock: FakeClock, rpm: float | None = None, tpm: float | None = None) -> RateLimiter:
    return RateLimiter(rpm, tpm, clock=clock, sleep=clock.sleep)


def acquire_all(bucket: RateLimiter, *tokens: int) -> None:
    async def go() -> None:
        for amount in tokens:
            await bucket.acquire(amount)

    run(go())


def test_requests_are_spaced_evenly_from_the_start() -> None:
    clock = FakeClock()
    acquire_all(limiter(clock, rpm=60), *[1] * 3)
    assert clock.sleeps == [pytest.approx(1.0)] * 3


@settings(max_examples=50, deadline=None)
@given(
    rpm=st.floats(min_value=0.5, max_value=600),
    idle=st.lists(st.floats(min_value=0, max_value=300), min_size=1, max_size=40),
)
def test_no_window_of_a_minute_admits_more_than_the_rate(rpm: float, idle: list[float]) -> None:
    """Whenever callers come, also after a long pause, a minute never holds more than `rpm`."""
    clock = FakeClock()
    bucket = limiter(clock, rpm=rpm)
    admitted: list[float] = []

    async def go() -> None:
        for pause in idle:
            clock.now += pause
            await bucket.acquire(1)
            admitted.append(clock.now)

    run(go())
    for start in admitted:
        in_window = [t for t in admitted if start <= t < start + 60 - 1e-6]
        assert len(in_window) <= math.ceil(rpm)


def test_tokens_per_minute_wait_for_exactly_the_missing_tokens() -> None:
    clock = FakeClock()
    acquire_all(limiter(clock, tpm=600), 500, 300)  # 10 tokens/s from empty
    assert clock.sleeps == [pytest.approx(50.0), pytest.approx(30.0)]


def test_elapsed_time_refills_the_bucket() -> None:
    clock = FakeClock()
    bucket = limiter(clock, tpm=600)
    assert bucket.tokens_available == 0
    clock.now += 60
    acquire_all(bucket, 600)
    clock.now += 30
    assert bucket.tokens_available == pytest.approx(300)
    acquire_all(bucket, 300)
    assert clock.sleeps == []


def test_settling_returns_an_overestimate_and_charges_an_underestimate() -> None:
    clock = FakeClock()
    bucket = limiter(clock, tpm=600)
    clock.now += 60
    acquire_all(bucket, 500)
    bucket.settle(reserved=500, used=50)
    acquire_all(bucket, 550)
    assert clock.sleeps == []
    bucket.settle(reserved=0, used=100)  # the endpoint used more than was reserved
    acquire_all(bucket, 50)
    assert clock.sleeps == [pytest.approx(15.0)]  # 100 owed + 50 wanted at 10/s


def test_a_request_larger_than_the_bucket_waits_for_a_full_bucket_only() -> None:
    clock = FakeClock()
    bucket = limiter(clock, tpm=600)
    clock.now += 60
    acquire_all(bucket, 100, 1000)
    assert clock.sleeps == [pytest.approx(10.0)]


def test_waiting_requests_are_admitted_in_arrival_order() -> None:
    clock = FakeClock()
    bucket = limiter(clock, rpm=1)
    admitted: list[int] = []

    async def one(index: int) -> None:
        await bucket.acquire(1)
        admitted.append(index)

    async def go() -> None:
        await asyncio.gather(*(one(i) for i in range(3)))

    run(go())
    assert admitted == [0, 1, 2]
    assert clock.sleeps == [pytest.approx(60.0)] * 3


def test_no_limits_never_wait() -> None:
    clock = FakeClock()
    bucket = limiter(clock)
    acquire_all(bucket, *[10**6] * 5)
    assert clock.sleeps == [] and bucket.tokens_available is None


def teacher_run(server: FakeOpenAI, bucket: RateLimiter, count: int) -> list[TeacherResponse]:
    async def go() -> list[TeacherResponse]:
        teacher = OpenAITeacher(config(server), backoff_seconds=0.01, limiter=bucket)
        asked = request(sampling=Sampling(max_tokens=500))
        try:
            return [await teacher.complete(asked) for _ in range(count)]
        finally:
            await teacher.close()

    return run(go())


def test_the_teacher_reserves_tokens_then_settles_with_the_reported_usage() -> None:
    clock = FakeClock()
    bucket = limiter(clock, tpm=600)
    clock.now += 60  # a full bucket
    unavailable = Reply(status=503, body={"error": {"message": "busy"}})
    with FakeOpenAI(Script(unavailable, OK)) as server:
        teacher_run(server, bucket, 1)
    # Reserved ~500 each attempt; the failed attempt is refunded, the answer cost 10 + 20 tokens.
    assert bucket.tokens_available == pytest.approx(570)
    assert clock.sleeps == []


def test_the_teacher_waits_for_its_request_limit() -> None:
    clock = FakeClock()
    with FakeOpenAI(Script(OK)) as server:
        responses = teacher_run(server, limiter(clock, rpm=2), 3)
    assert len(responses) == 3 and len(server.requests) == 3
    assert clock.sleeps == [pytest.approx(30.0)] * 3


def test_a_refused_request_gives_its_tokens_back() -> None:
    clock = FakeClock()
    bucket = limiter(clock, tpm=600)
    clock.now += 60
    refusal = Reply(status=400, body={"error": {"message": "bad"}})
    with FakeOpenAI(Script(refusal)) as server, pytest.raises(TeacherError):
        teacher_run(server, bucket, 1)
    assert bucket.tokens_available == pytest.approx(600)
