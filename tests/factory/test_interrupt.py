"""Ctrl-C (or SIGTERM) stops `factory run` promptly in every stage with code 130: the store
stays consistent, no sandbox run outlives it, and a rerun exports what an undisturbed run does.
An export is published whole: a reader, or a kill at any instant, never meets two exports mixed."""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import docker
import pytest
from typer.testing import CliRunner

from factory.cli import app
from factory.publish import publish, staging
from sandbox.docker_backend import LABEL, OWNER_LABEL
from tests.factory.fake_openai import FakeOpenAI, Reply, completion
from tests.factory.test_resume import outputs
from tests.factory.test_unjudged import config
from tests.factory.transcripts import Endpoint, bundled, write_problems

FACTORY = Path(sys.executable).parent / "factory"
PROBLEMS = bundled("math/arithmetic-01", "math/arithmetic-02", "code/reverse-words")
HANGING = "```python\ndef reverse_words(s):\n    while True:\n        pass\n```\n"
STOPPED_WITHIN = 5.0  # seconds: no stage may hold an interrupted run up (typically under 2)


def stored(run_dir: Path, table: str) -> int:
    try:
        with closing(sqlite3.connect(f"file:{run_dir / 'run.sqlite'}?mode=ro", uri=True)) as db:
            return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    except sqlite3.Error:
        return 0


def containers_of(pid: int) -> list[str]:
    """The sandbox containers the factory process `pid` started and left."""
    owner = f"{OWNER_LABEL}={socket.gethostname()}:{pid}"
    client = docker.from_env()
    try:
        found = client.containers.list(all=True, filters={"label": [LABEL, owner]})
        return [str(container.id) for container in found]
    finally:
        client.close()


def interrupt(
    tmp_path: Path, settings: Path, ready: Any, sig: signal.Signals
) -> tuple[int, float, str, int]:
    """Start the run, wait for `ready(run_dir)`, signal it; its exit code, the seconds it took
    to exit, its stderr and its pid."""
    log = tmp_path / "interrupted.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(FACTORY), "run", "--config", str(settings)],
            stdout=out,
            stderr=out,
            cwd=tmp_path,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        deadline = time.monotonic() + 120
        while not ready(tmp_path / "run"):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        sent = time.monotonic()
        process.send_signal(sig)
        try:
            code = process.wait(timeout=60)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
        took = time.monotonic() - sent
    return code, took, log.read_text(), process.pid


class Held:
    """Answers by plan until `limit` answers, then holds every request until released."""

    def __init__(self, endpoint: Endpoint, limit: int) -> None:
        self.endpoint, self.limit = endpoint, limit
        self.release = threading.Event()

    def __call__(self, body: dict[str, Any]) -> Reply:
        if len(self.endpoint.answered) >= self.limit:
            self.release.wait(60)
        return self.endpoint(body)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_run_stopped_while_generating_resumes_to_the_same_files(
    tmp_path: Path, sig: signal.Signals
) -> None:
    write_problems(tmp_path / "problems.jsonl", PROBLEMS)
    plan = {"math/arithmetic-01": ["wrong", "right"]}
    held = Held(Endpoint(PROBLEMS, plan), limit=2)
    with FakeOpenAI(held) as server:
        settings = config(tmp_path, server, "run")
        code, took, log, _ = interrupt(
            tmp_path, settings, lambda d: stored(d, "responses") >= 2, sig
        )
        held.release.set()
        assert code == 130, log
        assert took < STOPPED_WITHIN, (took, log)
        assert "Traceback" not in log
        assert not (tmp_path / "run/output").exists()
        rerun = subprocess.run(
            [str(FACTORY), "run", "--config", str(settings)],
            capture_output=True, text=True, cwd=tmp_path, timeout=300,
        )  # fmt: skip
        assert rerun.returncode == 0, rerun.stderr
        whole = CliRunner().invoke(app, ["run", "--config", str(config(tmp_path, server, "whole"))])
        assert whole.exit_code == 0, whole.output
    assert outputs(tmp_path / "run/output") == outputs(tmp_path / "whole/output")


@pytest.mark.parametrize("backend", ["docker", "bwrap"])
def test_a_run_stopped_while_its_sandbox_runs_a_program_stops_it_too(
    tmp_path: Path, backend: str
) -> None:
    write_problems(tmp_path / "problems.jsonl", PROBLEMS)
    endpoint = Endpoint(PROBLEMS, {})

    def hanging(body: dict[str, Any]) -> Reply:
        if endpoint.problem_of(body).domain == "code":
            return Reply(body=completion(HANGING))
        return endpoint(body)

    with FakeOpenAI(hanging) as server:
        code_options = {"backend": backend, "examples": 10}
        settings = config(tmp_path, server, "run", code_options)
        # The hanging program's traces are stored before it is judged: judging is under way.
        code, took, log, pid = interrupt(
            tmp_path, settings, lambda d: stored(d, "traces") >= 3, signal.SIGINT
        )
    assert code == 130, log
    assert took < STOPPED_WITHIN, (took, log)
    assert "Traceback" not in log
    if backend == "docker":
        assert containers_of(pid) == []
    else:
        leftover = subprocess.run(["pgrep", "-f", "reverse_words"], capture_output=True)
        assert leftover.stdout == b""


