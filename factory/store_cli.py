"""`factory store check|salvage`: find damage in a run store, and keep its sound rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from factory.run_lock import RunLocked
from factory.store import FILENAME
from factory.store_integrity import describe
from factory.store_salvage import Report, check, salvage

store_app = typer.Typer(
    help="Check a run store for damage; copy its sound rows to a new store.",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)

RunDir = Annotated[Path, typer.Argument(help="A run directory (holding run.sqlite).")]


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    return typer.Exit(1)


def _nonzero(counts: dict[str, int]) -> str:
    return ", ".join(f"{table} {n}" for table, n in counts.items() if n)


def _counts(report: Report) -> str:
    return ", ".join(f"{table} {n}" for table, n in report.kept.items())


@store_app.command("check")
def check_command(run_dir: RunDir) -> None:
    """Report damage in RUN_DIR's store (SQLite's integrity check and every row's checksum);
    exit 1 if any. Runs beside a run using the store: it only reads."""
    if not (run_dir / FILENAME).is_file():
        raise _fail(f"no run store {run_dir / FILENAME}")
    try:
        report = check(run_dir)
    except sqlite3.DatabaseError as error:
        raise _fail(
            f"{run_dir / FILENAME} cannot be read ({error}): `factory store salvage {run_dir} "
            "NEW_RUN_DIR` copies what can still be read"
        ) from error
    out.print(f"rows: {_counts(report)}", highlight=False)
    if not report.checksummed:
        out.print("this store was written before rows had checksums: only SQLite's check ran")
    for line in report.integrity[:20]:
        if line != "ok":
            out.print(f"sqlite: {line}", markup=False)
    for damage in report.damaged[:20]:
        out.print(f"damaged: {damage.table} {damage.name}", markup=False)
    if report.sound:
        out.print("sound")
        return
    if report.damaged:
        out.print(f"{describe(report.damaged)} when the store is next opened", highlight=False)
    if report.integrity != ["ok"]:
        out.print(
            f"`factory store salvage {run_dir} NEW_RUN_DIR` copies the sound rows to a new store",
            markup=False,
        )
    raise typer.Exit(1)


@store_app.command("salvage")
def salvage_command(
    run_dir: RunDir,
    new_run_dir: Annotated[Path, typer.Argument(help="Where the new store is written.")],
) -> None:
    """Copy every readable, intact row of RUN_DIR's store to a new store in NEW_RUN_DIR; a run
    there asks again only what was lost."""
    if not (run_dir / FILENAME).is_file():
        raise _fail(f"no run store {run_dir / FILENAME}")
    try:
        report = salvage(run_dir, new_run_dir)
    except (FileExistsError, RunLocked) as error:
        raise _fail(str(error)) from error
    except sqlite3.DatabaseError as error:
        raise _fail(f"{run_dir / FILENAME} cannot be read at all ({error})") from error
    out.print(f"kept: {_counts(report)}", highlight=False)
    if any(report.unreadable.values()):
        out.print(f"unreadable: {_nonzero(report.unreadable)}", markup=False)
    if any(report.left_out.values()):
        out.print(f"left out (a parent row was lost): {_nonzero(report.left_out)}", markup=False)
    if report.damaged:
        out.print(describe(report.damaged), highlight=False)
    out.print(
        f"new store {new_run_dir / FILENAME}: run with --run-dir {new_run_dir} to resume from it",
        highlight=False,
    )
