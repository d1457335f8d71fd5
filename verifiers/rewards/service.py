"""One long-lived verifier service per trainer process: math workers and the code sandbox are
started on first use, kept across reward calls (forking workers or starting a sandbox per
completion would cost more than judging), and closed at exit. Each batch has a time bound, and
every completion the service could not judge is counted."""

from __future__ import annotations

import atexit
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from problems import CodeProblem
from sandbox import Sandbox, get_sandbox
from verifiers.code.verify import NAME, VERSION, verify_many
from verifiers.math.answers import ANSWER_LIMITS
from verifiers.math.traces import TRACE_LIMITS
from verifiers.math.workers import Outcome, Payload, WorkerPool
from verifiers.verdict import Evidence, Verdict

BATCH_SECONDS = 600.0  # a reward call's bound: a trainer step must not wait on a stuck judge
OUT_OF_TIME = "the batch's time limit was reached"
_LIMITS = {"answer": ANSWER_LIMITS, "trace": TRACE_LIMITS}


class RewardUnavailable(RuntimeError):
    """The verifiers could not judge (sandbox down, worker lost, batch out of time): no reward."""


class RewardService:
    """Math worker pools (one per task's limits) and a sandbox, shared by every reward call."""

    def __init__(
        self,
        *,
        math_workers: int | None = None,
        backend: str = "auto",
        code_workers: int = 2,
        examples: int = 100,
        batch_seconds: float = BATCH_SECONDS,
    ) -> None:
        self.math_workers = math_workers
        self.backend = backend
        self.code_workers = code_workers
        self.examples = examples
        self.batch_seconds = batch_seconds
        self.counts: Counter[str] = Counter()  # batches, completions, and unjudged by cause
        self._pools: dict[str, WorkerPool] = {}
        self._sandbox: Sandbox | None = None
        self._math_lock = threading.Lock()
        self._code_lock = threading.Lock()

    def judge_math(self, task: str, payloads: Sequence[Payload]) -> list[Outcome]:
        """Run a math task ('answer' or 'trace') on a batch in the pool, within the batch bound."""
        with self._math_lock:
            if task not in self._pools:
                self._pools[task] = WorkerPool(self.math_workers, _LIMITS[task])
            deadline = time.monotonic() + self.batch_seconds
            outcomes = self._pools[task].map(task, payloads, deadline=deadline)
        self.counts["batches"] += 1
        self.counts["completions"] += len(payloads)
        return outcomes

    def judge_code(self, jobs: Sequence[tuple[CodeProblem, str]]) -> list[Verdict]:
        """Judge (problem, program) pairs in sandbox batches, within the batch bound: past it
        every verdict is an `error` (the runs, each under its own wall limit, finish unheard)."""
        with self._code_lock:
            if self._sandbox is None:
                self._sandbox = get_sandbox(self.backend)
            sandbox = self._sandbox
        self.counts["batches"] += 1
        self.counts["completions"] += len(jobs)
        runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="code-reward")
        future = runner.submit(
            verify_many, jobs, sandbox, workers=self.code_workers, examples=self.examples
        )
        runner.shutdown(wait=False)
        try:
            return future.result(timeout=self.batch_seconds)
        except FutureTimeout:
            evidence = Evidence(check="harness", outcome="error", reason=OUT_OF_TIME)
            late = Verdict(
                status="error", verifier=NAME, version=VERSION, evidence=[evidence], seconds=0
            )
            return [late] * len(jobs)

    def unjudged(self, cause: str) -> None:
        """Count a completion the verifiers could not judge, by cause."""
        self.counts["unjudged"] += 1
        self.counts[f"unjudged: {cause}"] += 1

    def close(self) -> None:
        with self._math_lock:
            for pool in self._pools.values():
                pool.close()
            self._pools.clear()
        with self._code_lock:
            if self._sandbox is not None:
                self._sandbox.close()
                self._sandbox = None


_shared: RewardService | None = None
_shared_lock = threading.Lock()


def shared_service() -> RewardService:
    """The process's service, started on first use and closed at exit."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = RewardService()
            atexit.register(_shared.close)
        return _shared
