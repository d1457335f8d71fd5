"""The Ray executor: verification batches run as Ray tasks across a cluster; generation, the run
store and every commit stay on the driver.

A batch of a verifier call is one task that asks for a CPU (and, for code, one unit of the
`sandbox` resource, which a node advertises only when its sandbox passed the canary: see
`node_resources`), so Ray places it by resources. A task lost with its node is run again
elsewhere by Ray (`max_retries`); judging is a pure function of (problem, candidate), so a rerun
gives the same verdicts, and only the driver stores them. A batch Ray cannot finish is an error
for the pipeline, which judges its traces again: never a verdict.
"""

from __future__ import annotations

import atexit
import json
import logging
import math
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ray
from ray.exceptions import RayError

from factory.executors.base import ExecutorUnavailable
from factory.pipeline import MAX_BATCH
from factory.preflight import preflight
from problems import Problem
from sandbox import SandboxUnavailable
from verifiers.plugins import Verifier, load_verifier
from verifiers.verdict import Verdict

SANDBOX = "sandbox"  # the custom resource of a node whose code sandbox passed the canary
MAX_RETRIES = 3  # runs of a batch lost with its node (or its worker process), after the first
WAIT_SECONDS = 5.0  # between checks that the cluster still has a node for the batches waiting
# Candidates a slot gets from one call at least, before the pipeline keeps another call in flight:
# a call holds MAX_BATCH candidates, so a cluster of more than MAX_BATCH / SHARE slots needs more
# calls at once to keep every slot busy (and a second call's overhead overlaps the first's work).
SHARE = 4
# Per domain, what one batch asks of a node beyond one CPU; any other domain needs a CPU only.
NEEDS: dict[str, dict[str, float]] = {"code": {SANDBOX: 1.0}}


class ClusterError(RuntimeError):
    """A batch the cluster could not judge (its nodes lost, no node with what it needs): the
    pipeline judges its traces again, as after any verifier error."""


@dataclass(frozen=True)
class Identity:
    """What provenance records of a verifier; every node must build the same one."""

    name: str
    version: str
    domain: str
    backend: str | None
    image_digest: str | None


@dataclass(frozen=True)
class Judged:
    """A batch's verdicts, with where and how long it ran."""

    node: str
    identity: Identity
    seconds: float
    verdicts: list[Verdict]


_LOADED: dict[str, Verifier] = {}  # in a worker process: its verifiers, built once


def _close_loaded() -> None:
    for verifier in _LOADED.values():
        verifier.close()
    _LOADED.clear()


def _loaded(plugin: str, options: Mapping[str, Any]) -> Verifier:
    """This worker process's verifier for (plugin, options), with one worker or sandbox run at a
    time: a batch holds one CPU, and the cluster runs as many batches as its nodes have CPUs."""
    key = json.dumps([plugin, options], sort_keys=True, default=str)
    verifier = _LOADED.get(key)
    if verifier is None:
        if not _LOADED:
            atexit.register(_close_loaded)
        verifier = _LOADED[key] = load_verifier(plugin, {**options, "workers": 1})
    return verifier


def _attribute(verifier: Verifier, name: str) -> str | None:
    value = getattr(verifier, name, None)
    return None if value is None else str(value)


def judge(plugin: str, options: Mapping[str, Any], jobs: list[tuple[Problem, str]]) -> Judged:
    """One batch, on whichever node Ray placed it."""
    verifier = _loaded(plugin, options)
    started = time.perf_counter()
    verdicts = verifier.verify(jobs)
    identity = Identity(
        name=verifier.name,
        version=verifier.version,
        domain=verifier.domain,
        backend=_attribute(verifier, "backend"),
        image_digest=_attribute(verifier, "image_digest"),
    )
    node = ray.get_runtime_context().get_node_id()
    return Judged(node, identity, time.perf_counter() - started, verdicts)


_judge = ray.remote(max_retries=MAX_RETRIES)(judge)


