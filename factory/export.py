"""Write a run's records as datasets (JSONL and Parquet, one schema each), stats and a card.

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
from factory.stats import RunStats


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
        ("messages", "messages"),
        ("verdicts", "verdicts"),
        ("provenance", "provenance"),
    ],
    "rejected": [
        ("id", "id"),
        ("problem_id", "problem_id"),
        ("domain", "domain"),
        ("reason", "reason"),
        ("messages", "messages"),
        ("verdicts", "verdicts"),
        ("provenance", "provenance"),
    ],
    "preference": [
        ("id", "id"),
        ("problem_id", "problem_id"),
        ("domain", "domain"),
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


def json_row(stored: dict[str, Any], inline: bool = False) -> dict[str, Any]:
    """The row of a record from its stored JSON (`Record.model_dump_json`), decoded, without a
    pydantic round trip. The record's reasoning goes with its answer, the last message."""
    values = {
        column: stored[name] if convert is None else convert(stored[name])
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


def _write_text(path: Path, text: str) -> None:
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


def write_reports(stats: RunStats, out_dir: Path, formats: Sequence[ExportFormat]) -> None:
    """stats.json and dataset_card.md."""
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_text(out_dir / "stats.json", json.dumps(stats.model_dump(mode="json"), indent=2) + "\n")
    _write_text(out_dir / "dataset_card.md", dataset_card(stats, formats))


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1%}"


def _license(stats: RunStats) -> str:
    named = sorted(stats.licenses)
    return named[0].lower() if len(named) == 1 and named[0] != "unknown" else "other"


def dataset_card(stats: RunStats, formats: Sequence[ExportFormat]) -> str:
    """A Hugging Face dataset card: what is in each file, where it came from, what judged it."""
    extension = "jsonl" if "jsonl" in formats else "parquet"
    configs = "\n".join(
        f"- config_name: {name}\n  data_files: {name}.{extension}" for name in DATASETS.values()
    )
    lines = [
        "---",
        f"license: {_license(stats)}",
        "task_categories:",
        "- text-generation",
        "tags:",
        "- reasoning",
        "- verified",
        "- synthetic",
        "configs:",
        configs,
        "---",
        "",
        "# Verified reasoning traces",
        "",
        "Made by reasoning-factory: teacher models wrote step-by-step "
        "solutions, and a verifier kept only those it could prove right (exact algebra for "
        "math answers and every step; the problem's tests in a sandbox for code). Every row "
        "carries its verdict's evidence and provenance: verifier and version, sandbox image, "
        "a hash of the tests, teacher model, sampling parameters, prompt hash and seed.",
        "",
        "## Files",
        "",
        "| file | rows | what |",
        "| --- | --- | --- |",
        f"| sft | {stats.records.get('sft', 0)} | chat `messages`: the problem, then a verified "
        "solution |",
        f"| rejected | {stats.records.get('rejected', 0)} | failed traces with the `reason` and "
        "evidence |",
        f"| preferences | {stats.records.get('preferences', 0)} | `prompt`, `chosen` (verified) "
        "and `rejected` (proven wrong) for the same problem |",
        "",
        "## Counts",
        "",
        "| | value |",
        "| --- | --- |",
        f"| problems | {stats.problems} |",
        f"| problems with {stats.k} verified trace(s) | {stats.problems_with_k} |",
        f"| problems with none | {stats.problems_unsolved} |",
        f"| traces judged | {stats.tally.traces} |",
        f"| verified | {stats.tally.passed} |",
        f"| acceptance rate | {_percent(stats.tally.acceptance_rate)} |",
        "",
        "## Acceptance by domain",
        "",
        "| domain | problems | traces | verified | rate |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {d} | {stats.problems_by_domain.get(d, 0)} | {t.traces} | {t.passed} | "
            f"{_percent(t.acceptance_rate)} |"
            for d, t in stats.by_domain.items()
        ),
        "",
        "## Sources",
        "",
        "| source | problems |",
        "| --- | --- |",
        *(f"| {source} | {count} |" for source, count in sorted(stats.sources.items())),
        "",
        "## Teachers",
        "",
        "| teacher | model | requests | traces | verified | rate |",
        "| --- | --- | --- | --- | --- | --- |",
        *(
            f"| {t.name} | {t.model} | {t.requests} | {t.tally.traces} | {t.tally.passed} | "
            f"{_percent(t.tally.acceptance_rate)} |"
            for t in stats.teachers
        ),
        "",
        "## Verifiers",
        "",
        "| domain | verifier | version | sandbox | image |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {v.domain} | {v.verifier.name} | {v.verifier.version} | "
            f"{v.verifier.sandbox_backend or '-'} | {v.verifier.sandbox_image or '-'} |"
            for v in stats.verifiers
        ),
        "",
        "## Rejections",
        "",
        "| reason | traces |",
        "| --- | --- |",
        *(f"| {reason} | {count} |" for reason, count in stats.rejected_by_reason.items()),
        "",
    ]
    return "\n".join(lines)
