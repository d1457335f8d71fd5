"""Bit rot and damaged pages in a run store: found by checksums, never exported, and repaired by
asking again only what was lost."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from factory.cli import app
from tests.factory.fake_openai import FakeOpenAI
from tests.factory.test_resume import outputs
from tests.factory.transcripts import Endpoint, bundled, write_problems

PROBLEMS = bundled(*(f"math/arithmetic-0{n}" for n in range(1, 8)))
ROTTEN = b"boxed{36}"  # arithmetic-01's answer; one bit away from boxed{37}


def config(tmp_path: Path, server: FakeOpenAI, run_dir: str) -> Path:
    path = tmp_path / f"{run_dir}.yaml"
    settings: dict[str, Any] = {
        "problems": ["problems.jsonl"],
        "k": 1,
        "budget": 2,
        "run_dir": run_dir,
        "inject": {"enabled": False},
        "teachers": [{"name": "fake", "model": "m", "base_url": server.url, "api_key": "t"}],
    }
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return path


def run(tmp_path: Path, server: FakeOpenAI, run_dir: str) -> Any:
    result = CliRunner().invoke(app, ["run", "--config", str(config(tmp_path, server, run_dir))])
    assert result.exit_code == 0, result.output
    return result


def flip(store: Path, find: bytes, bit: int) -> int:
    """Flip one bit in every occurrence of `find` in the file, as a failing disk would."""
    data = bytearray(store.read_bytes())
    at = data.find(find)
    flipped = 0
    while at != -1:
        data[at + len(find) - 2] ^= bit
        flipped += 1
        at = data.find(find, at + 1)
    store.write_bytes(bytes(data))
    return flipped


def test_a_flipped_bit_in_stored_bodies_is_found_and_its_request_asked_again(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    write_problems(tmp_path / "problems.jsonl", PROBLEMS)
    endpoint = Endpoint(PROBLEMS, {})
    with FakeOpenAI(endpoint) as server:
        run(tmp_path, server, "run")
        first = outputs(tmp_path / "run/output")
        paid = list(endpoint.answered)
        store = tmp_path / "run/run.sqlite"
        assert flip(store, ROTTEN, 0x01) >= 2  # 36 -> 37 in the response and what came of it
        with closing(sqlite3.connect(store)) as db:  # SQLite itself sees nothing wrong
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)

        check = CliRunner().invoke(app, ["store", "check", "run"])
        assert check.exit_code == 1, check.output
        assert "damaged: responses" in check.output

        rerun = run(tmp_path, server, "run")
        assert "damaged rows dropped from the run store (" in rerun.output
        asked_again = endpoint.answered[len(paid) :]
        asked = {endpoint.problem_of(json.loads(body)).id for body in asked_again}
        assert asked == {"math/arithmetic-01"}

    again = outputs(tmp_path / "run/output")
    assert again == first
    assert "boxed{37}" not in json.dumps(again)
    stats = json.loads((tmp_path / "run/output/stats.json").read_text())
    assert stats["damaged"]["responses"] >= 1
    assert CliRunner().invoke(app, ["store", "check", "run"]).exit_code == 0


def test_a_store_with_a_damaged_page_is_refused_and_salvaged(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    write_problems(tmp_path / "problems.jsonl", PROBLEMS)
    endpoint = Endpoint(PROBLEMS, {})
    with FakeOpenAI(endpoint) as server:
        run(tmp_path, server, "run")
        first = outputs(tmp_path / "run/output")
        paid = len(endpoint.answered)
        store = tmp_path / "run/run.sqlite"
        with closing(sqlite3.connect(store)) as db:  # a leaf page of traces, SQLite's own map
            (size,) = db.execute("PRAGMA page_size").fetchone()
            (page,) = db.execute(
                "SELECT pageno FROM dbstat WHERE name = 'traces' AND pagetype = 'leaf' LIMIT 1"
            ).fetchone()
        data = bytearray(store.read_bytes())
        data[(page - 1) * size : page * size] = b"\xa5" * size
        store.write_bytes(bytes(data))

        refused = CliRunner().invoke(app, ["run", "--config", str(config(tmp_path, server, "run"))])
        assert refused.exit_code == 1
        said = " ".join(refused.output.split())
        assert "`factory store salvage " in said and "/run NEW_RUN_DIR` copies" in said
        assert "Traceback" not in refused.output
        assert CliRunner().invoke(app, ["store", "check", "run"]).exit_code == 1

        saved = CliRunner().invoke(app, ["store", "salvage", "run", "saved"])
        assert saved.exit_code == 0, saved.output
        assert "new store saved/run.sqlite" in saved.output
        refused_again = CliRunner().invoke(app, ["store", "salvage", "run", "saved"])
        assert refused_again.exit_code == 1 and "exists" in refused_again.output

        assert "unreadable: traces" in saved.output
        run(tmp_path, server, "saved")
        assert len(endpoint.answered) == paid  # the lost traces came again from their answers
    assert outputs(tmp_path / "saved/output") == first
