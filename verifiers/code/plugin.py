"""The code verifier as a plugin: a program passes when every test of its problem passes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

import docker
from docker.errors import DockerException
from requests.exceptions import RequestException

from problems import CodeProblem, Problem
from sandbox import get_sandbox
from sandbox.docker_backend import DEFAULT_IMAGE
from verifiers.code.verify import VERSION, verify_many
from verifiers.verdict import Verdict


class CodeVerifier:
    name = "code"
    version = VERSION
    domain = "code"

    def __init__(self, options: Mapping[str, Any]) -> None:
        self._sandbox = get_sandbox(options.get("backend", "auto"))
        self._workers = int(options.get("workers", 2))
        self._examples = int(options.get("examples", 100))

    @property
    def backend(self) -> str:
        return self._sandbox.name

    @cached_property
    def image_digest(self) -> str | None:
        """The sandbox image's content id when code runs in Docker, for each record's provenance;
        None for other backends (or when the daemon cannot say)."""
        if self._sandbox.name != "docker":
            return None
        try:
            client = docker.from_env()
            try:
                image_id: str | None = client.images.get(DEFAULT_IMAGE).id
            finally:
                client.close()
        except (DockerException, RequestException):
            return None
        return image_id

    def verify(self, jobs: Sequence[tuple[Problem, str]]) -> list[Verdict]:
        code_jobs = []
        for problem, program in jobs:
            if not isinstance(problem, CodeProblem):
                raise TypeError(
                    f"the code verifier cannot judge {problem.domain} problem {problem.id}"
                )
            code_jobs.append((problem, program))
        return verify_many(code_jobs, self._sandbox, workers=self._workers, examples=self._examples)

    def close(self) -> None:
        self._sandbox.close()
