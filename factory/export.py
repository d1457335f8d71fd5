"""Write a run's records as datasets (JSONL and Parquet, one schema each).

Each file is written beside its final name and renamed into place, so a reader never sees half
a file. Rows stream from the store into the files (Parquet a row group at a time), so memory does
not grow with the dataset; a stored record's JSON becomes its row without a pydantic round trip.
Column types come from the pydantic models, so a file's schema never depends on which rows
happened to be in it; string maps (evidence details) become lists of key/value pairs, since
Arrow maps have no `datasets` equivalent. Every message is a `Turn`: the teacher's reasoning is
the assistant turn's `reasoning_content`, where chat templates of reasoning models read it.
"""

from __future__ import annotations

import io
import json
import os
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal, Self, Union, get_args, get_origin

import pyarrow as pa
import pyarrow.json as pajson
import pyarrow.parquet as pq
from pydantic import BaseModel

from factory.config import ExportFormat
from factory.records import Record, RecordKind


class Turn(BaseModel):
    """An exported chat message. `reasoning_content` is the field chat templates of reasoning
    models render as the think block; null where the turn has no separate reasoning."""

    role: Literal["system", "user", "assistant"]
    content: str
    reasoning_content: str | None = None


DATASETS: dict[RecordKind, str] = {
    "verified": "sft",
    "rejected": "rejected",
    "preference": "preferences",
}
# Columns per file, in order, as (column, Record field).
COLUMNS: dict[RecordKind, list[tuple[str, str]]] = {
    "verified": [
        ("id", "id"),
        ("problem_id", "problem_id"),
        ("domain", "domain"),
        ("origin", "origin"),
        ("messages", "messages"),
        ("verdicts", "verdicts"),
        ("provenance", "provenance"),
    ],
    "rejected": [
        ("id", "id"),
        ("problem_id", "problem_id"),
        ("domain", "domain"),
        ("origin", "origin"),
        ("reason", "reason"),
        ("messages", "messages"),
        ("verdicts", "verdicts"),
        ("provenance", "provenance"),
    ],
    "preference": [
        ("id", "id"),
        ("problem_id", "problem_id"),
        ("domain", "domain"),
        ("origin", "origin"),
        ("prompt", "messages"),
        ("chosen", "chosen"),
        ("rejected", "rejected"),
        ("reason", "reason"),
        ("verdicts", "verdicts"),
        ("provenance", "provenance"),
    ],
}
TURN_COLUMNS = frozenset({"messages", "prompt", "chosen", "rejected"})  # lists of `Turn`
_SCALARS: dict[Any, pa.DataType] = {
    str: pa.string(),
    int: pa.int64(),
    float: pa.float64(),
    bool: pa.bool_(),
}
_PAIR = pa.struct([("key", pa.string()), ("value", pa.string())])
ROW_GROUP = 1000  # Parquet rows buffered and written at once


def _unwrap(annotation: Any) -> Any:
    """`X | None` as X: every Arrow column is nullable anyway."""
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) != 1:
            raise TypeError(f"cannot store the union {annotation} in one column")
        return members[0]
    return annotation


def arrow_type(annotation: Any) -> pa.DataType:
    """The Arrow type of a pydantic field annotation."""
    annotation = _unwrap(annotation)
    origin = get_origin(annotation)
    if origin is Literal:
        return pa.string()
    if origin is list:
        return pa.list_(arrow_type(get_args(annotation)[0]))
    if origin is dict:
        return pa.list_(_PAIR)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return pa.struct(
            [(name, arrow_type(f.annotation)) for name, f in annotation.model_fields.items()]
        )
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    raise TypeError(f"no Arrow type for {annotation!r}")


