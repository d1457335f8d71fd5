"""Read raw rows from JSONL, JSON and Parquet files, each tagged with where it came from."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class RowError(Exception):
    """A bad row: says which file, which line (or row) and which field, so it can be fixed."""

    def __init__(self, path: Path, line: int, field: str, message: str) -> None:
        super().__init__(f"{path}:{line}: field '{field}': {message}")
        self.path, self.line, self.field, self.message = path, line, field, message


@dataclass(frozen=True)
class Row:
    """One record of a file; `line` is the JSONL line, or the JSON / Parquet row counted from 1."""

    path: Path
    line: int
    data: Any


def read_rows(path: Path) -> Iterator[Row | RowError]:
    """Yield the rows of `path`; a JSONL line that is not JSON comes as a `RowError`."""
    name = path.name.lower()
    if name.endswith(".parquet"):
        yield from _parquet_rows(path)
    elif name.endswith((".jsonl", ".jsonl.gz", ".ndjson")):
        yield from _jsonl_rows(path)
    elif name.endswith((".json", ".json.gz")):
        yield from _json_rows(path)
    else:
        raise RowError(path, 0, "<file>", "unknown extension: expected .jsonl, .json or .parquet")


def _open_text(path: Path) -> Any:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def _jsonl_rows(path: Path) -> Iterator[Row | RowError]:
    with _open_text(path) as lines:
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            try:
                yield Row(path, number, json.loads(text))
            except json.JSONDecodeError as exc:
                yield RowError(path, number, "<json>", f"not JSON: {exc.msg}")


def _json_rows(path: Path) -> Iterator[Row]:
    with _open_text(path) as handle:
        try:
            document = json.load(handle)
        except json.JSONDecodeError as exc:
            raise RowError(path, exc.lineno, "<json>", f"not JSON: {exc.msg}") from exc
    if isinstance(document, dict):
        document = [document]
    if not isinstance(document, list):
        raise RowError(path, 1, "<json>", "expected an object or an array of objects")
    for index, item in enumerate(document, start=1):
        yield Row(path, index, item)


def _parquet_rows(path: Path) -> Iterator[Row]:
    import pyarrow.parquet as pq

    number = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=1024):
        for item in batch.to_pylist():
            number += 1
            yield Row(path, number, item)
