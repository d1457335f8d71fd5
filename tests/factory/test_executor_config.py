"""`executor:` in the run config and `factory run --executor`: local by default, ray by name
(with or without an address), anything else refused with the key named."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factory.cli import app
from factory.config import ConfigError, load_config
from factory.executors import open_executor
from factory.executors.local import LocalExecutor


def test_local_is_the_default_and_builds_verifiers_as_before() -> None:
    config = load_config(None, {})
    assert (config.executor.name, config.executor.address) == ("local", None)
    executor = open_executor(config.executor)
    assert isinstance(executor, LocalExecutor)
    verifier = executor.load("math", "math", {"workers": 1})
    try:
        assert (verifier.name, verifier.domain) == ("math", "math")
    finally:
        verifier.close()


@pytest.mark.parametrize(
    ("text", "name", "address"),
    [
        ("executor: ray\n", "ray", None),
        ("executor: {name: ray, address: auto}\n", "ray", "auto"),
        ("executor: {name: ray, address: 'ray://head:10001'}\n", "ray", "ray://head:10001"),
    ],
)
def test_the_ray_executor_is_named_with_or_without_an_address(
    tmp_path: Path, text: str, name: str, address: str | None
) -> None:
    path = tmp_path / "factory.yaml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path, {})
    assert (config.executor.name, config.executor.address) == (name, address)


def test_the_flag_overrides_the_file_and_keeps_its_address(tmp_path: Path) -> None:
    path = tmp_path / "factory.yaml"
    path.write_text("executor: {name: local, address: auto}\n", encoding="utf-8")
    config = load_config(path, {"executor.name": "ray"})
    assert (config.executor.name, config.executor.address) == ("ray", "auto")


def test_an_unknown_executor_is_refused_with_its_key(tmp_path: Path) -> None:
    path = tmp_path / "factory.yaml"
    path.write_text("executor: slurm\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"factory.yaml: executor.name: Input should be"):
        load_config(path, {})


@pytest.mark.parametrize(
    ("form", "said"),
    [
        ("127.0.0.1:{port}", "cannot reach the Ray cluster at 127.0.0.1:{port}"),
        ("ray://127.0.0.1:{port}", "cannot reach the Ray cluster at ray://127.0.0.1:{port}"),
        ("nowhere", "executor.address 'nowhere' is not host:port"),
    ],
)
def test_a_cluster_nothing_answers_at_stops_the_run_at_once_in_one_line(
    tmp_path: Path, form: str, said: str
) -> None:
    pytest.importorskip("ray", reason="the [ray] extra is not installed here")
    with socket.socket() as probe:  # a port no one listens at once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = tmp_path / "factory.yaml"
    executor = {"name": "ray", "address": form.format(port=port)}
    path.write_text(json.dumps({"run_dir": str(tmp_path / "run"), "executor": executor}))
    result = CliRunner().invoke(app, ["run", "--config", str(path)])
    assert result.exit_code == 1, result.output
    assert said.format(port=port) in " ".join(result.output.split()), result.output