def test_a_run_stopped_while_injecting_mistakes_resumes_to_the_same_files(tmp_path: Path) -> None:
    write_problems(tmp_path / "problems.jsonl", PROBLEMS)
    with FakeOpenAI(Endpoint(PROBLEMS, {})) as server:
        settings = config(tmp_path, server, "run")
        with_inject = settings.read_text().replace("enabled: false", "enabled: true")
        settings.write_text(with_inject)
        # Every problem is decided: generation is over, mistakes are being injected.
        code, took, log, _ = interrupt(
            tmp_path, settings, lambda d: stored(d, "finished") >= 3, signal.SIGINT
        )
        assert code == 130, log
        assert took < STOPPED_WITHIN, (took, log)
        assert "Traceback" not in log
        assert not (tmp_path / "run/output").exists()
        rerun = subprocess.run(
            [str(FACTORY), "run", "--config", str(settings)],
            capture_output=True, text=True, cwd=tmp_path, timeout=300,
        )  # fmt: skip
        assert rerun.returncode == 0, rerun.stderr
        whole = tmp_path / "whole.yaml"
        whole.write_text(with_inject.replace("run_dir: run", "run_dir: whole"))
        assert CliRunner().invoke(app, ["run", "--config", str(whole)]).exit_code == 0
    assert outputs(tmp_path / "run/output") == outputs(tmp_path / "whole/output")
    injected = ("corrections", "correction_preferences")
    corrections = [outputs(tmp_path / d / "output", injected) for d in ("run", "whole")]
    assert corrections[0] == corrections[1]
    assert corrections[0]["corrections"]


def test_a_run_stopped_while_exporting_publishes_nothing_and_resumes(tmp_path: Path) -> None:
    problems = bundled(*(f"math/arithmetic-0{n}" for n in range(1, 8)))
    write_problems(tmp_path / "problems.jsonl", problems)
    endpoint = Endpoint(problems, {})
    padding = "Let me think about this carefully. " * 25_000  # ~1 MB rows: a long export

    def long(body: dict[str, Any]) -> Reply:
        reply = endpoint(body)
        if isinstance(reply.body, dict):
            for choice in reply.body.get("choices", []):
                choice["message"]["reasoning_content"] = padding
        return reply

    with FakeOpenAI(long) as server:
        settings = config(tmp_path, server, "run")
        settings.write_text(settings.read_text().replace("k: 1", "k: 3"))
        code, took, log, _ = interrupt(
            tmp_path, settings, lambda d: (d / ".output.staging").exists(), signal.SIGINT
        )
        assert code == 130, log
        assert took < STOPPED_WITHIN, (took, log)
        assert "Traceback" not in log
        assert not (tmp_path / "run/output").exists()  # the staged export was not published
        rerun = subprocess.run(
            [str(FACTORY), "run", "--config", str(settings)],
            capture_output=True, text=True, cwd=tmp_path, timeout=300,
        )  # fmt: skip
        assert rerun.returncode == 0, rerun.stderr
        whole = tmp_path / "whole.yaml"
        whole.write_text(settings.read_text().replace("run_dir: run", "run_dir: whole"))
        assert CliRunner().invoke(app, ["run", "--config", str(whole)]).exit_code == 0
    assert outputs(tmp_path / "run/output") == outputs(tmp_path / "whole/output")
    assert len(outputs(tmp_path / "run/output")["sft"]) == 21


def generation(out: Path, number: int) -> None:
    staged = staging(out)
    for name in ("sft.jsonl", "rejected.jsonl", "stats.json"):
        (staged / name).write_text(f"{number}\n" * 1000)
    publish(staged, out)


def generations_seen(out: Path) -> set[str]:
    """The export generations the files at `out` belong to, read through one handle on the
    directory: one whole export, whatever is published meanwhile."""
    seen: set[str] = set()
    folder = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in ("sft.jsonl", "rejected.jsonl", "stats.json"):
            with open(name, opener=lambda path, flags: os.open(path, flags, dir_fd=folder)) as f:
                seen |= set(f.read().split())
    finally:
        os.close(folder)
    return seen


def test_readers_never_see_two_exports_mixed(tmp_path: Path) -> None:
    out = tmp_path / "output"
    generation(out, 0)
    done = threading.Event()

    def writer() -> None:
        for number in range(1, 300):
            generation(out, number)
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    reads = 0
    while not done.is_set():
        try:
            seen = generations_seen(out)
        except FileNotFoundError:  # the directory was swapped between two file opens
            continue
        assert len(seen) == 1, seen
        reads += 1
    thread.join()
    assert reads > 0 and generations_seen(out) == {"299"}


def _publish_forever(out: str) -> None:
    number = 1
    while True:
        generation(Path(out), number)
        number += 1


def test_a_kill_during_publishing_leaves_one_whole_export(tmp_path: Path) -> None:
    out = tmp_path / "output"
    generation(out, 0)
    context = multiprocessing.get_context("spawn")
    for delay in (0.05, 0.11, 0.23, 0.37, 0.5):
        process = context.Process(target=_publish_forever, args=(str(out),))
        process.start()
        time.sleep(delay)
        process.kill()
        process.join()
        assert len(generations_seen(out)) == 1
        generation(out, 10_000)  # a later export cleans what the killed one left staged
        assert generations_seen(out) == {"10000"}