def to_row(value: Any) -> Any:
    """A model dumped for a row: models as objects, string maps as key/value pair lists."""
    if isinstance(value, BaseModel):
        return {name: to_row(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, dict):
        return [{"key": str(k), "value": str(v)} for k, v in sorted(value.items())]
    if isinstance(value, list):
        return [to_row(item) for item in value]
    return value


TURNS = arrow_type(list[Turn])


def schema(kind: RecordKind) -> pa.Schema:
    """The one schema of a dataset's files, whatever rows they hold."""
    fields = Record.model_fields
    return pa.schema(
        [
            (column, TURNS if column in TURN_COLUMNS else arrow_type(fields[name].annotation))
            for column, name in COLUMNS[kind]
        ]
    )


def turns(
    messages: Sequence[dict[str, Any]] | None, reasoning: str | None = None, inline: bool = False
) -> list[dict[str, Any]] | None:
    """Messages as `Turn` rows; `reasoning` belongs to the last turn when it is the assistant's,
    as its `reasoning_content` or, `inline`, as a `<think>` block opening its content."""
    if messages is None:
        return None
    out = [
        {"role": m["role"], "content": m["content"], "reasoning_content": None} for m in messages
    ]
    if reasoning is not None and out and out[-1]["role"] == "assistant":
        last = out[-1]
        if inline:
            last["content"] = f"<think>\n{reasoning}\n</think>\n\n{last['content']}"
        else:
            last["reasoning_content"] = reasoning
    return out


def row(record: Record, kind: RecordKind, inline: bool = False) -> dict[str, Any]:
    if record.kind != kind:
        raise ValueError(f"a {record.kind} record is no {kind} row")
    return json_row(record.model_dump(mode="json"), inline)


Convert = Callable[[Any], Any]


def _from_json(annotation: Any) -> Convert | None:
    """What `to_row` does to a model's value, done to its decoded JSON instead; None when the
    JSON is the row already (no string map inside)."""
    annotation = _unwrap(annotation)
    origin = get_origin(annotation)
    if origin is list:
        item = _from_json(get_args(annotation)[0])
        if item is None:
            return None
        return lambda value: None if value is None else [item(v) for v in value]
    if origin is dict:
        return lambda value: (
            None
            if value is None
            else [{"key": str(k), "value": str(v)} for k, v in sorted(value.items())]
        )
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields = [(name, _from_json(f.annotation)) for name, f in annotation.model_fields.items()]
        if all(convert is None for _, convert in fields):
            return None
        return lambda value: (
            None
            if value is None
            else {name: value[name] if c is None else c(value[name]) for name, c in fields}
        )
    return None


_JSON_COLUMNS: dict[RecordKind, list[tuple[str, str, Convert | None]]] = {
    kind: [(c, name, _from_json(Record.model_fields[name].annotation)) for c, name in columns]
    for kind, columns in COLUMNS.items()
}


def _field(stored: dict[str, Any], name: str) -> Any:
    """A field of a stored record; one stored before the field existed has its default."""
    return stored[name] if name in stored else Record.model_fields[name].default


def json_row(stored: dict[str, Any], inline: bool = False) -> dict[str, Any]:
    """The row of a record from its stored JSON (`Record.model_dump_json`), decoded, without a
    pydantic round trip. The record's reasoning goes with its answer, the last message."""
    values = {
        column: _field(stored, name) if convert is None else convert(_field(stored, name))
        for column, name, convert in _JSON_COLUMNS[stored["kind"]]
    }
    for column in TURN_COLUMNS & values.keys():
        reasoning = stored.get("reasoning") if column == "messages" else None
        values[column] = turns(values[column], reasoning, inline)
    return values


def rows(records: Sequence[Record], kind: RecordKind) -> list[dict[str, Any]]:
    return [row(record, kind) for record in records if record.kind == kind]


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """A scratch path to write; it replaces `path` only once writing succeeded."""
    partial = path.with_name(f".{path.name}.partial")
    yield partial
    os.replace(partial, path)


def write_text(path: Path, text: str) -> None:
    with _atomic(path) as partial:
        partial.write_text(text, encoding="utf-8")


class RowWriter:
    """One dataset's JSONL and Parquet files, written a row at a time: JSONL at once, Parquet
    a row group at a time, parsed from the same JSON lines by Arrow (the same table as
    `Table.from_pylist` makes, several times faster). Leaving it without an error puts the
    finished files in place."""

    def __init__(
        self, out_dir: Path, name: str, shape: pa.Schema, formats: Sequence[ExportFormat]
    ) -> None:
        self.rows = 0
        self._buffer: list[str] = []  # JSON lines of the next row group
        self._shape = shape
        self._stack = ExitStack()
        self._lines: IO[str] | None = None
        self._table: pq.ParquetWriter | None = None
        if "jsonl" in formats:
            partial = self._stack.enter_context(_atomic(out_dir / f"{name}.jsonl"))
            self._lines = self._stack.enter_context(partial.open("w", encoding="utf-8"))
        if "parquet" in formats:
            partial = self._stack.enter_context(_atomic(out_dir / f"{name}.parquet"))
            self._table = self._stack.enter_context(pq.ParquetWriter(partial, shape))

    def write(self, row: dict[str, Any]) -> None:
        self.rows += 1
        line = json.dumps(row, ensure_ascii=False) + "\n"
        if self._lines is not None:
            self._lines.write(line)
        if self._table is not None:
            self._buffer.append(line)
            if len(self._buffer) >= ROW_GROUP:
                self._flush()

    def _flush(self) -> None:
        if self._table is not None and self._buffer:
            data = "".join(self._buffer).encode()
            table = pajson.read_json(
                io.BytesIO(data),
                read_options=pajson.ReadOptions(use_threads=False, block_size=len(data) + 1),
                parse_options=pajson.ParseOptions(
                    explicit_schema=self._shape, unexpected_field_behavior="error"
                ),
            )
            self._table.write_table(table)
        self._buffer = []

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is None:
            self._flush()  # 0 rows: no row group at all (`datasets` reads none; not an empty one)
        self._stack.__exit__(exc_type, exc, traceback)


def write_datasets(
    records: Iterable[Record],
    out_dir: Path,
    formats: Sequence[ExportFormat],
    inline: bool = False,
) -> dict[str, int]:
    """sft, rejected and preferences in each format, in one pass over `records`; returns the
    rows written per dataset. `inline` puts reasoning in `<think>` blocks."""
    return _write_rows(((r.kind, row(r, r.kind, inline)) for r in records), out_dir, formats)


def write_stored(
    stored: Iterable[dict[str, Any]],
    out_dir: Path,
    formats: Sequence[ExportFormat],
    inline: bool = False,
) -> dict[str, int]:
    """`write_datasets` of records as the store keeps them (their JSON, decoded)."""
    return _write_rows(((r["kind"], json_row(r, inline)) for r in stored), out_dir, formats)


def _write_rows(
    rows: Iterable[tuple[RecordKind, dict[str, Any]]],
    out_dir: Path,
    formats: Sequence[ExportFormat],
) -> dict[str, int]:
    out_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        writers = {
            kind: stack.enter_context(RowWriter(out_dir, name, schema(kind), formats))
            for kind, name in DATASETS.items()
        }
        for kind, values in rows:
            writers[kind].write(values)
    return {name: writers[kind].rows for kind, name in DATASETS.items()}
