"""Kept problems load back as problems (so they can be fed to a run); rejections keep reasons."""

from __future__ import annotations

import json
from pathlib import Path

from factory.synthesis.export import Candidate, write
from factory.synthesis.model import Decision
from problems import CodeProblem, MathProblem, load_problems
from tests.synthesis.labelled_code import LABELLED as CODE
from tests.synthesis.labelled_math import LABELLED as MATH


def test_kept_problems_round_trip_through_the_loader(tmp_path: Path) -> None:
    orchard, tiles = MATH[0].candidate, MATH[1].candidate
    clamp = CODE[0].candidate
    results: list[tuple[Candidate | None, Decision]] = [
        (orchard, Decision(id=orchard.id, status="accepted", answer="\\boxed{284}", votes=4,
                           agreeing=4, difficulty=1.0)),
        (tiles, Decision(id=tiles.id, status="rejected", reason="no-agreement", detail="2 of 5")),
        (clamp, Decision(id=clamp.id, status="accepted", mutation_score=0.9, difficulty=1.0)),
        (None, Decision(id="synth/x-0", status="rejected", reason="unparseable", detail="none")),
        (tiles, Decision(id=tiles.id, status="unjudged", detail="sandbox down")),
    ]  # fmt: skip
    output, rejected = tmp_path / "synthesized.jsonl", tmp_path / "synthesis_rejected.jsonl"
    assert write(results, output, rejected) == (2, 2)
    [loaded] = load_problems([output])
    math, code = loaded.problems
    assert isinstance(math, MathProblem) and math.answer == "284"
    assert math.lineage is not None and math.lineage.operation == "synthesize:evol-breadth"
    assert math.metadata["synthesis"]["lineage"]["depth"] == 1  # type: ignore[index,call-overload]
    assert isinstance(code, CodeProblem) and code.reference_solution == clamp.reference
    assert code.metadata["synthesis"]["mutation_score"] == 0.9  # type: ignore[index,call-overload]
    rows = [json.loads(line) for line in rejected.read_text().splitlines()]
    assert [(row["reason"], row.get("domain")) for row in rows] == [
        ("no-agreement", "math"),
        ("unparseable", None),
    ]
    assert rows[0]["candidate"]["statement"] == tiles.statement
