"""`factory inject RUN_DIR`: corrected-mistake examples from an existing run's verified traces."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from factory.inject.model import InjectConfig
from factory.inject.output import write_corrections
from factory.inject.stage import inject_records
from factory.progress import reporting
from factory.publish import publish, staging_from
from factory.run import OUTPUT
from factory.run_lock import RunLocked
from factory.store import FILENAME, Store, StoreUnusable
from factory.store_integrity import describe
from sandbox import BACKEND_NAMES, SandboxUnavailable

out = Console()
err = Console(stderr=True)
DEFAULTS = InjectConfig()


def inject(
    run_dir: Annotated[Path, typer.Argument(help="A run directory (holding run.sqlite).")],
    per_trace: Annotated[
        int, typer.Option("--per-trace", min=1, help="Corrections made from one trace at most.")
    ] = DEFAULTS.per_trace,
    share: Annotated[
        float,
        typer.Option(
            "--share", min=0.0, max=1.0, help="Most share of corrections in verified + corrections."
        ),
    ] = DEFAULTS.share,
    backend: Annotated[
        str, typer.Option("--backend", help=f"Sandbox for code: {', '.join(BACKEND_NAMES)}.")
    ] = "auto",
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Math worker processes and sandbox runs.")
    ] = 2,
) -> None:
    """Inject proven mistakes into a run's verified traces: writes corrections.jsonl (+ Parquet)
    and correction_preferences.jsonl (+ Parquet) into RUN_DIR/output."""
    if not (run_dir / FILENAME).is_file():
        err.print(f"[red]error:[/red] no run store {escape(str(run_dir / FILENAME))}")
        raise typer.Exit(1)
    try:
        store = Store(run_dir)
    except (RunLocked, StoreUnusable) as error:
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(1) from error
    if store.damaged:
        err.print(f"{describe(store.damaged)} by the next `factory run`", highlight=False)
    with store:  # held to the end: no run may export into the same output meanwhile
        records = store.records_of("verified")
        rejected = store.records_of("rejected")  # real mistakes to correct
        problems = store.problems()
        settings = InjectConfig(per_trace=per_trace, share=share)
        try:
            with reporting(err) as progress:
                injected = inject_records(
                    [*records, *rejected],
                    problems,
                    settings,
                    {"workers": workers},
                    {"backend": backend, "workers": workers},
                    on_progress=lambda done, total: progress.stage("inject", done, total, "traces"),
                )
        except SandboxUnavailable as error:
            err.print(f"[red]error:[/red] {escape(str(error))}")
            raise typer.Exit(1) from error
        staged = staging_from(run_dir / OUTPUT)
        counts = write_corrections(injected, staged, ["jsonl", "parquet"])
        publish(staged, run_dir / OUTPUT)
    operators = Counter(row.operator for row in injected.corrections)
    out.print(
        f"{len(records)} verified traces: {counts['corrections']} corrections "
        f"({', '.join(f'{n} {name}' for name, n in operators.most_common()) or 'none'}), "
        f"{counts['correction_preferences']} preference pairs in {run_dir / OUTPUT}",
        highlight=False,
    )
