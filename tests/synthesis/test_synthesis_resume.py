"""Kill `factory synthesize` with SIGKILL mid-way and rerun it: the outputs equal an
uninterrupted run's, and every response stored before the kill is never asked for again."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from tests.factory.fake_openai import FakeOpenAI, Reply, completion
from tests.factory.test_resume import FACTORY, responses_stored

SEEDS = [
    {"id": "s/1", "domain": "math", "statement": "Tom has 3 bags of 4 apples. How many?",
     "answer": "12"},
    {"id": "s/2", "domain": "math", "statement": "A car goes 60 km/h for 2 hours. How far?",
     "answer": "120"},
    {"id": "s/3", "domain": "math", "statement": "Ann buys 5 pens at 2 dollars. Total cost?",
     "answer": "10"},
]  # fmt: skip
WAREHOUSE = "A depot ships {a} crates of {b} boxes and receives {c} boxes. Shipped minus received?"
NUMBERS = re.compile(r"ships (\d+) crates of (\d+) boxes and receives (\d+) boxes")
ANSWER_BEFORE_KILL = 8
REQUESTS = 3 * 2 * (1 + 4)  # seeds x per-seed candidates x (generation + 4 solutions)


def answer(body: dict[str, Any]) -> str:
    """A new problem determined by the generation prompt, or the solution of a problem."""
    prompt = body["messages"][-1]["content"]
    found = NUMBERS.search(prompt)
    if found is None:
        digest = hashlib.sha256(prompt.encode()).digest()
        numbers = {"a": 11 + digest[0] % 80, "b": 3 + digest[1] % 30, "c": 1000 + digest[2]}
        return "```json\n" + json.dumps({"statement": WAREHOUSE.format(**numbers)}) + "\n```"
    a, b, c = map(int, found.groups())
    return (f"1. Shipped: ${a} \\cdot {b} = {a * b}$.\n2. Difference: ${a * b} - {c} = "
            f"{a * b - c}$.\n3. Final answer: \\boxed{{{a * b - c}}}")  # fmt: skip


class Gate:
    """Answers `limit` requests, then holds every other one until released (then fails it)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.answered = 0
        self.release = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> Reply:
        with self.lock:
            held = self.limit is not None and self.answered >= self.limit
            if not held:
                self.answered += 1
        if held:
            self.release.wait(60)
            return Reply(status=503, body={"error": {"message": "gone"}})
        return Reply(body=completion(answer(body)))


def command(tmp_path: Path, url: str, name: str) -> list[str]:
    return [
        str(FACTORY), "synthesize", str(tmp_path / "seeds.jsonl"), "--domain", "math",
        "--base-url", url, "--run-dir", str(tmp_path / name), "-o",
        str(tmp_path / name / "out" / "synthesized.jsonl"),
    ]  # fmt: skip


def test_a_killed_synthesis_resumes_without_paying_twice(tmp_path: Path) -> None:
    (tmp_path / "seeds.jsonl").write_text("".join(json.dumps(s) + "\n" for s in SEEDS))
    env = os.environ | {"OPENAI_API_KEY": "test"}
    current = [Gate(ANSWER_BEFORE_KILL)]
    with FakeOpenAI(lambda body: current[0](body)) as server:
        log = (tmp_path / "first.log").open("w")
        process = subprocess.Popen(
            command(tmp_path, server.url, "killed"), stdout=log, stderr=log, env=env,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while responses_stored(tmp_path / "killed") < ANSWER_BEFORE_KILL:
            assert process.poll() is None, (tmp_path / "first.log").read_text()
            assert time.monotonic() < deadline, "the run never stored its first answers"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        log.close()
        current[0].release.set()
        assert not (tmp_path / "killed/out/synthesized.jsonl").exists()

        for name in ("killed", "whole"):
            current[0] = Gate(None)
            rerun = subprocess.run(
                command(tmp_path, server.url, name), capture_output=True, text=True, env=env,
                timeout=300,
            )  # fmt: skip
            assert rerun.returncode == 0, rerun.stderr
            asked = current[0].answered
            assert asked == (REQUESTS - ANSWER_BEFORE_KILL if name == "killed" else REQUESTS)

    resumed = (tmp_path / "killed/out/synthesized.jsonl").read_text()
    assert resumed == (tmp_path / "whole/out/synthesized.jsonl").read_text()
    assert len(resumed.splitlines()) == 6
