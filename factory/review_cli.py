"""`factory review RUN_DIR`: walk a seeded stratified sample of the run's records on a local web
page, or carry the decisions to and from another tool (`--export` / `--import` JSONL)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError
from rich.console import Console

from factory.report_cli import RunDir, fail, open_store
from factory.review import DEFAULT_PORT
from factory.review.app import create_app
from factory.review.model import Decision
from factory.review.rows import trace_rows
from factory.review.sample import draw
from factory.store import Store

out = Console()


def export_decisions(store: Store, path: Path) -> int:
    decisions = store.decisions().values()
    path.write_text("".join(d.model_dump_json() + "\n" for d in decisions), encoding="utf-8")
    return len(decisions)


def read_decisions(store: Store, path: Path) -> list[Decision]:
    """Every line of `path` as a decision on a record of this run; the first bad line stops the
    import with its file, line and field."""
    if not path.is_file():
        raise fail(f"no file {path}")
    decisions = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                decision = Decision.model_validate_json(line)
            except ValidationError as error:
                first = error.errors()[0]
                field = ".".join(str(part) for part in first["loc"]) or "line"
                raise fail(f"{path}:{number}: field '{field}': {first['msg']}") from error
            if not store.records([decision.record_id]):
                raise fail(
                    f"{path}:{number}: field 'record_id': '{decision.record_id}' is no record "
                    "of this run"
                )
            decisions.append(decision)
    return decisions


def review(
    run_dir: RunDir,
    sample: Annotated[
        float, typer.Option("--sample", min=0.0001, max=1.0, help="Share of each stratum.")
    ] = 0.1,
    seed: Annotated[int, typer.Option("--seed", help="Which sample is drawn.")] = 0,
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Where the page listens.")
    ] = DEFAULT_PORT,
    host: Annotated[
        str, typer.Option("--host", help="The address to listen on (127.0.0.1: this machine).")
    ] = "127.0.0.1",
    export: Annotated[
        Path | None, typer.Option("--export", help="Write every decision to this JSONL file.")
    ] = None,
    import_: Annotated[
        Path | None,
        typer.Option("--import", help="Add the decisions of this JSONL file (as --export writes)."),
    ] = None,
) -> None:
    """Review a sample of RUN_DIR's records (stratified by domain, verifier's label and origin,
    seeded) on a local page: Accept, Reject with a reason, or Skip, each committed to the run
    store at once. The next `factory run` leaves rejected records out (in filtered.jsonl)."""
    if export is not None and import_ is not None:
        raise typer.BadParameter("give --export or --import, not both")
    with open_store(run_dir) as store:
        if export is not None:
            out.print(f"wrote {export_decisions(store, export)} decisions to {export}")
            return
        if import_ is not None:
            decisions = read_decisions(store, import_)
            store.save_decisions(decisions)
            out.print(f"imported {len(decisions)} decisions from {import_}")
            return
        problems = {problem.id: problem for problem in store.problems()}
        chosen = draw(trace_rows(store, problems), sample, seed)
        if not chosen:
            raise fail(f"{run_dir} has no judged records to review yet")
        # Listening on every address, the page answers to whatever name reaches it.
        hosts = ["*"] if host in ("0.0.0.0", "::") else sorted({host, "127.0.0.1", "localhost"})
        app = create_app(store, chosen, problems, hosts)
        url = f"http://{host}:{port}/"
        out.print(f"reviewing {len(chosen)} records at {url} (Ctrl-C to stop)", soft_wrap=True)
        uvicorn.run(app, host=host, port=port, log_level="warning")
