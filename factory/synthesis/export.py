"""What the stage writes: kept problems in the loaders' own format, rejections with reasons.

`synthesized.jsonl` rows are problems of our format (`factory problems validate` reads them and
`factory run` takes them as problems): the proven answer (math) or the tests and reference
(code), `source: synthesized`, `lineage` with the first parent and the operator chain, and the
whole lineage and evidence under `metadata.synthesis`. `synthesis_rejected.jsonl` rows hold the
candidate as generated, its reason and detail.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from factory.synthesis.model import CodeCandidate, Decision, MathCandidate
from problems import CodeProblem, Lineage, MathProblem
from verifiers.math.latex_text import all_boxed

Candidate = MathCandidate | CodeCandidate


def _evidence(candidate: Candidate, decision: Decision) -> dict[str, Any]:
    return {
        "lineage": candidate.lineage.model_dump(mode="json") | {"depth": candidate.lineage.depth},
        "votes": decision.votes,
        "agreeing": decision.agreeing,
        "difficulty": decision.difficulty,
        "mutation_score": decision.mutation_score,
        "evidence": decision.evidence,
    }


def kept_problem(candidate: Candidate, decision: Decision) -> MathProblem | CodeProblem:
    """A kept candidate as a problem like any loaded one, its lineage and evidence attached."""
    lineage = Lineage(
        parent_id=candidate.lineage.parent_ids[0],
        operation="synthesize:" + "+".join(candidate.lineage.operators),
    )
    metadata = {"synthesis": _evidence(candidate, decision)}
    if isinstance(candidate, MathCandidate):
        answer = decision.answer or ""
        parts = all_boxed(answer)
        return MathProblem(
            id=candidate.id,
            statement=candidate.statement,
            answer=parts[0] if len(parts) == 1 else answer,
            source="synthesized",
            lineage=lineage,
            metadata=metadata,
        )
    return candidate.problem().model_copy(update={"lineage": lineage, "metadata": metadata})


def rejected_row(candidate: Candidate | None, decision: Decision) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": decision.id,
        "reason": decision.reason,
        "detail": decision.detail,
        "votes": decision.votes,
        "agreeing": decision.agreeing,
        "mutation_score": decision.mutation_score,
    }
    if candidate is not None:
        row["domain"] = "math" if isinstance(candidate, MathCandidate) else "code"
        row["candidate"] = candidate.model_dump(mode="json")
    return row


def write(
    results: Iterable[tuple[Candidate | None, Decision]], output: Path, rejected: Path
) -> tuple[int, int]:
    """Write kept problems to `output` and rejections to `rejected`; unjudged ones to neither
    (they are judged again). Returns (kept, rejected) counts."""
    kept: list[str] = []
    refused: list[str] = []
    for candidate, decision in results:
        if decision.accepted and candidate is not None:
            kept.append(kept_problem(candidate, decision).model_dump_json(exclude_none=True))
        elif decision.status == "rejected":
            refused.append(json.dumps(rejected_row(candidate, decision), sort_keys=True))
    _lines(output, kept)
    _lines(rejected, refused)
    return len(kept), len(refused)


def _lines(path: Path, rows: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(row + "\n" for row in rows), encoding="utf-8")
