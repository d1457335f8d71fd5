"""The inject stage's files: corrected-mistake rows and their preference pairs.

`corrections.jsonl` / `.parquet` hold one row per example: the conversation (the trace's prompt,
then the example), the mistake's operator and position, the verifier's evidence against it and
both verdicts. `correction_preferences` pairs an example (chosen) with its wrong branch carried
to a final answer proven wrong (rejected), in the schema of the run's `preferences`. Files are
written beside their final name and renamed into place, as the run's other outputs are.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict

from factory.config import ExportFormat
from factory.export import arrow_type, rows, schema, to_row
from factory.inject.model import Correction, Origin, correction_id
from factory.records import Provenance, Record
from factory.teachers.base import Message
from verifiers.verdict import Evidence, Verdict

CORRECTIONS = "corrections"
PREFERENCES = "correction_preferences"


class CorrectionRow(BaseModel):
    """One exported corrected-mistake example; `verdicts` is [the re-verification, the
    verdict against the mistake]."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    problem_id: str
    domain: str
    messages: list[Message]
    origin: Origin
    operator: str
    position: int
    wrong: str
    corrected: str
    check: str
    refutation: Evidence
    rejected: str | None
    verdicts: list[Verdict]
    provenance: list[Provenance]


@dataclass(frozen=True)
class Injected:
    """What the stage exports: the example rows and their preference pairs."""

    corrections: list[CorrectionRow]
    preferences: list[Record]


def exported(corrections: Sequence[Correction], records: Mapping[str, Record]) -> Injected:
    """Rows and preference pairs for `corrections`; `records` maps a trace id to its record."""
    rows_out: list[CorrectionRow] = []
    pairs: list[Record] = []
    for c in corrections:
        record = records[c.trace_id]
        prompt = record.messages[:-1]
        rows_out.append(
            CorrectionRow(
                id=c.id,
                problem_id=c.problem_id,
                domain=c.domain,
                messages=[*prompt, Message(role="assistant", content=c.text)],
                origin=c.origin,
                operator=c.operator,
                position=c.position,
                wrong=c.wrong,
                corrected=c.corrected,
                check=c.check,
                refutation=c.refutation,
                rejected=c.rejected,
                verdicts=[c.verdict, c.mistake_verdict],
                provenance=record.provenance,
            )
        )
        if c.rejected is None:
            continue  # its wrong branch never reaches a wrong answer: no negative to pair with
        pairs.append(
            Record(
                id=correction_id("correction-preference", c.id),
                kind="preference",
                problem_id=c.problem_id,
                domain=c.domain,
                messages=prompt,
                chosen=[Message(role="assistant", content=c.text)],
                rejected=[Message(role="assistant", content=c.rejected)],
                reason=f"corrected_mistake:{c.operator}",
                verdicts=[c.verdict, c.mistake_verdict],
                provenance=[*record.provenance, *record.provenance],
            )
        )
    return Injected(rows_out, pairs)


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """A scratch path to write; it replaces `path` only once writing succeeded."""
    partial = path.with_name(f".{path.name}.partial")
    yield partial
    os.replace(partial, path)


def _write(
    name: str,
    table: list[dict[str, Any]],
    shape: pa.Schema,
    out_dir: Path,
    formats: Sequence[ExportFormat],
) -> None:
    if "jsonl" in formats:
        with _atomic(out_dir / f"{name}.jsonl") as partial:
            lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in table)
            partial.write_text(lines, encoding="utf-8")
    if "parquet" in formats:
        with _atomic(out_dir / f"{name}.parquet") as partial:
            pq.write_table(pa.Table.from_pylist(table, schema=shape), partial)


def correction_schema() -> pa.Schema:
    return pa.schema(
        [(name, arrow_type(info.annotation)) for name, info in CorrectionRow.model_fields.items()]
    )


def write_corrections(
    injected: Injected, out_dir: Path, formats: Sequence[ExportFormat]
) -> dict[str, int]:
    """corrections and correction_preferences in each format; rows written per file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    corrections = [to_row(row) for row in injected.corrections]
    _write(CORRECTIONS, corrections, correction_schema(), out_dir, formats)
    _write(
        PREFERENCES,
        rows(injected.preferences, "preference"),
        schema("preference"),
        out_dir,
        formats,
    )
    return {CORRECTIONS: len(corrections), PREFERENCES: len(injected.preferences)}
