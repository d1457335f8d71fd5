"""The ray executor on a real Ray cluster of this machine (a head with no CPU for tasks, node A
with the `sandbox` resource, node B without): the same run exports the same rows as the local
executor, also when node B is killed mid-run or the driver is killed mid-run and run again, and
no code batch is ever placed on node B."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import yaml

from factory.config import RunConfig, load_config
from factory.run import Verifiers, build_teachers, execute, open_verifiers
from problems import Problem
from tests.factory.transcripts import write_problems

ray = pytest.importorskip("ray")
cluster_utils = pytest.importorskip("ray.cluster_utils")

from factory.executors.ray import RayVerifier, node_resources, split  # noqa: E402
from problems import bundled_paths, load_problems  # noqa: E402

MATH, CODE = 16, 4  # bundled problems of each domain in the run
FACTORY = Path(sys.executable).parent / "factory"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    sandbox, reason = node_resources(slots=1)
    if not sandbox:
        pytest.skip(f"no sandbox works here: {reason}")
    made = cluster_utils.Cluster(
        initialize_head=True,
        head_node_args={
            "num_cpus": 0,
            "include_dashboard": False,
            # A killed node is declared dead within about a second, not half a minute.
            "_system_config": {"health_check_period_ms": 200, "health_check_failure_threshold": 3},
        },
    )
    made.sandboxed = made.add_node(num_cpus=1, resources=sandbox)
    made.plain = made.add_node(num_cpus=1)
    # Connected here, the runs share one driver, whose worker processes keep their verifiers
    # warm from one run to the next (a run connects only when no driver is up).
    ray.init(address=made.address, log_to_driver=False)
    yield made
    ray.shutdown()
    made.shutdown()


@pytest.fixture(scope="module")
def problems(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Problem]]:
    every = [p for result in load_problems(bundled_paths()) for p in result.problems]
    math = [p for p in every if p.domain == "math"][:MATH]
    chosen: list[Problem] = [*math, *[p for p in every if p.domain == "code"][:CODE]]
    path = tmp_path_factory.mktemp("problems") / "problems.jsonl"
    write_problems(path, chosen)
    return path, chosen


def _config(root: Path, problems: Path, name: str, executor: dict[str, Any]) -> RunConfig:
    return RunConfig.model_validate(
        {
            "problems": [str(problems)],
            "run_dir": str(root / name),
            "inject": {"enabled": False},
            "gates": {"enabled": False},  # every verified trace exported: the counts below
            "executor": executor,
        }
    )


def _run(config: RunConfig, problems: list[Problem]) -> Verifiers:
    verifiers = open_verifiers(config, problems)
    execute(config, problems, build_teachers(config), verifiers)
    return verifiers


def _strip(value: Any) -> Any:
    """Rows without the seconds verifiers took: they differ from run to run."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _exported(out: Path) -> dict[str, list[Any]]:
    rows = {}
    for path in sorted(out.glob("*.jsonl")):
        rows[path.name] = [_strip(json.loads(line)) for line in path.read_text().splitlines()]
    for path in sorted(out.glob("*.parquet")):
        rows[path.name] = _strip(pq.read_table(path).to_pylist())
    return rows


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory, problems: tuple[Path, list[Problem]]) -> Path:
    root = tmp_path_factory.mktemp("local")
    _run(_config(root, problems[0], "run", {"name": "local"}), problems[1])
    return root / "run/output"


def _placed(verifiers: Verifiers, domain: str) -> dict[str, int]:
    verifier = verifiers.plugins[domain]
    assert isinstance(verifier, RayVerifier)
    return dict(verifier.placed)


