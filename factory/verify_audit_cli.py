"""`factory verify audit`: forgery, sabotage and stall attempts against the code verifier."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sandbox import SandboxUnavailable, get_sandbox
from verifiers.code.audit import audit_verifier

out = Console()
err = Console(stderr=True)


def verify_audit(
    backend: Annotated[
        str, typer.Option("--backend", "-b", help="The backend to judge in: auto, docker, bwrap.")
    ] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
) -> None:
    """Judge hostile candidates between correct and wrong batch-mates; exit 1 if any verdict
    differs from the one each would get alone. Put it in your CI beside `sandbox audit`."""
    if backend not in ("auto", "docker", "bwrap"):
        err.print(f"[red]error:[/red] the audit judges in docker or bwrap, not {backend}")
        raise typer.Exit(2)
    try:
        sandbox = get_sandbox(backend)
    except SandboxUnavailable as error:
        err.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from error
    with sandbox, err.status(f"attacking the code verifier on {sandbox.name}..."):
        rows = audit_verifier(sandbox)
    broken = [row for row in rows if not row.held]
    if as_json:
        dumped = [row.model_dump() for row in rows]
        out.print_json(json.dumps({"backend": sandbox.name, "rows": dumped}))
    else:
        table = Table("attack", "category", "expected", "observed", "verdict")
        table.title = f"code verifier audit on {sandbox.name}"
        for row in rows:
            verdict = "[green]held[/green]" if row.held else "[bold red]BROKEN[/]"
            table.add_row(row.attack, row.category, row.expected, escape(row.observed), verdict)
        out.print(table)
        out.print(f"{len(rows) - len(broken)}/{len(rows)} attacks held on {sandbox.name}")
    if broken:
        raise typer.Exit(1)
