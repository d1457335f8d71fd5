"""One process per run directory, and a store that is lost or damaged is refused, never replaced:
both would otherwise pay for requests twice."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factory.cli import app
from factory.run_lock import RunLocked
from factory.store import Store, StoreUnusable
from tests.factory.fake_openai import FakeOpenAI
from tests.factory.test_resume import PLAN, PROBLEMS, Gate, config, responses_stored
from tests.factory.transcripts import Endpoint, write_problems

FACTORY = Path(sys.executable).parent / "factory"


def test_a_second_run_on_the_same_directory_refuses_at_once(tmp_path: Path) -> None:
    write_problems(tmp_path / "problems.jsonl", PROBLEMS)
    gate = Gate(Endpoint(PROBLEMS, PLAN), limit=3)  # then holds: the first run stays alive
    with FakeOpenAI(gate) as server:
        settings = config(tmp_path, server, "shared")
        first = subprocess.Popen(
            [str(FACTORY), "run", "--config", str(settings)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=tmp_path,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while responses_stored(tmp_path / "shared") < 3:
                assert first.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
            started = time.monotonic()
            second = subprocess.run(
                [str(FACTORY), "run", "--config", str(settings)],
                capture_output=True,
                text=True,
                cwd=tmp_path,
                timeout=60,
            )
            refused_in = time.monotonic() - started
            also = CliRunner().invoke(app, ["inject", str(tmp_path / "shared")])
        finally:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
            gate.release.set()
    assert second.returncode == 1
    assert f"in use by another factory process (pid {first.pid})" in second.stderr
    assert "Traceback" not in second.stderr
    assert refused_in < 30, refused_in
    assert also.exit_code == 1 and f"(pid {first.pid})" in also.output
    # The refused run sent nothing: no request reached the endpoint twice.
    bodies = [json.dumps(body, sort_keys=True) for body in server.requests]
    assert len(set(bodies)) == len(bodies) >= 3


def test_the_lock_dies_with_its_holder(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from factory.store import Store; "
            "s = Store(Path(sys.argv[1])); print('held', flush=True); time.sleep(60)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    with pytest.raises(RunLocked, match=f"pid {holder.pid}"):
        Store(tmp_path)
    holder.kill()
    holder.wait()
    with Store(tmp_path) as store:  # kill -9 released it
        assert store.count("requests") == 0


@pytest.mark.parametrize(
    ("content", "says"),
    [(b"", "is empty (0 bytes)"), (b"not a database\n" * 100, "cannot be read as a run store")],
    ids=["empty", "garbage"],
)
def test_a_lost_or_damaged_store_is_refused_not_replaced(
    tmp_path: Path, content: bytes, says: str
) -> None:
    store = tmp_path / "run.sqlite"
    store.write_bytes(content)
    with pytest.raises(StoreUnusable, match=re.escape(says)):
        Store(tmp_path)
    assert store.read_bytes() == content
    with Store(tmp_path / "fresh"):  # the lock was given back: a new store opens beside it
        pass
    result = CliRunner().invoke(app, ["inject", str(tmp_path)])
    assert result.exit_code == 1 and says in result.output
    assert store.read_bytes() == content
