"""Group commit: one transaction per turn of the event loop, and a process killed with SIGKILL
in the middle of one loses nothing it had acknowledged, nor keeps half a group."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from factory.group_commit import GroupCommit
from factory.records import trace_record
from factory.store import FILENAME, Store
from tests.factory.commit_writer import GROUP
from tests.factory.test_store import INFO, PROBLEM, request, response, traces_of, verdict
from tests.factory.transcripts import bundled

ROOT = Path(__file__).resolve().parents[2]
PROBLEMS = bundled("math/arithmetic-01", "math/arithmetic-02", "math/arithmetic-03")


def test_writes_of_one_turn_share_a_commit_and_a_failure_stays_its_own(tmp_path: Path) -> None:
    async def main(store: Store) -> GroupCommit:
        commit = GroupCommit(store)

        def broken() -> None:  # a verdict of a trace never stored: its record goes too
            trace = traces_of(request(), response())[0]
            record = trace_record(PROBLEM, trace, verdict(), INFO)
            store.save_verdicts([("no-such-trace", INFO.key, verdict())], [record])

        results = await asyncio.gather(
            *(commit(lambda p=p: store.add_problems([p])) for p in PROBLEMS),  # type: ignore[misc]
            commit(broken),
            return_exceptions=True,
        )
        assert results[:3] == [None, None, None]
        assert isinstance(results[3], sqlite3.IntegrityError)
        await commit(lambda: store.add_problems(PROBLEMS[:1]))
        return commit

    with Store(tmp_path) as store:
        commit = asyncio.run(main(store))
        assert commit.groups == 2
        assert sorted(p.id for p in store.problems()) == sorted(p.id for p in PROBLEMS)
        assert store.count("records") == 0


def acknowledged(output: bytes) -> list[int]:
    """The numbers printed whole before the kill."""
    lines = output.decode().split("\n")
    return [int(line) for line in lines[:-1]]


@pytest.mark.parametrize("round_", range(3))
def test_a_kill_during_group_commits_loses_nothing_acknowledged(
    tmp_path: Path, round_: int
) -> None:
    run_dir = tmp_path / "run"
    acked: list[int] = []
    for start in (0, 10**6, 2 * 10**6):  # killed three times, resumed on the same store
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.factory.commit_writer", str(run_dir), str(start)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
        )
        assert process.stdout is not None
        os.set_blocking(process.stdout.fileno(), False)
        output = b""
        deadline = time.monotonic() + 60
        while output.count(b"\n") < 3 * GROUP:  # a few groups in, then at a random instant
            assert process.poll() is None and time.monotonic() < deadline
            output += process.stdout.read() or b""
            time.sleep(0.01)
        time.sleep(random.uniform(0.0, 0.05))
        process.send_signal(signal.SIGKILL)
        process.wait()
        output += process.stdout.read() or b""
        acked.extend(acknowledged(output))
    with closing(sqlite3.connect(run_dir / FILENAME)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = {int(i[1:]) for (i,) in db.execute("SELECT id FROM problems")}
    assert set(acked) <= stored
    by_group = {number // GROUP for number in stored}
    assert len(stored) == GROUP * len(by_group)  # whole groups or nothing
