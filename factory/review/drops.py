"""What the export leaves out because a reviewer rejected it, as rows of `filtered.jsonl`.

A rejected record is dropped, and so is every preference pair built on its trace (its label is
in doubt). The row shape (id, kind, problem_id, reason, evidence) is the filtered file's, shared
with the gates stage; the reason here is always `review`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from factory.filtered import FilteredRow
from factory.records import Record
from factory.review.model import Decision

REASON = "review"


def drop_reviewed(
    stored: Iterable[dict[str, Any]],
    decisions: Mapping[str, Decision],
    dropped: list[FilteredRow],
) -> Iterator[dict[str, Any]]:
    """Pass on the stored records (their JSON, decoded) a reviewer did not reject, appending a
    row to `dropped` for each one left out. A problem's traces come before its preferences."""
    doubted: dict[str, str] = {}  # trace id -> the rejected record naming it
    for record in stored:
        trace_ids = [p["trace_id"] for p in record["provenance"]]
        decision = decisions.get(record["id"])
        if decision is not None and decision.decision == "reject":
            doubted.update((trace_id, record["id"]) for trace_id in trace_ids)
            evidence = {"decision": "reject", "reviewer_reason": decision.reason}
        elif record["kind"] == "preference" and any(t in doubted for t in trace_ids):
            origin = next(doubted[t] for t in trace_ids if t in doubted)
            evidence = {"decision": "reject", "rejected_record": origin}
        else:
            yield record
            continue
        dropped.append(
            FilteredRow(
                id=record["id"],
                kind=record["kind"],
                problem_id=record["problem_id"],
                reason=REASON,
                evidence=evidence,
            )
        )


def unrejected(records: Iterable[Record], decisions: Mapping[str, Decision]) -> Iterator[Record]:
    """The records a reviewer did not reject: what later stages (inject) may build on."""
    for record in records:
        decision = decisions.get(record.id)
        if decision is None or decision.decision != "reject":
            yield record
