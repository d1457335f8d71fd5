"""`factory report RUN_DIR`: write RUN_DIR/output/report.html from the run store and the last
export's stats.json (`factory run` writes the same page at the end of every run)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from factory.report_html import gather, write_report
from factory.run import OUTPUT
from factory.run_lock import RunLocked
from factory.stats import RunStats
from factory.store import FILENAME, Store, StoreUnusable

STATS = "stats.json"
out = Console()
err = Console(stderr=True)
RunDir = Annotated[Path, typer.Argument(help="A run directory (holding run.sqlite).")]


def fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True, highlight=False)
    return typer.Exit(1)


def open_store(run_dir: Path) -> Store:
    """The run's existing store, or a one-line error (none there, in use, unreadable)."""
    if not (run_dir / FILENAME).is_file():
        raise fail(f"no run store {run_dir / FILENAME}; fix: `factory run --run-dir {run_dir}`")
    try:
        return Store(run_dir)
    except (RunLocked, StoreUnusable) as error:
        raise fail(str(error)) from error


def read_stats(run_dir: Path) -> RunStats | None:
    """The last export's stats, or None before any export."""
    path = run_dir / OUTPUT / STATS
    if not path.is_file():
        return None
    try:
        return RunStats.model_validate_json(path.read_bytes())
    except ValidationError as error:
        raise fail(
            f"{path} is no stats file of this version ({error.error_count()} errors); "
            f"fix: `factory run --run-dir {run_dir}` exports it again"
        ) from error


def report(run_dir: RunDir) -> None:
    """Write RUN_DIR/output/report.html: one self-contained page that opens offline."""
    stats = read_stats(run_dir)
    with open_store(run_dir) as store:
        facts = gather(store)
    folder = run_dir / OUTPUT
    folder.mkdir(parents=True, exist_ok=True)
    path = write_report(facts, stats, folder)
    out.print(f"wrote {path}", highlight=False, soft_wrap=True)