def _cluster_resources() -> dict[str, float]:
    """The cluster's total resources by name, as its live nodes advertise them."""
    totals: dict[str, float] = ray.cluster_resources()
    return totals


def split(jobs: Sequence[tuple[Problem, str]], parts: int) -> list[list[int]]:
    """Positions of `jobs` in at most `parts` near-equal batches, a problem's candidates kept
    together where the cut allows (its generated inputs are drawn once per worker)."""
    order = sorted(range(len(jobs)), key=lambda position: jobs[position][0].id)
    parts = max(1, min(parts, len(order)))
    size, extra = divmod(len(order), parts)
    batches, start = [], 0
    for index in range(parts):
        end = start + size + (index < extra)
        batches.append(order[start:end])
        start = end
    return [batch for batch in batches if batch]


def calls_in_flight(slots: float) -> int:
    """`verify` calls to keep in flight so each of `slots` slots gets SHARE candidates or more."""
    return max(1, math.ceil(slots * SHARE / MAX_BATCH))


class RayVerifier:
    """A verifier plugin whose `verify` spreads each call over the cluster's slots; safe to call
    from several threads at once (`in_flight`, set by the cluster's size when it opens)."""

    def __init__(self, executor: RayExecutor, domain: str, plugin: str, options: Mapping[str, Any]):
        self._executor = executor
        self._plugin = plugin
        self._options = dict(options)
        self._needs = NEEDS.get(domain, {})
        self.placed: Counter[str] = Counter()  # node id -> candidates it judged
        self.busy = 0.0  # seconds the batches spent judging, summed over the nodes
        self.batches = 0
        self.running = 0  # batches submitted and not back yet
        self._lock = threading.Lock()  # over the counts above, updated by concurrent calls
        for resource in self._needs:
            if _cluster_resources().get(resource, 0) < 1:
                raise SandboxUnavailable(
                    f"no node of the Ray cluster advertises the {resource!r} resource: start "
                    "nodes with `factory ray start` where Docker or bubblewrap works"
                )
        self.in_flight = calls_in_flight(self._slots())
        self.identity = self._run([[]], [])[0].identity
        self.name = self.identity.name
        self.version = self.identity.version
        self.domain = self.identity.domain
        self.backend = self.identity.backend
        self.image_digest = self.identity.image_digest

    def verify(self, jobs: Sequence[tuple[Problem, str]]) -> list[Verdict]:
        batches = split(jobs, int(self._slots()))
        results = self._run(batches, jobs)
        verdicts: dict[int, Verdict] = {}
        for batch, judged in zip(batches, results, strict=True):
            if judged.identity != self.identity:
                raise ClusterError(
                    f"node {judged.node} runs {judged.identity}, not {self.identity} as the "
                    "run's first node: give every node the same package and sandbox image"
                )
            if len(judged.verdicts) != len(batch):
                raise ClusterError(f"a batch of {len(batch)} came back with {len(judged.verdicts)}")
            verdicts.update(zip(batch, judged.verdicts, strict=True))
        with self._lock:
            for batch, judged in zip(batches, results, strict=True):
                self.placed[judged.node] += len(batch)
                self.busy += judged.seconds
                self.batches += 1
        return [verdicts[position] for position in range(len(jobs))]

    def _run(
        self, batches: Sequence[Sequence[int]], jobs: Sequence[tuple[Problem, str]]
    ) -> list[Judged]:
        """Each batch as a task; an error when one fails after Ray's retries, or when no node
        left in the cluster can take what waits."""
        task = _judge.options(num_cpus=1, resources=self._needs or None)
        refs = [
            task.remote(self._plugin, self._options, [jobs[position] for position in batch])
            for batch in batches
        ]
        waiting = list(refs)
        self._count(len(waiting))
        try:
            while waiting:
                ready, waiting = ray.wait(waiting, num_returns=len(waiting), timeout=WAIT_SECONDS)
                self._count(-len(ready))
                if waiting and not self._placeable():
                    raise ClusterError(
                        f"no node of the Ray cluster has {self._needs or 'a CPU'} any more"
                    )
            return list(ray.get(refs))
        except BaseException as error:
            for ref in waiting:  # the run goes on without them (or stops): free their slots
                ray.cancel(ref)
            if not isinstance(error, RayError):
                raise
            first = (str(error).strip().splitlines() or [""])[0]
            raise ClusterError(f"a Ray batch failed: {type(error).__name__}: {first}") from error
        finally:
            self._count(-len(waiting))

    def _count(self, batches: int) -> None:
        with self._lock:
            self.running += batches

    def _slots(self) -> float:
        """Batches the cluster can run at once: its CPUs, or its units of what a batch needs."""
        return _cluster_resources().get(next(iter(self._needs), "CPU"), 1)

    def _placeable(self) -> bool:
        have = _cluster_resources()
        needs = {"CPU": 1.0, **self._needs}
        return all(have.get(name, 0) >= amount for name, amount in needs.items())

    def close(self) -> None:
        self._executor.release()


