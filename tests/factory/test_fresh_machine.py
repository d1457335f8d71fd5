"""`factory run` on a fresh machine, each situation built for real around the real command:
bubblewrap but no hypothesis in the system's Python, a Docker daemon with no sandbox image, and
no sandbox at all (then the code problems are skipped before any request, math goes on)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.errors import ImageNotFound

from sandbox.docker_backend import docker_answers
from tests.factory.fake_openai import FakeOpenAI
from tests.factory.test_unjudged import FACTORY, config, factory_run
from tests.factory.transcripts import Endpoint, bundled, write_problems

PROBLEMS = bundled("code/reverse-words", "math/arithmetic-02")
FIRST_USE_IMAGE = "reasoning-factory-sandbox:first-use-test"  # never the shared default tag
SYSTEM_PACKAGES = "/usr/lib/python3/dist-packages"


def passed(run_dir: Path) -> dict[str, int]:
    stats = json.loads((run_dir / "output/stats.json").read_text())
    return {domain: tally["passed"] for domain, tally in stats["by_domain"].items()}


def test_bwrap_needs_no_hypothesis_in_the_system_python(tmp_path: Path) -> None:
    if os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("bwrap")):
        pytest.skip("needs root, unshare and bubblewrap")
    write_problems(tmp_path / "problems.jsonl", PROBLEMS)
    with FakeOpenAI(Endpoint(PROBLEMS, {})) as server:
        path = config(tmp_path, server, "run", {"backend": "bwrap"})
        # In a private mount namespace the system's Python packages are an empty directory:
        # that process tree's python3 has no hypothesis, nothing changes for anyone else.
        hide = (
            f"mount -t tmpfs -o size=1m none {SYSTEM_PACKAGES} && "
            '! /usr/bin/python3 -c "import hypothesis" 2>/dev/null && exec "$@"'
        )
        done = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", hide, "sh",
             str(FACTORY), "run", "--config", str(path)],
            capture_output=True, text=True, cwd=tmp_path, timeout=300,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout
    assert passed(tmp_path / "run") == {"code": 1, "math": 1}


@pytest.fixture
def no_first_use_image() -> Iterator[docker.DockerClient]:
    if not docker_answers():
        pytest.skip("no Docker daemon answers")
    client = docker.from_env()

    def remove() -> None:
        with contextlib.suppress(ImageNotFound):
            client.images.remove(FIRST_USE_IMAGE)  # a tag of cached layers: quick to remove

    remove()
    yield client
    remove()
    client.close()


def test_docker_without_its_image_builds_it_once(
    tmp_path: Path, no_first_use_image: docker.DockerClient
) -> None:
    write_problems(tmp_path / "problems.jsonl", PROBLEMS[:1])
    code: dict[str, object] = {"backend": "docker", "image": FIRST_USE_IMAGE}
    with FakeOpenAI(Endpoint(PROBLEMS, {})) as server:
        first = factory_run(tmp_path, config(tmp_path, server, "first", code), dict(os.environ))
        second = factory_run(tmp_path, config(tmp_path, server, "second", code), dict(os.environ))
    assert first.returncode == 0, first.stderr + first.stdout
    assert first.stderr.count(f"building the sandbox image {FIRST_USE_IMAGE}") == 1
    no_first_use_image.images.get(FIRST_USE_IMAGE)
    assert second.returncode == 0, second.stderr + second.stdout
    assert "building the sandbox image" not in second.stderr
    assert passed(tmp_path / "first") == passed(tmp_path / "second") == {"code": 1}


def test_with_no_sandbox_the_code_problems_are_skipped_before_any_request(
    tmp_path: Path,
) -> None:
    write_problems(tmp_path / "problems.jsonl", PROBLEMS)
    empty = tempfile.mkdtemp(prefix="no-bwrap-")  # PATH: no bwrap (nor anything else)
    environment = {**os.environ, "PATH": empty, "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    endpoint = Endpoint(PROBLEMS, {})
    try:
        with FakeOpenAI(endpoint) as server:
            path = config(tmp_path, server, "run", {"backend": "auto"})
            done = factory_run(tmp_path, path, environment)
    finally:
        os.rmdir(empty)
    assert done.returncode == 3, done.stderr + done.stdout
    assert "skipping the code problems (no request is sent for them)" in done.stderr
    assert "factory sandbox setup" in done.stderr
    asked = {endpoint.problem_of(json.loads(body)).domain for body in endpoint.answered}
    assert asked == {"math"}
    assert passed(tmp_path / "run") == {"math": 1}
