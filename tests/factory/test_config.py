"""The run config: defaults, YAML, flags over the file, one clear message per bad key."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from factory.cli import app
from factory.config import ConfigError, RunConfig, load_config
from factory.prompts import CODE_TEMPLATE, MATH_TEMPLATE


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path | None, overrides: dict[str, object] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path, overrides or {})
    return str(caught.value)


def test_defaults_need_no_file() -> None:
    config = load_config(None, {})
    assert config == RunConfig()
    assert config.teachers == []  # the offline replay teacher
    assert config.problems == []  # the bundled set
    assert (config.k, config.budget) == (1, 4)
    assert config.prompts.math == MATH_TEMPLATE and "\\boxed{}" in MATH_TEMPLATE
    assert config.prompts.code == CODE_TEMPLATE and "```python" in CODE_TEMPLATE
    assert (config.verifiers.math.name, config.verifiers.code.name) == ("math", "code")
    assert config.export == ["jsonl", "parquet"]


def test_a_file_is_read_and_relative_paths_follow_it(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
problems: [data/a.jsonl]
k: 2
budget: 6
run_dir: out
teachers:
  - name: local
    model: qwen
    base_url: http://localhost:8000/v1
    weight: 3
    sampling: {temperature: 0.2, seed: 7}
verifiers:
  code: {options: {backend: bwrap}}
export: [parquet]
""",
    )
    config = load_config(path, {})
    assert config.problems == [tmp_path / "data/a.jsonl"]
    assert config.run_dir == tmp_path / "out"
    assert (config.k, config.budget, config.export) == (2, 6, ["parquet"])
    teacher = config.teachers[0]
    assert (teacher.name, teacher.weight, teacher.sampling.temperature) == ("local", 3, 0.2)
    assert teacher.sampling.seed == 7
    assert config.verifiers.code.name == "code"  # options alone keep the built-in verifier
    assert config.verifiers.code.options == {"backend": "bwrap"}


def test_flags_override_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path, "k: 2\nbudget: 5\nverifiers: {code: {name: code, options: {workers: 3}}}"
    )
    config = load_config(
        path, {"k": 3, "run_dir": "elsewhere", "verifiers.code.options.backend": "bwrap"}
    )
    assert (config.k, config.budget, config.run_dir) == (3, 5, Path("elsewhere"))
    assert config.verifiers.code.options == {"workers": 3, "backend": "bwrap"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "teachers:\n  - {name: a, model: m, sampling: {temperature: 9}}",
            "config.yaml: teachers.0.sampling.temperature: Input should be less than or equal to 2",
        ),
        (
            "teachers:\n  - {name: a, model: m, temprature: 0.5}",
            "config.yaml: teachers.0.temprature: Extra inputs are not permitted",
        ),
        ("k: many", "config.yaml: k: Input should be a valid integer"),
        ("budget: 1\nk: 2", "config.yaml: budget: Value error, the budget (1) must be at least k"),
        ("export: [csv]", "config.yaml: export.0: Input should be 'jsonl' or 'parquet'"),
        ("prompts: {math: 'Solve it.'}", "config.yaml: prompts.math: Value error, the template"),
        (
            "teachers: [{name: a, model: m}, {name: a, model: n}]",
            "config.yaml: teachers: Value error, teacher names must be unique; repeated: a",
        ),
    ],
)
def test_a_bad_key_is_named(tmp_path: Path, text: str, expected: str) -> None:
    message = error_of(write(tmp_path, text))
    assert message.startswith(expected) or expected in message
    assert "\n" not in message  # one message


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "k: 1\nteachers: [unclosed\n"))
    assert message.startswith(f"{tmp_path / 'config.yaml'}:3: not valid YAML")


def test_a_missing_file_and_a_non_mapping_are_clear(tmp_path: Path) -> None:
    assert "cannot read" in error_of(tmp_path / "absent.yaml")
    assert "expected a mapping of keys, got list" in error_of(write(tmp_path, "- 1\n- 2\n"))


def test_init_writes_a_commented_example_that_loads(tmp_path: Path) -> None:
    target = tmp_path / "factory.yaml"
    result = CliRunner().invoke(app, ["init", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text()
    assert text.count("#") > 20  # every key explained
    config = load_config(target, {})
    assert config.verifiers.code.options == {"backend": "auto"}
    assert config.run_dir == tmp_path / "runs/default"
    again = CliRunner().invoke(app, ["init", str(target)])
    assert again.exit_code == 1 and "exists" in again.output


def test_a_bad_config_stops_factory_run_with_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, "teachers:\n  - {name: a, model: m, sampling: {temperature: -1}}")
    result = CliRunner().invoke(app, ["run", "--config", str(path)])
    assert result.exit_code == 1
    assert "teachers.0.sampling.temperature: Input should be greater than or equal to 0" in (
        result.output
    )
