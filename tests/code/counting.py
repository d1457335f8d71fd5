"""A real sandbox backend that records its harness runs, to show what shares a run."""

from __future__ import annotations

import json

from sandbox import ExecRequest, ExecResult, Sandbox


class CountingSandbox(Sandbox):
    """Counts drawing runs, judging runs, and the candidates each judging run got."""

    def __init__(self, inner: Sandbox) -> None:
        self.inner, self.name = inner, inner.name
        self.draws = 0
        self.batches: list[int] = []  # candidates per judging run, in order

    def run(self, request: ExecRequest) -> ExecResult:
        config = json.loads(request.stdin)
        if "draw" in config:
            self.draws += 1
        else:
            self.batches.append(len(config["candidates"]))
        return self.inner.run(request)
