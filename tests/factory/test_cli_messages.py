"""The command line says what it does and why it stops: --version, plain --help with defaults,
--dry-run, --json and --limit, and one line with the fix (a traceback only with --debug) for a
missing folder or a replay teacher with nothing to replay."""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from factory.cli import app
from factory.progress import reporting
from problems import MathProblem
from tests.factory.fake_openai import FakeOpenAI
from tests.factory.test_run import PRICES, teacher, write_config
from tests.factory.transcripts import Endpoint, bundled, write_problems

PROBLEMS = bundled("math/arithmetic-01", "math/arithmetic-02", "math/arithmetic-03")


def flat(text: str) -> str:
    return " ".join(text.split())


def own_problem(number: int) -> MathProblem:
    """A problem no bundled transcript answers."""
    return MathProblem(
        id=f"mine/{number}",
        domain="math",
        statement=f"What is {number} times {number + 1000}?",
        answer=str(number * (number + 1000)),
    )


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("reasoning-factory 0.")


def test_help_shows_no_bool_metavar_and_gives_defaults_and_output_location() -> None:
    result = CliRunner().invoke(app, ["run", "--help"])
    assert result.exit_code == 0
    text = flat(result.stdout)
    assert "<bool>" not in text
    assert "[default: 1, or the config's]" in text and "[default: 4, or the config's]" in text
    assert "RUN_DIR/output" in text
    for flag in ("--limit", "--dry-run", "--json"):
        assert flag in text
    assert "Exit codes: 0 done; 1 an error" in flat(CliRunner().invoke(app, ["--help"]).stdout)


def test_init_into_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "factory.yaml"
    result = CliRunner().invoke(app, ["init", str(target)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: cannot write {target}: No such file or directory; fix: create the folder "
        f"first (mkdir -p {target.parent})"
    )
    shown = CliRunner().invoke(app, ["--debug", "init", str(target)])
    assert shown.exit_code == 1
    assert "Traceback" in shown.stderr and "FileNotFoundError" in shown.stderr


def test_replay_with_no_transcript_for_any_problem_stops_at_the_start(tmp_path: Path) -> None:
    write_problems(tmp_path / "problems.jsonl", [own_problem(1), own_problem(2)])
    result = CliRunner().invoke(app, ["run", "--config", str(write_config(tmp_path))])
    assert result.exit_code == 1
    assert flat(result.stderr).startswith(
        "error: no teacher is configured and the offline replay teacher has no transcripts "
        "for any of these 2 problems (e.g. mine/1); fix: set `teachers` in a config"
    )
    assert not (tmp_path / "run").exists()  # stopped before the run store was opened


def test_replay_with_some_problems_unknown_warns_at_the_start(tmp_path: Path) -> None:
    write_problems(tmp_path / "problems.jsonl", [*bundled("math/arithmetic-01"), own_problem(1)])
    result = CliRunner().invoke(app, ["run", "--config", str(write_config(tmp_path))])
    assert result.exit_code == 0, result.output
    assert flat(result.stderr).startswith(
        "warning: the offline replay teacher has no transcripts for 1 of 2 problems (e.g. "
        "mine/1): they get no verified trace"
    )


def test_dry_run_sends_nothing_and_bounds_requests_tokens_and_cost(tmp_path: Path) -> None:
    write_problems(tmp_path / "problems.jsonl", PROBLEMS)
    with FakeOpenAI(Endpoint(PROBLEMS, {})) as server:
        settings = write_config(tmp_path, teachers=[teacher(server)], k=1, budget=4)
        table = CliRunner().invoke(app, ["run", "--config", str(settings), "--dry-run"])
        result = CliRunner().invoke(app, ["run", "--config", str(settings), "--dry-run", "--json"])
    assert table.exit_code == 0 and "dry run: 3 problems, nothing sent" in table.stdout
    assert result.exit_code == 0, result.output
    assert server.requests == []
    assert not (tmp_path / "run").exists()
    figures = json.loads(result.stdout)
    least, most = figures["least"], figures["most"]
    assert figures["problems"] == 3 and figures["teachers"] == ["fake (fake-model)"]
    assert (least["traces"], least["requests"], most["traces"], most["requests"]) == (3, 3, 12, 12)
    max_tokens = 2048  # the default sampling's
    assert most["completion_tokens"] == 12 * max_tokens
    assert most["prompt_tokens"] == 4 * least["prompt_tokens"] > 0
    expected = (
        most["prompt_tokens"] * PRICES["price_input_per_million"]
        + most["completion_tokens"] * PRICES["price_output_per_million"]
    ) / 1e6
    assert most["cost"] == pytest.approx(expected)


def test_json_summary_and_limit(tmp_path: Path) -> None:
    write_problems(tmp_path / "problems.jsonl", PROBLEMS)
    with FakeOpenAI(Endpoint(PROBLEMS, {})) as server:
        settings = write_config(tmp_path, teachers=[teacher(server)])
        result = CliRunner().invoke(
            app, ["run", "--config", str(settings), "--json", "--limit", "2"]
        )
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)  # stdout is the summary alone
    assert stats["problems"] == 2 and stats["records"]["sft"] == 2
    assert stats["failed"] == {} and stats["request_errors"] == []
    assert len(server.requests) == 2


def test_without_a_terminal_progress_is_a_line_with_counts_rate_and_eta() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=False, width=200)
    with reporting(console, every=0.0) as progress:
        progress.stage("problems", 0, 4, "0 traces")
        time.sleep(0.05)
        progress.stage("problems", 2, 4, "[red]2 traces[/red]")
        progress.stage("problems", 4, 4, "4 traces")
        progress.stage("problems", 4, 4, "4 traces")  # the end is said once
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 3, lines
    assert lines[0].startswith("problems: 0/4 · 0 traces · 0s elapsed")
    assert re.fullmatch(r"problems: 2/4 · 2 traces · [\d.]+/s · ETA \d+s · \d+s elapsed", lines[1])
    assert lines[2].startswith("problems: 4/4 · 4 traces")


def test_without_a_terminal_lines_come_every_few_seconds_not_per_change() -> None:
    buffer = io.StringIO()
    with reporting(Console(file=buffer, force_terminal=False), every=60.0) as progress:
        for done in range(100):
            progress.stage("inject", done, 100)
        progress.stage("inject", 100, 100)
    assert [line.split(" · ")[0] for line in buffer.getvalue().splitlines()] == ["inject: 100/100"]


def test_a_run_without_a_terminal_reports_generation_and_inject(tmp_path: Path) -> None:
    write_problems(tmp_path / "problems.jsonl", PROBLEMS)
    with FakeOpenAI(Endpoint(PROBLEMS, {})) as server:
        settings = write_config(tmp_path, teachers=[teacher(server)], inject={"enabled": True})
        result = CliRunner().invoke(app, ["run", "--config", str(settings)])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert any(line.startswith("problems: 3/3 · 3 traces · 3 verified") for line in lines), lines
    assert any(re.match(r"inject: (\d+)/\1 · traces", line) for line in lines), lines
