"""`factory push RUN_DIR REPO_ID` uploads the output folder, byte for byte, to a dataset
repository on the Hub at HF_ENDPOINT (here a local fake speaking the Hub's API), and says in one
line why when the Hub refuses or is not there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factory.cli import app
from tests.factory.fake_hub import COMMIT, FakeHub
from tests.factory.test_run import write_config
from tests.factory.transcripts import bundled, write_problems

FACTORY = Path(sys.executable).parent / "factory"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("pushed")
    write_problems(tmp_path / "problems.jsonl", bundled("math/arithmetic-01", "math/arithmetic-02"))
    result = CliRunner().invoke(app, ["run", "--config", str(write_config(tmp_path))])
    assert result.exit_code == 0, result.output
    return tmp_path / "run"


def push(run_dir: Path, endpoint: str, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_ENDPOINT": endpoint, "HF_TOKEN": "hf_test"}
    return subprocess.run(
        [str(FACTORY), "push", str(run_dir), "me/reasoning", *flags],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip


def test_push_uploads_the_output_folder_as_it_is(run_dir: Path) -> None:
    with FakeHub() as hub:
        result = push(run_dir, hub.url, "--private")
    assert result.returncode == 0, result.stderr
    output = run_dir / "output"
    files = len(list(output.iterdir()))
    assert " ".join(result.stdout.split()) == (
        f"pushed {files} files to {hub.url}/datasets/me/reasoning ({COMMIT})"
    )
    assert hub.repos["me/reasoning"] == {p.name: p.read_bytes() for p in output.iterdir()}
    assert {"README.md", "sft.parquet", "corrections.jsonl"} <= set(hub.repos["me/reasoning"])
    assert hub.private["me/reasoning"] is True


def test_a_refused_token_is_one_line_with_the_fix(run_dir: Path) -> None:
    with FakeHub() as hub:
        hub.refuse = 401
        result = push(run_dir, hub.url)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    flat = " ".join(result.stderr.split())
    assert flat.startswith(f"error: the Hub at {hub.url} refused me/reasoning: ")
    assert flat.endswith("fix: set HF_TOKEN (or run `hf auth login`) to a token with write access")


def test_an_unreachable_hub_is_one_line(run_dir: Path, free_tcp_port: int) -> None:
    url = f"http://127.0.0.1:{free_tcp_port}"
    result = push(run_dir, url)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert " ".join(result.stderr.split()).startswith(f"error: cannot reach the Hub at {url}")


def test_a_run_without_an_export_is_refused_before_any_upload(tmp_path: Path) -> None:
    with FakeHub() as hub:
        result = push(tmp_path, hub.url)
    assert result.returncode == 1
    assert " ".join(result.stderr.split()) == (
        f"error: no export in {tmp_path / 'output'} (no README.md); fix: run `factory run` "
        f"with --run-dir {tmp_path}"
    )
    assert hub.repos == {}
