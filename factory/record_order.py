"""The export order of a run's record ids, kept in a temporary file: problems finish out of
order, and their ids wait in memory only until every problem before them has finished."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator


class RecordOrder:
    """Record ids by problem index, written to a temporary file (removed with the object) in
    index order."""

    def __init__(self) -> None:
        self._file = tempfile.NamedTemporaryFile("w", encoding="utf-8")  # noqa: SIM115
        self._waiting: dict[int, list[str]] = {}  # finished before an earlier problem
        self._next = 0  # the index of the first problem not written yet

    def add(self, index: int, ids: list[str]) -> None:
        """Problem `index`'s record ids, in their order; each index is added once."""
        self._waiting[index] = ids
        while self._next in self._waiting:
            for record_id in self._waiting.pop(self._next):
                self._file.write(record_id + "\n")
            self._next += 1

    def __iter__(self) -> Iterator[str]:
        """Every id written so far, then those still waiting (a run stopped early), in order."""
        self._file.flush()
        with open(self._file.name, encoding="utf-8") as written:  # its own position
            for line in written:
                yield line.rstrip("\n")
        for index in sorted(self._waiting):
            yield from self._waiting[index]
