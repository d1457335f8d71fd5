"""Review without a browser: the seeded stratified sample, the decisions in the run store (and a
store of the version before them), the export leaving rejected records out, `factory review
--export/--import`, and `factory report`."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from factory.cli import app
from factory.filtered import FilteredRow
from factory.review.drops import drop_reviewed
from factory.review.model import Decision
from factory.review.rows import Row
from factory.review.sample import draw
from factory.store import FILENAME, VERSION, Store
from factory.store_salvage import salvage
from tests.factory.test_run import read_jsonl, write_config
from tests.factory.transcripts import bundled, write_problems


def row(
    record_id: str, domain: str = "math", kind: str = "verified", origin: str = "loaded"
) -> Row:
    return Row(
        id=record_id,
        kind=kind,
        domain=domain,
        problem_id="p",
        trace_id=f"t-{record_id}",
        teacher="t",
        reason=None,
        verifier="math@1",
        seconds=0.0,
        origin=origin,
        source="s",
        topic="x",
        level="easy",
    )


def test_the_sample_takes_a_seeded_share_of_every_stratum() -> None:
    rows = [
        *(row(f"v{i}") for i in range(40)),
        *(row(f"r{i}", kind="rejected") for i in range(5)),
        row("c0", domain="code", origin="synthesized"),
    ]
    chosen = draw(rows, 0.1, seed=7)
    by_id = {r.id: r for r in rows}
    strata = Counter((by_id[i].domain, by_id[i].kind, by_id[i].origin) for i in chosen)
    assert strata == {  # ceil(10%) of each stratum: the rare ones are seen too
        ("math", "verified", "loaded"): 4,
        ("math", "rejected", "loaded"): 1,
        ("code", "verified", "synthesized"): 1,
    }
    assert draw(rows, 0.1, seed=7) == chosen  # the same walk every time
    assert draw(list(reversed(rows)), 0.1, seed=7) == chosen  # whatever the store's order
    assert set(draw(rows, 0.1, seed=8)) != set(chosen)
    grown = draw([*rows, *(row(f"z{i}", kind="rejected") for i in range(5))], 0.1, seed=7)
    assert {i for i in chosen if by_id[i].kind == "verified"} <= set(grown)
    with pytest.raises(ValueError, match="fraction"):
        draw(rows, 0.0, seed=7)


def stored(record_id: str, kind: str, *traces: str) -> dict[str, Any]:
    return {
        "id": record_id,
        "kind": kind,
        "problem_id": "p",
        "provenance": [{"trace_id": trace} for trace in traces],
    }


def test_a_rejected_record_and_the_pairs_built_on_its_trace_are_left_out() -> None:
    records = [
        stored("good", "verified", "t1"),
        stored("doubted", "verified", "t2"),
        stored("bad", "rejected", "t3"),
        stored("pair-ok", "preference", "t1", "t3"),
        stored("pair-doubted", "preference", "t2", "t3"),
    ]
    decisions = {
        "good": Decision(record_id="good", decision="accept", decided_at=1.0),
        "bad": Decision(record_id="bad", decision="skip", decided_at=2.0),
        "doubted": Decision(
            record_id="doubted", decision="reject", reason="<b>wrong</b>", decided_at=3.0
        ),
    }
    dropped: list[FilteredRow] = []
    kept = [r["id"] for r in drop_reviewed(records, decisions, dropped)]
    assert kept == ["good", "bad", "pair-ok"]
    assert [r.model_dump() for r in dropped] == [
        {
            "id": "doubted",
            "kind": "verified",
            "problem_id": "p",
            "reason": "review",
            "evidence": {"decision": "reject", "reviewer_reason": "<b>wrong</b>"},
            "kept_id": None,
        },
        {
            "id": "pair-doubted",
            "kind": "preference",
            "problem_id": "p",
            "reason": "review",
            "evidence": {"decision": "reject", "rejected_record": "doubted"},
            "kept_id": None,
        },
    ]


def test_decisions_are_kept_and_a_store_of_the_version_before_gains_them(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.save_decisions([Decision(record_id="a", decision="reject", decided_at=1.0)])
        store.save_decisions([Decision(record_id="a", decision="accept", decided_at=2.0)])
    with Store(tmp_path) as store:  # a later decision on a record replaces the earlier one
        assert store.decisions() == {
            "a": Decision(record_id="a", decision="accept", decided_at=2.0)
        }
    with contextlib.closing(sqlite3.connect(tmp_path / FILENAME)) as db:
        db.execute("DROP TABLE decisions")
        db.execute("PRAGMA user_version = 2")
        db.commit()
    with Store(tmp_path) as store:
        assert store.decisions() == {}
    with contextlib.closing(sqlite3.connect(tmp_path / FILENAME)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (VERSION,) == (3,)
        with pytest.raises(sqlite3.IntegrityError):  # only the three decisions are stored
            db.execute("INSERT INTO decisions VALUES ('b', 'maybe', '', 1.0)")
    with Store(tmp_path) as store:
        store.save_decisions([Decision(record_id="b", decision="skip", decided_at=3.0)])
    salvage(tmp_path, tmp_path / "salvaged")  # a reviewer's work outlives a damaged store
    with Store(tmp_path / "salvaged") as store:
        assert list(store.decisions()) == ["b"]


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small offline run (the replay teacher) on math problems: its config and run dir."""
    tmp_path = tmp_path_factory.mktemp("review")
    problems = bundled("math/arithmetic-01", "math/arithmetic-02", "math/arithmetic-03")
    write_problems(tmp_path / "problems.jsonl", problems)
    config = write_config(tmp_path, budget=4)
    result = CliRunner().invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 0, result.output
    return config, tmp_path / "run"


