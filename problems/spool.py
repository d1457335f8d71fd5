"""Problems spooled to a temporary file, read back one at a time: a run of a million problems holds
an offset per problem in memory (8 bytes), not the problem."""

from __future__ import annotations

import tempfile
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

from problems.model import Problem, problem_adapter

READ_CHUNK = 1 << 20  # bytes read at a time when the problems are read in order


class SpooledProblems(Sequence[Problem]):
    """An immutable sequence of problems kept as JSON lines in an unnamed temporary file (gone
    when the list is collected, or the process ends); each access validates the problem again."""

    def __init__(self, problems: Iterable[Problem] = ()) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the list)
        self._starts = array("q", [0])
        self.domains: Counter[str] = Counter()  # problems per domain, counted as they are added
        for problem in problems:
            line = problem.model_dump_json().encode() + b"\n"
            self._file.write(line)
            self._starts.append(self._starts[-1] + len(line))
            self.domains[problem.domain] += 1
        self._file.flush()

    def __len__(self) -> int:
        return len(self._starts) - 1

    @overload
    def __getitem__(self, index: int) -> Problem: ...

    @overload
    def __getitem__(self, index: slice) -> SpooledProblems: ...

    def __getitem__(self, index: int | slice) -> Problem | SpooledProblems:
        if isinstance(index, slice):
            return SpooledProblems(self[i] for i in range(*index.indices(len(self))))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        start, end = self._starts[index], self._starts[index + 1]
        self._file.seek(start)
        return problem_adapter.validate_json(self._file.read(end - start))

    def __iter__(self) -> Iterator[Problem]:
        """In order, reading the file a chunk at a time (another reader may seek in between)."""
        position, buffer = 0, b""  # `buffer` holds the file's bytes from `position` on
        for index in range(len(self)):
            start, end = self._starts[index] - position, self._starts[index + 1] - position
            if end > len(buffer):
                self._file.seek(position + len(buffer))
                more = self._file.read(max(READ_CHUNK, end - len(buffer)))
                buffer, position = buffer[start:] + more, position + start
                start, end = 0, end - start
            yield problem_adapter.validate_json(buffer[start:end])
