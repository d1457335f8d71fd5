"""`factory gates RUN_DIR`: the quality gates applied again to an existing run's export, with
the settings of a config's `gates:` block and more benchmarks to decontaminate against."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pyarrow.parquet as pq
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from factory.card import write_reports
from factory.config import ConfigError, ExportFormat, RunConfig, load_config
from factory.export import DATASETS
from factory.filtered import FILTERED
from factory.publish import publish, staging_from
from factory.run import OUTPUT, export_gated, open_benchmarks
from factory.run_lock import RunLocked
from factory.stats import Exported, RunStats
from factory.store import FILENAME, Store, StoreUnusable
from problems import RowError

out = Console()
err = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(1)


def exported_ids(output: Path) -> Iterator[str]:
    """The ids of every record the current export holds or left out, file by file (JSONL where
    written, else the Parquet id column)."""
    for name in [*DATASETS.values(), FILTERED]:
        lines = output / f"{name}.jsonl"
        table = output / f"{name}.parquet"
        if lines.is_file():
            with lines.open(encoding="utf-8") as rows:
                yield from (json.loads(line)["id"] for line in rows if line.strip())
        elif table.is_file():
            yield from pq.read_table(table, columns=["id"]).column("id").to_pylist()


def _order(record: dict[str, Any], position: dict[str, int]) -> tuple[int, int, int, int]:
    """Where the run's export put a record: its problem's place, then its traces by sample and
    completion, its preferences, its human solution last."""
    place = position.get(record["problem_id"], len(position))
    if record.get("origin") == "human":
        return place, 2, 0, 0
    if record["kind"] == "preference":
        return place, 1, 0, 0
    trace = record["provenance"][0]
    return place, 0, trace["sample"], int(trace["trace_id"].rsplit(".", 1)[-1] or 0)


def _formats(output: Path) -> list[ExportFormat]:
    found: list[ExportFormat] = ["jsonl", "parquet"]
    return [f for f in found if (output / f"sft.{f}").is_file()] or found


def gates(
    run_dir: Annotated[Path, typer.Argument(help="A run directory (holding run.sqlite).")],
    benchmark: Annotated[
        list[Path] | None,
        typer.Option(
            "--benchmark",
            help="A benchmark test set to decontaminate against (repeatable; any format the "
            "problem loaders read), besides HumanEval and the config's.",
        ),
    ] = None,
    config_path: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Run config whose `gates:` block to apply."),
    ] = None,
) -> None:
    """Apply the quality gates again to a run's export: rewrites sft, rejected, preferences and
    filtered (+ Parquet), stats.json and README.md in RUN_DIR/output; the store is unchanged."""
    output = run_dir / OUTPUT
    if not (run_dir / FILENAME).is_file():
        raise _fail(f"no run store {run_dir / FILENAME}: run `factory run` first")
    try:
        stats = RunStats.model_validate_json((output / "stats.json").read_text(encoding="utf-8"))
    except (OSError, ValidationError) as error:
        raise _fail(
            f"{output / 'stats.json'} is missing or from another version: rerun `factory run "
            f"--run-dir {run_dir}` to export it ({str(error).splitlines()[0]})"
        ) from error
    try:
        config = load_config(config_path, {})
        settings = config.gates.model_copy(
            update={
                "enabled": True,
                "decontaminate": config.gates.decontaminate.model_copy(
                    update={
                        "benchmarks": [*config.gates.decontaminate.benchmarks, *(benchmark or [])]
                    }
                ),
            }
        )
        benchmarks = open_benchmarks(settings)
    except (ConfigError, RowError) as error:
        raise _fail(str(error)) from error
    try:
        store = Store(run_dir)
    except (RunLocked, StoreUnusable) as error:
        raise _fail(str(error)) from error
    formats = _formats(output)
    with store:  # held to the end: no run may export into the same output meanwhile
        problems = store.problems()
        position = {problem.id: index for index, problem in enumerate(problems)}
        ranked = sorted(
            (_order(record, position), record["id"])
            for record in map(json.loads, store.record_bodies(dict.fromkeys(exported_ids(output))))
        )
        ids = [record_id for _, record_id in ranked]
        staged = staging_from(output)
        run = RunConfig(export=formats, gates=settings, inline_reasoning=config.inline_reasoning)
        counts, report, _ = export_gated(
            run, store, lambda: iter(ids), problems, benchmarks, Exported(), staged
        )
        stats = stats.model_copy(update={"records": stats.records | counts, "gates": report})
        write_reports(stats, staged, formats)
        publish(staged, output)
    assert report is not None
    removed = ", ".join(f"{n} {reason}" for reason, n in report.removed.items()) or "none"
    checked = ", ".join(f"{name} ({n} items)" for name, n in report.benchmarks.items())
    out.print(
        f"{len(ids)} records: {counts['sft']} sft, {counts['rejected']} rejected, "
        f"{counts['preferences']} preferences kept; {counts[FILTERED]} filtered ({removed}); "
        f"decontaminated against {checked or 'nothing'}",
        highlight=False,
        soft_wrap=True,
    )
    if report.mix is not None:
        mix = report.mix
        out.print(
            f"mix: {mix.synthetic} synthetic, {mix.human} human"
            + ("" if mix.exact else f" (target {mix.target} not met: {mix.note})"),
            highlight=False,
        )
