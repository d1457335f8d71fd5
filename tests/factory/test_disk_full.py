"""A full disk ends a run with one line naming the place and the fix, and the store it leaves
resumes once there is room, paying for nothing twice."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.factory.fake_openai import FakeOpenAI, Reply
from tests.factory.test_resume import PLAN, PROBLEMS, config, responses_stored
from tests.factory.transcripts import Endpoint, write_problems

FACTORY = Path(sys.executable).parent / "factory"
PADDING = "Let me think about this carefully. " * 3_000  # ~100 KB of reasoning per reply


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 384 KiB tmpfs: room for the store's start, not for eight 100 KB replies."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=384k", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_full_disk_is_one_line_and_the_store_resumes(tmp_path: Path, small_disk: Path) -> None:
    write_problems(tmp_path / "problems.jsonl", PROBLEMS)
    endpoint = Endpoint(PROBLEMS, PLAN)

    def padded(body: dict[str, Any]) -> Reply:
        reply = endpoint(body)
        if isinstance(reply.body, dict):
            for choice in reply.body.get("choices", []):
                choice["message"]["reasoning_content"] = PADDING
        return reply

    with FakeOpenAI(padded) as server:
        settings = config(tmp_path, server, "run")
        written = yaml.safe_load(settings.read_text())
        written["teachers"][0]["concurrency"] = 1  # one answer per commit: some fit, then none
        settings.write_text(yaml.safe_dump(written | {"run_dir": str(small_disk / "run")}))
        full = subprocess.run(
            [str(FACTORY), "run", "--config", str(settings)],
            capture_output=True, text=True, cwd=tmp_path, timeout=300,
        )  # fmt: skip
        assert full.returncode == 1, full.stderr
        last = full.stderr.strip().splitlines()[-1]
        assert last.startswith("error: ") and "full" in last and "rerun to resume" in last
        assert "Traceback" not in full.stderr
        answered = list(endpoint.answered)
        stored = responses_stored(small_disk / "run")
        assert stored >= 1  # some answers were kept before the disk filled

        subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
        resumed = subprocess.run(
            [str(FACTORY), "run", "--config", str(settings)],
            capture_output=True, text=True, cwd=tmp_path, timeout=300,
        )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    assert (small_disk / "run/output/sft.jsonl").read_text().count("\n") == 7
    # What the store kept was not asked again; only answers the full disk could not keep were.
    again = set(endpoint.answered[len(answered) :])
    assert len(again & set(answered)) <= len(answered) - stored


def test_a_read_only_run_directory_is_one_line(tmp_path: Path, small_disk: Path) -> None:
    write_problems(tmp_path / "problems.jsonl", PROBLEMS[:1])
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = subprocess.run(
        [str(FACTORY), "run", "--run-dir", str(small_disk / "run"), "--problems",
         str(tmp_path / "problems.jsonl")],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: {small_disk / 'run'}: Read-only file system: use a writable")
