"""Group commit for the run store: the writes asked for during one turn of the event loop commit
in one transaction, and each writer resumes only once its writes are committed, so a run killed
at any instant has lost nothing it acted on while paying one commit per batch, not per write."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from factory.store import Store


class GroupCommit:
    """`await commit(write)` runs `write` (Store calls) in the next group and returns once that
    group is committed; a write that fails is undone alone and raises in its own caller."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.seconds = 0.0  # spent committing
        self.groups = 0
        self._waiting: list[tuple[Callable[[], None], asyncio.Future[None]]] = []

    async def __call__(self, write: Callable[[], None]) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        if not self._waiting:
            loop.call_soon(self._flush)
        self._waiting.append((write, future))
        await future

    def _flush(self) -> None:
        waiting, self._waiting = self._waiting, []
        failed: dict[int, Exception] = {}
        started = time.perf_counter()
        try:
            with self.store.group():
                for index, (write, _) in enumerate(waiting):
                    try:
                        write()
                    except Exception as error:
                        failed[index] = error
        except Exception as error:  # the commit itself: nothing of the group was kept
            for _, future in waiting:
                if not future.done():
                    future.set_exception(error)
            return
        finally:
            self.seconds += time.perf_counter() - started
            self.groups += 1
        for index, (_, future) in enumerate(waiting):
            if future.done():  # its writer was cancelled meanwhile
                continue
            if index in failed:
                future.set_exception(failed[index])
            else:
                future.set_result(None)