class RayExecutor:
    """Connects this process to a Ray cluster (or starts one here) while its verifiers are open."""

    name = "ray"

    def __init__(self, address: str | None) -> None:
        self._address = address
        self._open = 0
        self._started = False  # whether this executor connected, so it disconnects

    def load(self, domain: str, plugin: str, options: Mapping[str, Any]) -> Verifier:
        self._connect()
        self._open += 1
        try:
            return RayVerifier(self, domain, plugin, options)
        except BaseException:
            self.release()
            raise

    def _connect(self) -> None:
        if ray.is_initialized():
            return
        address = self._address or os.environ.get("RAY_ADDRESS") or None
        started: dict[str, Any] = {}
        if address is None:  # a cluster of this machine alone, offering what works here
            resources, reason = node_resources()
            if reason:
                logging.getLogger(__name__).warning("this node offers no sandbox: %s", reason)
            started = {"resources": resources, "include_dashboard": False}
        if address is not None:
            _reachable(address)
        try:
            ray.init(
                address or "local",
                logging_level=logging.WARNING,
                log_to_driver=False,
                **started,
            )
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise ExecutorUnavailable(
                f"cannot reach the Ray cluster at {address}: {error}; fix: start it "
                "(`factory ray start --head` on its head node) or correct executor.address"
            ) from error
        self._started = True

    def release(self) -> None:
        self._open -= 1
        if self._open == 0 and self._started:
            ray.shutdown()
            self._started = False


CONNECT_SECONDS = 5.0


def _reachable(address: str) -> None:
    """Refuse at once an address nothing listens at: Ray's own driver keeps retrying an
    unreachable head for minutes, which would leave the run hanging with no word."""
    if address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not (host and port.isdigit()):
        raise ExecutorUnavailable(
            f"executor.address {address!r} is not host:port, ray://host:port or auto"
        )
    try:
        socket.create_connection((host.strip("[]"), int(port)), CONNECT_SECONDS).close()
    except OSError as error:
        raise ExecutorUnavailable(
            f"cannot reach the Ray cluster at {address}: {error}; fix: start it "
            "(`factory ray start --head` on its head node) or correct executor.address"
        ) from error


def node_resources(backend: str = "auto", slots: int | None = None) -> tuple[dict[str, float], str]:
    """What this node advertises beyond its CPUs: `sandbox` (one unit per CPU, or `slots`) when
    a code verifier on `backend` judges the canary right here; else nothing, and why."""
    slots = (os.cpu_count() or 1) if slots is None else slots
    if slots == 0:
        return {}, "no CPU offered for sandbox runs"
    try:
        verifier = load_verifier("code", {"backend": backend})
    except SandboxUnavailable as error:
        return {}, str(error)
    try:
        failure = preflight("code", verifier)
    finally:
        verifier.close()
    if failure is not None:
        return {}, failure
    return {SANDBOX: float(slots)}, ""
