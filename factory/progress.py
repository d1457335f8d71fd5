"""Progress on stderr for every long stage: a bar on a terminal; elsewhere (a log, CI, a pipe)
a plain line every few seconds with the counts, the rate and the time left."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

EVERY_SECONDS = 5.0  # without a terminal, at most one line per stage this often


class Reporter:
    """Takes `stage(name, done, total, counts)` as often as counts change and shows them."""

    def __init__(self, console: Console, every: float, bars: Progress | None) -> None:
        self._console = console
        self._every = every
        self._bars = bars
        self._tasks: dict[str, TaskID] = {}
        self._started: dict[str, float] = {}
        self._shown: dict[str, float] = {}

    def stage(self, name: str, done: int, total: int, counts: str = "") -> None:
        now = time.monotonic()
        started = self._started.setdefault(name, now)
        if self._bars is not None:
            task = self._tasks.get(name)
            if task is None:
                task = self._tasks[name] = self._bars.add_task(name, total=total, counts="")
            self._bars.update(task, completed=done, total=total, counts=counts)
            return
        finished = done >= total
        if now - self._shown.get(name, started) < self._every and not finished:
            return
        if finished and self._shown.get(name) == float("inf"):
            return  # the last line of this stage is out already
        self._shown[name] = float("inf") if finished else now
        self._console.print(
            line(name, done, total, Text.from_markup(counts).plain, now - started),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def line(name: str, done: int, total: int, counts: str, seconds: float) -> str:
    """`name: done/total · counts · rate · ETA` (the rate and ETA once anything is done)."""
    parts = [f"{name}: {done}/{total}"]
    if counts:
        parts.append(counts)
    if done and seconds > 0:
        rate = done / seconds
        parts.append(f"{rate:.2f}/s")
        parts.append(f"ETA {_duration((total - done) / rate)}")
    parts.append(f"{_duration(seconds)} elapsed")
    return " · ".join(parts)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return (
        f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
    )


@contextmanager
def reporting(console: Console, every: float = EVERY_SECONDS) -> Iterator[Reporter]:
    """A Reporter for the duration of the block: bars on a terminal, lines elsewhere."""
    if not console.is_terminal:
        yield Reporter(console, every, None)
        return
    bars = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )
    with bars:
        yield Reporter(console, every, bars)
