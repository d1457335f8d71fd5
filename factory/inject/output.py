"""The inject stage's files: corrected-mistake rows and their preference pairs.

`corrections.jsonl` / `.parquet` hold one SFT row per example: the conversation (the trace's
prompt, then the example), the mistake's operator and position, the verifier's evidence against
it, its wrong branch carried to a final answer proven wrong (`uncorrected`, null when it reaches
none) and both verdicts; no column is named as a preference field, so trainers take the file as
conversational SFT data. `correction_preferences` pairs each example (chosen) with its
`uncorrected` branch (rejected), in the schema of the run's `preferences`. Both are written as
the run's other outputs are (`RowWriter`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from factory.config import ExportFormat
from factory.export import RowWriter, Turn, arrow_type, row, schema, to_row
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
    messages: list[Turn]
    origin: Origin
    operator: str
    position: int
    wrong: str
    corrected: str
    check: str
    refutation: Evidence
    uncorrected: str | None  # the wrong branch carried to a final answer proven wrong
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
                messages=[
                    *(Turn(role=m.role, content=m.content) for m in prompt),
                    Turn(role="assistant", content=c.text),
                ],
                origin=c.origin,
                operator=c.operator,
                position=c.position,
                wrong=c.wrong,
                corrected=c.corrected,
                check=c.check,
                refutation=c.refutation,
                uncorrected=c.rejected,
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
                origin="corrected",
            )
        )
    return Injected(rows_out, pairs)


def correction_schema() -> pa.Schema:
    return pa.schema(
        [(name, arrow_type(info.annotation)) for name, info in CorrectionRow.model_fields.items()]
    )


def write_corrections(
    injected: Injected, out_dir: Path, formats: Sequence[ExportFormat]
) -> dict[str, int]:
    """corrections and correction_preferences in each format; rows written per file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with RowWriter(out_dir, CORRECTIONS, correction_schema(), formats) as corrections:
        for example in injected.corrections:
            corrections.write(to_row(example))
    with RowWriter(out_dir, PREFERENCES, schema("preference"), formats) as pairs:
        for record in injected.preferences:
            pairs.write(row(record, "preference"))
    return {CORRECTIONS: corrections.rows, PREFERENCES: pairs.rows}
