"""Requests-per-minute and tokens-per-minute limits as async token buckets.

A request reserves its estimated tokens before it is sent and settles with the real usage after,
so a long prompt waits for room up front and an overestimate is given back at once. Both buckets
start empty and requests are spaced evenly, so no burst ever exceeds the configured rate: a
server counting per minute never sees more than its limit, even in a run's first minute.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
_NO_WAIT = 1e-9  # seconds; float rounding after a sleep must not cause another one


@dataclass
class TokenBucket:
    """`per_minute` units refilled continuously up to `capacity`, empty at the start. The level
    may go negative when settled usage exceeds what was reserved: later callers then wait for
    the debt."""

    per_minute: float
    capacity: float
    level: float
    updated: float

    @classmethod
    def empty(cls, per_minute: float, capacity: float, now: float) -> TokenBucket:
        return cls(per_minute=per_minute, capacity=capacity, level=0.0, updated=now)

    def refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.level = min(self.capacity, self.level + elapsed * self.per_minute / 60.0)
        self.updated = now

    def seconds_until(self, amount: float, now: float) -> float:
        """How long until `amount` is available; more than the bucket holds waits for a full one."""
        self.refill(now)
        missing = min(amount, self.capacity) - self.level
        return max(0.0, missing * 60.0 / self.per_minute)


class RateLimiter:
    """Admits requests in arrival order once both buckets have room; a limit of None is no limit."""

    def __init__(
        self,
        requests_per_minute: float | None,
        tokens_per_minute: float | None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        now = clock()
        self._requests = (  # holds one request: requests go out evenly spaced
            None
            if requests_per_minute is None
            else TokenBucket.empty(requests_per_minute, 1.0, now)
        )
        self._tokens = (
            None
            if tokens_per_minute is None
            else TokenBucket.empty(tokens_per_minute, tokens_per_minute, now)
        )
        self._clock = clock
        self._sleep = sleep
        self._turn = asyncio.Lock()  # whoever waits first is admitted first

    @property
    def tokens_available(self) -> float | None:
        if self._tokens is None:
            return None
        self._tokens.refill(self._clock())
        return self._tokens.level

    async def acquire(self, tokens: int) -> None:
        """Wait until one more request and `tokens` more tokens fit, then take them."""
        if self._requests is None and self._tokens is None:
            return
        async with self._turn:
            while (wait := self._wait(tokens)) > _NO_WAIT:
                await self._sleep(wait)
            if self._requests is not None:
                self._requests.level -= 1
            if self._tokens is not None:
                self._tokens.level -= tokens

    def settle(self, reserved: int, used: int) -> None:
        """Replace a reservation by the tokens the endpoint reported using."""
        if self._tokens is not None:
            self._tokens.refill(self._clock())
            self._tokens.level = min(self._tokens.capacity, self._tokens.level + reserved - used)

    def _wait(self, tokens: int) -> float:
        now = self._clock()
        waits = [0.0]
        if self._requests is not None:
            waits.append(self._requests.seconds_until(1, now))
        if self._tokens is not None:
            waits.append(self._tokens.seconds_until(tokens, now))
        return max(waits)
