"""What every backend offers: a blocking run, an awaitable run, and release of what it holds."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

from sandbox.model import ExecRequest, ExecResult


class Sandbox(ABC):
    """One backend; reusable for many runs and safe to call from several threads at once."""

    name: str

    @abstractmethod
    def run(self, request: ExecRequest) -> ExecResult:
        """Run the request to completion; the program's failures are in the result, not raised."""

    async def run_async(self, request: ExecRequest) -> ExecResult:
        """The blocking run on a worker thread, so an event loop can keep many runs in flight."""
        return await asyncio.to_thread(self.run, request)

    def close(self) -> None:  # noqa: B027 - optional hook: only backends holding resources override it
        """Release held resources (warm containers); backends holding none have nothing to do."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