def test_decisions_go_out_and_come_back_and_the_next_run_honours_them(
    replayed: tuple[Path, Path], tmp_path: Path
) -> None:
    config, run_dir = replayed
    out = run_dir / "output"
    corrected = {
        p["trace_id"] for r in read_jsonl(out / "corrections.jsonl") for p in r["provenance"]
    }
    sft = sorted(  # a verified trace that a correction example was built on first
        read_jsonl(out / "sft.jsonl"), key=lambda r: r["provenance"][0]["trace_id"] not in corrected
    )
    assert sft[0]["provenance"][0]["trace_id"] in corrected
    doubted, trusted = sft[0]["id"], sft[1]["id"]
    lines = [
        Decision(record_id=doubted, decision="reject", reason="a step is wrong", decided_at=1.0),
        Decision(record_id=trusted, decision="accept", decided_at=2.0),
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(d.model_dump_json() + "\n" for d in lines), encoding="utf-8")
    result = CliRunner().invoke(app, ["review", str(run_dir), "--import", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported 2 decisions" in result.output
    exported = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["review", str(run_dir), "--export", str(exported)])
    assert result.exit_code == 0, result.output
    assert [Decision.model_validate_json(line) for line in exported.read_text().splitlines()] == (
        lines
    )

    result = CliRunner().invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 0, result.output
    built_on = {
        p["trace_id"] for r in read_jsonl(out / "corrections.jsonl") for p in r["provenance"]
    }
    assert sft[0]["provenance"][0]["trace_id"] not in built_on  # nor examples built on it
    assert doubted not in {r["id"] for r in read_jsonl(out / "sft.jsonl")}
    assert trusted in {r["id"] for r in read_jsonl(out / "sft.jsonl")}
    filtered = read_jsonl(out / "filtered.jsonl")
    assert filtered[0] == {
        "id": doubted,
        "kind": "verified",
        "problem_id": sft[0]["problem_id"],
        "reason": "review",
        "evidence": [  # a string map, as every exported file writes one (one Arrow schema)
            {"key": "decision", "value": "reject"},
            {"key": "reviewer_reason", "value": "a step is wrong"},
        ],
        "kept_id": None,
    }
    stats = json.loads((out / "stats.json").read_text())
    assert stats["records"]["filtered"] == len(filtered)
    assert stats["records"]["sft"] == len(sft) - 1
    page = (out / "report.html").read_text()
    assert "agreed with the verifier on 1/2 (50%)" in page


def test_a_bad_decisions_file_is_refused_with_its_line(
    replayed: tuple[Path, Path], tmp_path: Path
) -> None:
    _, run_dir = replayed
    record_id = read_jsonl(run_dir / "output" / "sft.jsonl")[0]["id"]
    path = tmp_path / "bad.jsonl"
    good = Decision(record_id=record_id, decision="accept", decided_at=1.0).model_dump_json()
    path.write_text(good + "\n" + good.replace('"accept"', '"maybe"') + "\n")
    result = CliRunner().invoke(app, ["review", str(run_dir), "--import", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2: field 'decision'" in " ".join(result.output.split())
    path.write_text(good.replace(record_id, "nope") + "\n")
    result = CliRunner().invoke(app, ["review", str(run_dir), "--import", str(path)])
    assert result.exit_code == 1
    assert "'nope' is no record of this run" in " ".join(result.output.split())


def test_factory_report_writes_one_page_that_needs_nothing_else(
    replayed: tuple[Path, Path],
) -> None:
    _, run_dir = replayed
    page = run_dir / "output" / "report.html"
    page.unlink()
    result = CliRunner().invoke(app, ["report", str(run_dir)])
    assert result.exit_code == 0, result.output
    html = page.read_text()
    for outside in ("<script", "<link", " src=", "url("):  # nothing to fetch or run
        assert outside not in html
    assert html.count('<svg class="plot"') >= 8
    assert "funnel: math" in html and "verification time: math@" in html
    missing = CliRunner().invoke(app, ["report", str(run_dir.parent / "nowhere")])
    assert missing.exit_code == 1 and "no run store" in missing.output
