"""The one row shape of `filtered.jsonl`: a record kept out of the export, why, and the evidence.

Every gate that drops a record at export (dedup, decontamination, the human-data mix, caps, and
review decisions) writes this row, so the file has one schema whatever removed what; the record
itself stays in the run store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from factory.config import ExportFormat
from factory.export import RowWriter, arrow_type, to_row

FILTERED = "filtered"  # output/filtered.jsonl (and .parquet)


class FilteredRow(BaseModel):
    """One removed record. `kind` is the record's (verified, rejected, preference); `kept_id`
    names the record (or problem) kept in its place when the reason is a duplicate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: str
    problem_id: str
    reason: str
    evidence: dict[str, str]
    kept_id: str | None = None


def filtered_schema() -> pa.Schema:
    return pa.schema(
        [(name, arrow_type(info.annotation)) for name, info in FilteredRow.model_fields.items()]
    )


def write_filtered(
    rows: Iterable[FilteredRow], out_dir: Path, formats: Sequence[ExportFormat]
) -> int:
    """filtered in each format; the rows written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with RowWriter(out_dir, FILTERED, filtered_schema(), formats) as writer:
        for row in rows:
            writer.write(to_row(row))
    return writer.rows
