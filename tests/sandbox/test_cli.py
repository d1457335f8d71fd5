"""`factory sandbox run`: a Python file in a sandbox, its result as text or one JSON object."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from factory.cli import app
from sandbox import ExecResult, Sandbox


def _script(tmp_path: Path, source: str) -> str:
    path = tmp_path / "prog.py"
    path.write_text(source)
    return str(path)


def test_run_json_prints_the_whole_result(sandbox: Sandbox, tmp_path: Path) -> None:
    script = _script(tmp_path, "import sys\nprint('hi')\nprint('warn', file=sys.stderr)\n")
    result = CliRunner().invoke(
        app, ["sandbox", "run", "--backend", sandbox.name, "--json", script]
    )
    assert result.exit_code == 0, result.output
    parsed = ExecResult.model_validate(json.loads(result.stdout))
    assert (parsed.exit_code, parsed.stdout, parsed.stderr) == (0, "hi\n", "warn\n")
    assert (parsed.timed_out, parsed.oom_killed, parsed.output_truncated) == (False, False, False)
    assert parsed.backend == sandbox.name


def test_run_passes_output_through_and_mirrors_the_exit_status(
    bwrap_sandbox: Sandbox, tmp_path: Path
) -> None:
    script = _script(tmp_path, "print('partial')\nraise SystemExit(7)\n")
    result = CliRunner().invoke(app, ["sandbox", "run", "--backend", "bwrap", script])
    assert result.exit_code == 7
    assert result.stdout == "partial\n"
    assert "[bwrap] exit 7" in result.stderr


def test_run_timeout_exits_124(bwrap_sandbox: Sandbox, tmp_path: Path) -> None:
    script = _script(tmp_path, "import time\ntime.sleep(60)\n")
    result = CliRunner().invoke(
        app, ["sandbox", "run", "--backend", "bwrap", "--timeout", "1", "--json", script]
    )
    assert result.exit_code == 124
    assert json.loads(result.stdout)["timed_out"] is True


def test_unsafe_local_says_so_loudly(tmp_path: Path) -> None:
    script = _script(tmp_path, "print('ran on the host')\n")
    result = CliRunner().invoke(app, ["sandbox", "run", "--backend", "unsafe-local", script])
    assert result.exit_code == 0
    assert result.stdout == "ran on the host\n"
    assert "WARNING" in result.stderr and "directly on this host" in result.stderr
