"""The `factory` command: one entry point, a sub-command group per concern."""

from __future__ import annotations

import typer

from factory.inject.cli import inject
from factory.problems_cli import problems_app
from factory.run_cli import init, run, verifiers_app
from factory.sandbox_cli import sandbox_app
from factory.verify_audit_cli import verify_audit
from factory.verify_cli import verify_app

app = typer.Typer(
    help="reasoning-factory: fine-tuning data for reasoning models, kept only when proven right.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("run")(run)
app.command("init")(init)
app.command("inject")(inject)
app.add_typer(problems_app, name="problems")
app.add_typer(sandbox_app, name="sandbox")
verify_app.command("audit")(verify_audit)
app.add_typer(verify_app, name="verify")
app.add_typer(verifiers_app, name="verifiers")
