"""Verifier plugins: `factory verifiers list`, and a third-party verifier package installed into
a fresh virtual environment that a `factory run` there uses by name."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from factory.cli import app
from sandbox import SandboxUnavailable
from tests.factory.fake_openai import FakeOpenAI
from tests.factory.transcripts import LUCKY, Endpoint, bundled, write_problems
from verifiers.code.plugin import CodeVerifier
from verifiers.code.verify import VERSION as CODE_VERSION
from verifiers.math.traces import VERSION as MATH_VERSION
from verifiers.plugins import installed

TINY_SOURCE = r'''
"""Passes a math trace whose text holds the boxed reference answer; checks no step."""

from verifiers.verdict import Evidence, Verdict


class TinyVerifier:
    name = "tiny"
    version = "0.3.0"
    domain = "math"

    def __init__(self, options):
        self.options = options

    def verify(self, jobs):
        verdicts = []
        for problem, solution in jobs:
            found = "\\boxed{" + problem.answer + "}" in solution
            outcome = "found" if found else "missing"
            verdicts.append(
                Verdict(
                    status="pass" if found else "fail",
                    verifier="tiny",
                    version="0.3.0",
                    evidence=[Evidence(check="boxed", outcome=outcome)],
                    seconds=0.0,
                )
            )
        return verdicts

    def close(self):
        pass


def make(options):
    return TinyVerifier(options)
'''
TINY_FILES = {
    "tiny_verifier.py": TINY_SOURCE,
    "tiny_verifier-0.3.0.dist-info/METADATA": (
        "Metadata-Version: 2.1\nName: tiny-verifier\nVersion: 0.3.0\n"
    ),
    "tiny_verifier-0.3.0.dist-info/WHEEL": (
        "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    ),
    "tiny_verifier-0.3.0.dist-info/entry_points.txt": (
        "[reasoning_factory.verifiers]\ntiny = tiny_verifier:make\n"
    ),
}
CLI = "import sys; from factory.cli import app; sys.argv[0] = 'factory'; app()"


def test_verifiers_list_shows_the_built_in_plugins() -> None:
    result = CliRunner().invoke(app, ["verifiers", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if "│" in line}
    assert MATH_VERSION in rows["math"] and "verifiers.math.plugin:MathVerifier" in rows["math"]
    assert CODE_VERSION in rows["code"] and "code" in rows["code"]
    assert "tiny" not in installed()  # the plugin below lives only in its own environment


def build_wheel(directory: Path) -> Path:
    """The third-party package as a wheel, zipped by hand: building one from source needs
    setuptools and wheel versions a fresh environment may lack, and no network is needed."""
    path = directory / "tiny_verifier-0.3.0-py3-none-any.whl"
    record = []
    for name, text in TINY_FILES.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append("tiny_verifier-0.3.0.dist-info/RECORD,,")
    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in TINY_FILES.items():
            wheel.writestr(name, text)
        wheel.writestr("tiny_verifier-0.3.0.dist-info/RECORD", "\n".join(record) + "\n")
    return path


def make_environment(tmp_path: Path) -> Path:
    """A virtual environment seeing this one's packages, with the tiny plugin pip-installed."""
    env = tmp_path / "env"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(env)],
        check=True,
    )
    python = env / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # --system-site-packages reaches the base interpreter's packages, not this venv's: add them.
    lines = [f"import site; site.addsitedir({path!r})" for path in site.getsitepackages()]
    (Path(purelib) / "outer_environment.pth").write_text("\n".join(lines) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-index", str(build_wheel(tmp_path))],
        check=True,
    )  # fmt: skip
    return python


def test_a_third_party_verifier_is_used_by_name(tmp_path: Path) -> None:
    python = make_environment(tmp_path)
    listed = subprocess.run(
        [str(python), "-c", CLI, "verifiers", "list"],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | {"COLUMNS": "200"},
    ).stdout
    tiny = next(line for line in listed.splitlines() if "tiny" in line)
    assert "0.3.0" in tiny and "math" in tiny and "tiny_verifier:make" in tiny

    problems = bundled("math/arithmetic-01")
    write_problems(tmp_path / "problems.jsonl", problems)
    with FakeOpenAI(Endpoint(problems, {"math/arithmetic-01": ["lucky"]})) as server:
        config = {
            "problems": ["problems.jsonl"],
            "run_dir": "run",
            "teachers": [{"name": "fake", "model": "m", "base_url": server.url, "api_key": "k"}],
            "verifiers": {"math": {"name": "tiny"}},
        }
        (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
        run = subprocess.run(
            [str(python), "-c", CLI, "run", "--config", "config.yaml"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
        )
    assert run.returncode == 0, run.stderr + run.stdout
    (row,) = [json.loads(line) for line in (tmp_path / "run/output/sft.jsonl").open()]
    # The lucky trace passes: this verifier checks only the boxed answer, and it judged.
    assert row["messages"][1]["content"] == LUCKY["math/arithmetic-01"]
    assert row["verdicts"][0]["verifier"] == "tiny"
    assert row["verdicts"][0]["evidence"][0]["check"] == "boxed"
    provenance = row["provenance"][0]
    assert (provenance["verifier"], provenance["verifier_version"]) == ("tiny", "0.3.0")


def test_an_unknown_verifier_name_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("verifiers: {math: {name: nonesuch}}\nproblems: [p.jsonl]\n")
    write_problems(tmp_path / "p.jsonl", bundled("math/arithmetic-01"))
    result = CliRunner().invoke(app, ["run", "--config", str(path)])
    assert result.exit_code == 1
    assert "no verifier named 'nonesuch' is installed (installed: code, math" in result.output


def test_a_verifier_of_another_domain_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("verifiers: {math: {name: code}}\nproblems: [p.jsonl]\n")
    write_problems(tmp_path / "p.jsonl", bundled("math/arithmetic-01"))
    result = CliRunner().invoke(app, ["run", "--config", str(path)])
    assert result.exit_code == 1
    assert "verifiers.math.name: 'code' judges code problems, not math" in result.output


def test_the_code_verifier_names_its_sandbox_and_image_for_provenance() -> None:
    bwrap = CodeVerifier({"backend": "bwrap"})
    assert (bwrap.backend, bwrap.image_digest) == ("bwrap", None)
    bwrap.close()
    try:
        docker = CodeVerifier({"backend": "docker"})
    except SandboxUnavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"docker must run in CI: {error}")
        pytest.skip(str(error))
    digest = docker.image_digest
    docker.close()
    assert docker.backend == "docker"
    assert digest is not None and digest.startswith("sha256:") and len(digest) == 7 + 64
