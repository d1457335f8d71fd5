"""Load problem files of any supported format, stopping at (or counting) every bad row."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from problems.formats import FORMATS, FieldError, Format, RowContext, detect
from problems.model import Problem
from problems.rows import Row, RowError, read_rows


@dataclass
class LoadResult:
    """What one file gave: its detected format, the valid problems and the rows skipped."""

    path: Path
    format: str | None = None
    problems: list[Problem] = field(default_factory=list)
    skipped: list[RowError] = field(default_factory=list)


def _dataset_name(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".jsonl", ".ndjson", ".json", ".parquet"):
        name = name.removesuffix(suffix)
    return name


def _convert(row: Row, fmt: Format, dataset: str) -> Problem:
    if not isinstance(row.data, Mapping):
        raise RowError(
            row.path, row.line, "<row>", f"expected an object, got {type(row.data).__name__}"
        )
    try:
        return fmt.convert(row.data, RowContext(dataset=dataset, line=row.line))
    except FieldError as exc:
        raise RowError(row.path, row.line, exc.field, str(exc)) from exc


def _format_of(row: Row) -> Format:
    fmt = detect(row.data) if isinstance(row.data, Mapping) else None
    if fmt is None:
        keys = sorted(row.data) if isinstance(row.data, Mapping) else []
        known = ", ".join(f.name for f in FORMATS)
        raise RowError(row.path, row.line, "<row>", f"keys {keys} match no known format ({known})")
    return fmt


def load_file(path: Path, *, skip_invalid: bool = False) -> LoadResult:
    """Read `path` into problems; raise `RowError` at the first bad row unless `skip_invalid`."""
    result = LoadResult(path)
    result.problems.extend(read_file(result, skip_invalid=skip_invalid))
    return result


def read_file(result: LoadResult, *, skip_invalid: bool = False) -> Iterator[Problem]:
    """The problems of `result.path` one at a time (a large file is never held whole), noting
    the rows skipped and the format in `result`; `RowError` at the first bad row unless
    `skip_invalid`."""
    path = result.path
    if not path.is_file():
        raise RowError(path, 0, "<file>", "no such file")
    dataset = _dataset_name(path)
    fmt: Format | None = None
    seen: dict[str, int] = {}
    for row in read_rows(path):
        try:
            if isinstance(row, RowError):
                raise row
            fmt = fmt or _format_of(row)
            result.format = fmt.name
            problem = _convert(row, fmt, dataset)
            if problem.id in seen:
                raise RowError(
                    path, row.line, "id", f"'{problem.id}' repeats line {seen[problem.id]}"
                )
            seen[problem.id] = row.line
        except RowError as error:
            if not skip_invalid:
                raise
            result.skipped.append(error)
            continue
        yield problem


def load_problems(paths: Iterable[Path], *, skip_invalid: bool = False) -> list[LoadResult]:
    return [load_file(path, skip_invalid=skip_invalid) for path in paths]
