"""Moving bytes between a running program and us: stdin in, capped stdout/stderr out, a deadline."""

from __future__ import annotations

import os
import selectors
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

STDOUT = 1
STDERR = 2
_CHUNK = 65536
# After the program exits, output still in flight gets this long before we stop reading.
_EXIT_GRACE_SECONDS = 0.2

Outcome = Literal["eof", "timeout", "capped"]


@dataclass
class Capture:
    """Output kept up to a cap per stream; bytes past the cap are never stored."""

    stdout_cap: int
    stderr_cap: int
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    truncated: bool = False

    def add(self, stream: int, data: bytes) -> bool:
        """Keep what fits; False once a stream overflowed, so the caller stops the run."""
        buffer, cap = (
            (self.stdout, self.stdout_cap) if stream == STDOUT else (self.stderr, self.stderr_cap)
        )
        room = cap - len(buffer)
        buffer += data[: max(room, 0)]
        if len(data) > room:
            self.truncated = True
        return not self.truncated


@dataclass
class Feed:
    """Bytes for the program's stdin, and how to end them (close a pipe, half-close a socket)."""

    fd: int
    data: bytes
    close: Callable[[], None]


def pump(
    readers: Sequence[int],
    feed: Feed | None,
    deadline: float,
    sink: Callable[[int, bytes], bool],
    exited_fd: int | None = None,
) -> Outcome:
    """Write the feed and read every reader until all close, the sink refuses, or time runs out.

    `exited_fd` (a pidfd) becomes readable when the program exits; output still held open by a
    stray descendant is then read for a short grace only, so it cannot stretch the run.
    """
    selector = selectors.DefaultSelector()
    masks = {fd: selectors.EVENT_READ for fd in readers}
    view = memoryview(feed.data if feed else b"")
    sent = 0
    if feed is not None:
        if view:
            masks[feed.fd] = masks.get(feed.fd, 0) | selectors.EVENT_WRITE
        else:
            feed.close()
    if exited_fd is not None:
        masks[exited_fd] = selectors.EVENT_READ
    for fd, mask in masks.items():
        selector.register(fd, mask)
    open_readers = set(readers)
    exit_deadline: float | None = None
    try:
        while open_readers:
            now = time.monotonic()
            if exit_deadline is not None and now >= exit_deadline:
                return "eof"
            if now >= deadline:
                return "timeout"
            wait = min(deadline, exit_deadline or deadline) - now
            for key, events in selector.select(wait):
                fd = key.fd
                if fd == exited_fd:
                    selector.unregister(fd)
                    exit_deadline = time.monotonic() + _EXIT_GRACE_SECONDS
                    continue
                if events & selectors.EVENT_WRITE and feed is not None:
                    try:
                        sent += os.write(fd, view[sent : sent + _CHUNK])
                    except BlockingIOError:
                        pass
                    except (BrokenPipeError, ConnectionResetError):
                        sent = len(view)  # the program stopped reading its stdin; that is its right
                    if sent >= len(view):
                        feed.close()
                        _drop(selector, masks, fd, selectors.EVENT_WRITE)
                if events & selectors.EVENT_READ and fd in open_readers:
                    try:
                        chunk = os.read(fd, _CHUNK)
                    except BlockingIOError:
                        continue
                    except ConnectionResetError:
                        chunk = b""
                    if not chunk:
                        open_readers.discard(fd)
                        _drop(selector, masks, fd, selectors.EVENT_READ)
                    elif not sink(fd, chunk):
                        return "capped"
        return "eof"
    finally:
        selector.close()


def _drop(selector: selectors.BaseSelector, masks: dict[int, int], fd: int, event: int) -> None:
    masks[fd] &= ~event
    if masks[fd]:
        selector.modify(fd, masks[fd])
    else:
        selector.unregister(fd)
