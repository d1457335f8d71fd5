"""Kill `factory run` with SIGKILL mid-way, rerun it: the outputs equal an uninterrupted run's,
and the endpoint is never asked again for a prompt it already answered."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from factory.cli import app
from tests.factory.fake_openai import FakeOpenAI, Reply
from tests.factory.transcripts import Endpoint, bundled, write_problems

PROBLEMS = bundled(
    "math/arithmetic-01",
    "math/arithmetic-02",
    "math/arithmetic-03",
    "math/arithmetic-04",
    "math/arithmetic-05",
    "math/arithmetic-06",
    "math/arithmetic-07",
    "math/fractions-01",
)
PLAN = {
    "math/arithmetic-01": ["lucky", "wrong", "right"],
    "math/arithmetic-03": ["wrong", "right"],
    "math/arithmetic-05": ["noanswer", "right"],
    "math/fractions-01": ["wrong", "wrong", "wrong"],
}
ANSWER_BEFORE_KILL = 5  # then every further request hangs until the run is killed
FACTORY = Path(sys.executable).parent / "factory"


class Gate:
    """Answers through an Endpoint until `limit` answers, then holds every request (the run is
    killed while they wait) and fails them once released."""

    def __init__(self, endpoint: Endpoint, limit: int | None) -> None:
        self.endpoint = endpoint
        self.limit = limit
        self.release = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> Reply:
        with self.lock:
            held = self.limit is not None and len(self.endpoint.answered) >= self.limit
            reply = None if held else self.endpoint(body)
        if reply is None:
            self.release.wait(60)
            return Reply(status=503, body={"error": {"message": "gone"}})
        return reply


def config(tmp_path: Path, server: FakeOpenAI, run_dir: str) -> Path:
    path = tmp_path / f"{run_dir}.yaml"
    settings = {
        "problems": ["problems.jsonl"],
        "k": 1,
        "budget": 3,
        "run_dir": run_dir,
        "gates": {"enabled": False},  # every judged trace exported: tests/gates test the gates
        "teachers": [
            {
                "name": "fake",
                "model": "fake-model",
                "base_url": server.url,
                "api_key": "test",
                "sampling": {"seed": 0},
            }
        ],
    }
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return path


def responses_stored(run_dir: Path) -> int:
    store = run_dir / "run.sqlite"
    if not store.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{store}?mode=ro", uri=True)) as db:
            return int(db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0


def outputs(
    out: Path, names: tuple[str, ...] = ("sft", "rejected", "preferences")
) -> dict[str, list[Any]]:
    """The exported rows, without the seconds verifiers took (they differ run to run)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "seconds"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return {
        name: [strip(json.loads(line)) for line in (out / f"{name}.jsonl").read_text().splitlines()]
        for name in names
    }


def test_a_killed_run_resumes_without_repeating_a_paid_request(tmp_path: Path) -> None:
    write_problems(tmp_path / "problems.jsonl", PROBLEMS)
    first = Gate(Endpoint(PROBLEMS, PLAN), limit=ANSWER_BEFORE_KILL)
    current = [first]
    with FakeOpenAI(lambda body: current[0](body)) as server:
        killed = config(tmp_path, server, "killed")
        log = (tmp_path / "first.log").open("w")
        # Its own process group, so the kill takes its verifier workers too, as killing a
        # terminal's job does.
        process = subprocess.Popen(
            [str(FACTORY), "run", "--config", str(killed)],
            stdout=log,
            stderr=log,
            cwd=tmp_path,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while responses_stored(tmp_path / "killed") < ANSWER_BEFORE_KILL:
            assert process.poll() is None, (tmp_path / "first.log").read_text()
            assert time.monotonic() < deadline, "the run never stored its first answers"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        log.close()
        answered_before = set(first.endpoint.answered)
        assert len(answered_before) == ANSWER_BEFORE_KILL
        assert not (tmp_path / "killed/output/sft.jsonl").exists()  # killed before export
        first.release.set()

        second = Gate(Endpoint(PROBLEMS, PLAN), limit=None)
        current[0] = second
        rerun = subprocess.run(
            [str(FACTORY), "run", "--config", str(killed)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=300,
        )
        assert rerun.returncode == 0, rerun.stderr + rerun.stdout
        asked_again = second.endpoint.answered
        assert answered_before.isdisjoint(asked_again)

        whole = Gate(Endpoint(PROBLEMS, PLAN), limit=None)
        current[0] = whole
        result = CliRunner().invoke(
            app, ["run", "--config", str(config(tmp_path, server, "whole"))]
        )
        assert result.exit_code == 0, result.output

    assert answered_before | set(asked_again) == set(whole.endpoint.answered)
    assert len(asked_again) + len(answered_before) == len(whole.endpoint.answered)
    resumed = outputs(tmp_path / "killed/output")
    assert resumed == outputs(tmp_path / "whole/output")
    assert len(resumed["sft"]) == 7 and len(resumed["rejected"]) >= 5