def test_ray_exports_what_local_does_and_code_goes_only_to_sandbox_nodes(
    tmp_path: Path, cluster: Any, problems: tuple[Path, list[Problem]], local: Path
) -> None:
    config = _config(tmp_path, problems[0], "run", {"name": "ray", "address": cluster.address})
    verifiers = _run(config, problems[1])
    exported = _exported(tmp_path / "run/output")
    assert exported == _exported(local)
    assert {"sft.jsonl", "rejected.jsonl", "preferences.jsonl", "sft.parquet"} <= set(exported)
    assert len(exported["sft.jsonl"]) >= MATH  # the replay teacher verifies each problem
    assert verifiers.infos["code"].sandbox_backend is not None
    code, math = _placed(verifiers, "code"), _placed(verifiers, "math")
    assert set(code) == {cluster.sandboxed.node_id}, "code work on a node with no sandbox"
    assert set(math) == {cluster.sandboxed.node_id, cluster.plain.node_id}  # both nodes worked


def _verdicts_stored(run_dir: Path) -> int:
    store = run_dir / "run.sqlite"
    if not store.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{store}?mode=ro", uri=True)) as db:
            return int(db.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0])
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0


def test_a_driver_killed_mid_run_resumes_from_the_store(
    tmp_path: Path, cluster: Any, problems: tuple[Path, list[Problem]], local: Path
) -> None:
    path = tmp_path / "run.yaml"
    settings = {
        "problems": [str(problems[0])],
        "run_dir": str(tmp_path / "run"),
        "inject": {"enabled": False},
        "gates": {"enabled": False},
        "executor": {"name": "ray", "address": cluster.address},
    }
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    with (tmp_path / "killed.log").open("w") as log:
        # Its own process group: the kill takes the driver and its math workers at once.
        driver = subprocess.Popen(
            [str(FACTORY), "run", "--config", str(path)], stderr=log, start_new_session=True
        )
        deadline = time.monotonic() + 120
        while _verdicts_stored(tmp_path / "run") == 0 and driver.poll() is None:
            assert time.monotonic() < deadline, "no verdict was stored in time"
            time.sleep(0.02)
        os.killpg(driver.pid, signal.SIGKILL)
        driver.wait()
    assert driver.returncode == -signal.SIGKILL, (tmp_path / "killed.log").read_text()
    assert not (tmp_path / "run/output/sft.jsonl").exists()  # killed before its export
    _run(load_config(path, {}), problems[1])  # the rerun, from the store
    assert _exported(tmp_path / "run/output") == _exported(local)


def test_a_node_killed_mid_run_leaves_the_export_complete_and_the_same(
    tmp_path: Path, cluster: Any, problems: tuple[Path, list[Problem]], local: Path
) -> None:
    config = _config(tmp_path, problems[0], "run", {"name": "ray", "address": cluster.address})
    verifiers = open_verifiers(config, problems[1])
    math = verifiers.plugins["math"]
    assert isinstance(math, RayVerifier)
    killed_at: list[int] = []

    def kill_when_busy() -> None:
        """Remove node B (every process of it, SIGKILL) while math batches run on both nodes."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if math.running >= 2 and math.placed[cluster.plain.node_id]:
                killed_at.append(math.batches)
                cluster.remove_node(cluster.plain, allow_graceful=False)
                return
            time.sleep(0.002)

    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    stats = execute(config, problems[1], build_teachers(config), verifiers)
    killer.join()
    assert killed_at, "node B was never busy while math batches ran"
    assert not stats.incomplete
    assert _exported(tmp_path / "run/output") == _exported(local)
    assert math.batches > killed_at[0]  # batches were judged after the node was lost


def test_a_call_is_split_into_near_equal_batches_that_keep_a_problem_together(
    problems: tuple[Path, list[Problem]],
) -> None:
    chosen = problems[1][:5]
    jobs = [(problem, str(copy)) for copy in range(3) for problem in chosen]  # 15, interleaved
    batches = split(jobs, 4)
    assert sorted(position for batch in batches for position in batch) == list(range(15))
    assert [len(batch) for batch in batches] == [4, 4, 4, 3]
    ids = [jobs[position][0].id for batch in batches for position in batch]
    assert ids == sorted(ids)  # a problem's candidates side by side, cut only at a batch's end
    assert split(jobs, 40) == [[position] for batch in batches for position in batch]
    assert split([], 4) == []
