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

# Expected problems drawn along whenever a draw run is due: each run imports hypothesis (~170 ms)
# once, and a run's problems come a few at a time.
DRAW_AHEAD = 16


class CodeVerifier:
    name = "code"
    version = VERSION
    domain = "code"

    def __init__(self, options: Mapping[str, Any]) -> None:
        self._image = str(options.get("image", DEFAULT_IMAGE))
        self._sandbox = get_sandbox(options.get("backend", "auto"), image=self._image)
        self._workers = int(options.get("workers", 2))
        self._examples = int(options.get("examples", 100))
        self._expected: list[CodeProblem] = []
        self._seen: set[str] = set()  # problems asked about or drawn ahead

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
                image_id: str | None = client.images.get(self._image).id
            finally:
                client.close()
        except (DockerException, RequestException):
            return None
        return image_id

    def expect(self, problems: Sequence[Problem]) -> None:
        """The run's problems in the order their candidates will come."""
        self._expected = [problem for problem in problems if isinstance(problem, CodeProblem)]

    def verify(self, jobs: Sequence[tuple[Problem, str]]) -> list[Verdict]:
        code_jobs = []
        for problem, program in jobs:
            if not isinstance(problem, CodeProblem):
                raise TypeError(
                    f"the code verifier cannot judge {problem.domain} problem {problem.id}"
                )
            code_jobs.append((problem, program))
        ahead: list[CodeProblem] = []
        if any(problem.id not in self._seen for problem, _ in code_jobs):
            # These need a draw run anyway: the next expected problems share it.
            self._seen.update(problem.id for problem, _ in code_jobs)
            ahead = [p for p in self._expected if p.id not in self._seen][:DRAW_AHEAD]
            self._seen.update(problem.id for problem in ahead)
        return verify_many(
            code_jobs,
            self._sandbox,
            workers=self._workers,
            examples=self._examples,
            draw_ahead=ahead,
        )

    def close(self) -> None:
        self._sandbox.close()
