"""A teacher no retry can fix stops `factory run` within seconds, with one line naming the
teacher, the endpoint and the fix, and a non-zero exit code."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factory.cli import app
from factory.teachers.base import Sampling, TeacherRefused, TeacherRequest
from factory.teachers.config import TeacherConfig
from factory.teachers.openai_teacher import OpenAITeacher
from tests.factory.fake_openai import FakeOpenAI, Reply, completion
from tests.factory.test_run import write_config
from tests.factory.transcripts import Endpoint, bundled, write_problems

FACTORY = Path(sys.executable).parent / "factory"
PROBLEMS = bundled("math/arithmetic-01", "math/arithmetic-02", "math/arithmetic-03")


def teacher_of(base_url: str) -> dict[str, object]:
    return {
        "name": "fake",
        "model": "fake-model",
        "base_url": base_url,
        "api_key": "test",
        "timeout_seconds": 5.0,
    }


def run_against(tmp_path: Path, base_url: str) -> tuple[int, str, float]:
    write_problems(tmp_path / "problems.jsonl", PROBLEMS)
    config = write_config(tmp_path, teachers=[teacher_of(base_url)], budget=4)
    started = time.monotonic()
    result = CliRunner().invoke(app, ["run", "--config", str(config)])
    return result.exit_code, result.output, time.monotonic() - started


def refusing(status: int, message: str) -> FakeOpenAI:
    return FakeOpenAI(lambda body: Reply(status=status, body={"error": {"message": message}}))


@pytest.mark.parametrize(
    ("status", "fix"),
    [
        (400, "fix: check the model and sampling settings"),
        (401, "fix: set the teacher's api_key (or OPENAI_API_KEY)"),
        (403, "fix: use a key allowed to call this model"),
        (404, "fix: check the model name against the endpoint's models"),
    ],
)
def test_a_refusal_of_the_requests_stops_the_run(tmp_path: Path, status: int, fix: str) -> None:
    with refusing(status, "nope") as server:
        code, output, seconds = run_against(tmp_path, server.url)
    start = f"error: teacher 'fake' (fake-model) at {server.url}: refused with HTTP {status}: nope"
    assert code == 1, output
    assert start in " ".join(output.split()) and fix in " ".join(output.split())
    assert "Traceback" not in output
    assert len(server.requests) <= 3 * 4  # stopped, not asked for every trace of the budget
    assert seconds < 10


@pytest.mark.parametrize(
    ("status", "fix"),
    [
        (401, "fix: set the teacher's api_key (or OPENAI_API_KEY)"),
        (403, "fix: use a key allowed to call this model"),
        (404, "fix: check the model name against the endpoint's models"),
        (400, "fix: check the model and sampling settings"),
    ],
)
def test_a_refused_check_request_stops_the_run_before_any_request(
    tmp_path: Path, status: int, fix: str
) -> None:
    with FakeOpenAI(lambda body: Reply(body=completion("x"))) as server:
        server.check = Reply(status=status, body={"error": {"message": "no such key or model"}})
        code, output, _ = run_against(tmp_path, server.url)
    flat = " ".join(output.split())
    assert code == 1, output
    assert flat.startswith(
        f"error: teacher 'fake' (fake-model) at {server.url}: refused a one-token check "
        f"request with HTTP {status}: no such key or model; {fix}"
    )
    assert "Traceback" not in output
    assert server.requests == []


@pytest.mark.parametrize("status", [429, 503])
def test_a_busy_endpoint_passes_the_check(tmp_path: Path, status: int) -> None:
    """A busy endpoint is no reason to stop: the run's requests retry that."""
    with FakeOpenAI(Endpoint(PROBLEMS, {})) as server:
        server.check = Reply(status=status, body={"error": {"message": "busy"}})
        code, output, _ = run_against(tmp_path, server.url)
    assert code == 0, output
    assert len(server.requests) == len(PROBLEMS)


def test_an_unreachable_endpoint_stops_the_run_in_seconds(
    tmp_path: Path, free_tcp_port: int
) -> None:
    url = f"http://127.0.0.1:{free_tcp_port}/v1"
    code, output, seconds = run_against(tmp_path, url)
    flat = " ".join(output.split())
    assert code == 1, output
    assert flat.startswith(f"error: teacher 'fake' (fake-model) at {url}: cannot connect")
    assert "fix: start the server, or set base_url (or OPENAI_BASE_URL)" in flat
    assert seconds < 10


def test_a_server_gone_before_its_first_answer_stops_after_a_few_attempts(
    free_tcp_port: int,
) -> None:
    """Past the endpoint check, connection errors with no answer yet are no passing fault."""
    config = TeacherConfig(
        name="fake",
        model="fake-model",
        base_url=f"http://127.0.0.1:{free_tcp_port}/v1",
        max_retries=20,
    )
    request = TeacherRequest(
        teacher="fake",
        model="fake-model",
        messages=[{"role": "user", "content": "2+2?"}],
        sampling=Sampling(),
    )

    async def go() -> None:
        teacher = OpenAITeacher(config, backoff_seconds=0.01, max_backoff_seconds=0.01)
        try:
            await teacher.complete(request)
        finally:
            await teacher.close()

    with pytest.raises(TeacherRefused, match="cannot connect"):
        asyncio.run(go())


def test_an_output_folder_it_may_not_write_stops_the_run_before_any_request(
    tmp_path: Path,
) -> None:
    """As a user who does not own `output/`: root without CAP_DAC_OVERRIDE obeys the mode."""
    write_problems(tmp_path / "problems.jsonl", PROBLEMS)
    out = tmp_path / "run" / "output"
    out.mkdir(parents=True)
    out.chmod(0o555)
    with FakeOpenAI(Endpoint(PROBLEMS, {})) as server:
        config = write_config(tmp_path, teachers=[teacher_of(server.url)])
        result = subprocess.run(
            ["setpriv", "--bounding-set=-dac_override,-dac_read_search", str(FACTORY), "run",
             "--config", str(config)],
            capture_output=True, text=True, cwd=tmp_path, timeout=120,
        )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(
        f"error: {out}: Permission denied: make it writable for this user"
    )
    assert server.requests == []


def test_a_run_whose_every_trace_is_wrong_exits_4(tmp_path: Path) -> None:
    write_problems(tmp_path / "problems.jsonl", PROBLEMS)
    wrong = {problem.id: ["wrong"] for problem in PROBLEMS}
    with FakeOpenAI(Endpoint(PROBLEMS, wrong)) as server:
        config = write_config(tmp_path, teachers=[teacher_of(server.url)], budget=1)
        result = CliRunner().invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 4, result.output
    assert result.stderr.strip().splitlines()[-1].startswith(
        "run ended with 0 failed requests and 0 verified traces"
    )
