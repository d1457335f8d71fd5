"""The export order of a run's record ids, kept in a temporary file: problems finish out of
order, and their ids wait in memory only until every problem before them has finished."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator


class RecordOrder:
    """Each problem's record ids by problem index, one JSON line a problem (written in index
    order to a temporary file removed with the object)."""

    def __init__(self) -> None:
        self._file = tempfile.NamedTemporaryFile("w", encoding="utf-8")  # noqa: SIM115
        self._waiting: dict[int, tuple[str, list[str]]] = {}  # finished before an earlier one
        self._next = 0  # the index of the first problem not written yet

    def add(self, index: int, problem_id: str, ids: list[str]) -> None:
        """Problem `index`'s record ids, in their order; each index is added once."""
        self._waiting[index] = (problem_id, ids)
        while self._next in self._waiting:
            self._file.write(json.dumps(self._waiting.pop(self._next)) + "\n")
            self._next += 1

    def problems(self) -> Iterator[tuple[str, list[str]]]:
        """Every problem written so far with its ids, then those still waiting (a run stopped
        early), in order."""
        self._file.flush()
        with open(self._file.name, encoding="utf-8") as written:  # its own position
            for line in written:
                problem_id, ids = json.loads(line)
                yield problem_id, ids
        for index in sorted(self._waiting):
            yield self._waiting[index]

    def __iter__(self) -> Iterator[str]:
        for _, ids in self.problems():
            yield from ids
