"""The sandbox breaks in the middle of `factory run` and is restored: what could not be judged
waits, pending (never a rejection), and a rerun judges it with no request sent twice and the
same exported files as a run that was never disturbed."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.factory.fake_openai import FakeOpenAI, Reply
from tests.factory.test_resume import outputs
from tests.factory.transcripts import Endpoint, bundled, write_problems

PROBLEMS = bundled(
    "code/two-sum-sorted", "code/reverse-words", "code/run-length-encode", "math/arithmetic-01"
)
PLAN = {
    "code/two-sum-sorted": ["broken", "right"],
    "code/reverse-words": ["noanswer", "broken", "right"],
    "math/arithmetic-01": ["wrong", "right"],
}
ANSWERED_BEFORE_THE_BREAK = 2
FACTORY = Path(sys.executable).parent / "factory"


class BreakingBwrap:
    """A `bwrap` first on PATH that runs the real one until `broken` exists, then fails as a
    bubblewrap that lost its namespaces does. World-readable: the sandbox runs as nobody."""

    def __init__(self) -> None:
        real = shutil.which("bwrap")
        if real is None or os.geteuid() != 0:
            pytest.skip("needs bubblewrap and root (the sandbox drops to nobody)")
        self.dir = Path(tempfile.mkdtemp(prefix="breaking-bwrap-"))
        self.dir.chmod(0o755)
        self.broken = self.dir / "broken"
        script = self.dir / "bwrap"
        script.write_text(
            f'#!/bin/sh\nif [ -e "{self.broken}" ]; then\n'
            '    echo "bwrap: creating new namespace failed: Operation not permitted" >&2\n'
            f'    exit 1\nfi\nexec {real} "$@"\n'
        )
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH | 0o044)

    def env(self) -> dict[str, str]:
        return {**os.environ, "PATH": f"{self.dir}:{os.environ['PATH']}"}


@pytest.fixture
def bwrap() -> Iterator[BreakingBwrap]:
    wrapper = BreakingBwrap()
    yield wrapper
    shutil.rmtree(wrapper.dir)


def config(
    tmp_path: Path, server: FakeOpenAI, run_dir: str, code: dict[str, object] | None = None
) -> Path:
    """A run of problems.jsonl at `server`; `code`: the code verifier's options."""
    path = tmp_path / f"{run_dir}.yaml"
    settings = {
        "problems": ["problems.jsonl"],
        "k": 1,
        "budget": 3,
        "run_dir": run_dir,
        "inject": {"enabled": False},
        "gates": {"enabled": False},  # every judged trace exported: tests/gates test the gates
        "verifiers": {"code": {"options": code or {"backend": "bwrap", "examples": 10}}},
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


def factory_run(
    tmp_path: Path, path: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FACTORY), "run", "--config", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )


def verdict_statuses(out: Path) -> set[str]:
    rows = [
        json.loads(line)
        for name in ("sft", "rejected", "preferences")
        for line in (out / f"{name}.jsonl").read_text().splitlines()
    ]
    return {verdict["status"] for row in rows for verdict in row["verdicts"]}


def test_a_sandbox_broken_mid_run_costs_no_verdict_and_no_request(
    tmp_path: Path, bwrap: BreakingBwrap
) -> None:
    write_problems(tmp_path / "problems.jsonl", PROBLEMS)
    whole, disturbed, resumed = (Endpoint(PROBLEMS, PLAN) for _ in range(3))
    lock = threading.Lock()

    def breaking(body: dict[str, object]) -> Reply:
        """Answers; from the third request on, the sandbox is broken before the answer."""
        with lock:
            if len(disturbed.answered) >= ANSWERED_BEFORE_THE_BREAK:
                bwrap.broken.touch()
            return disturbed(body)

    current = [whole.__call__]
    with FakeOpenAI(lambda body: current[0](body)) as server:
        undisturbed = factory_run(tmp_path, config(tmp_path, server, "whole"), bwrap.env())
        assert undisturbed.returncode == 0, undisturbed.stderr + undisturbed.stdout

        current[0] = breaking
        broken = factory_run(tmp_path, config(tmp_path, server, "run"), bwrap.env())
        assert broken.returncode == 3, broken.stderr + broken.stdout  # incomplete
        lines = broken.stderr.splitlines()
        awaiting = [line for line in lines if "traces awaiting verification:" in line]
        assert awaiting and all("verifier code:" in line for line in awaiting), broken.stderr
        assert "creating new namespace failed" in broken.stderr
        # Nothing that could not be judged was exported, as a rejection or a preference.
        assert verdict_statuses(tmp_path / "run/output") <= {"pass", "fail", "timeout"}

        bwrap.broken.unlink()
        current[0] = resumed.__call__
        rerun = factory_run(tmp_path, config(tmp_path, server, "run"), bwrap.env())
        assert rerun.returncode == 0, rerun.stderr + rerun.stdout

    assert set(disturbed.answered).isdisjoint(resumed.answered)  # no request sent twice
    assert sorted(disturbed.answered + resumed.answered) == sorted(whole.answered)
    assert outputs(tmp_path / "run/output") == outputs(tmp_path / "whole/output")
    assert verdict_statuses(tmp_path / "run/output") == {"pass", "fail"}
