"""The `factory` command: one entry point, a sub-command group per concern."""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import sys
from importlib.metadata import version
from typing import Annotated, NoReturn

import typer

from factory import debug
from factory.gates_cli import gates
from factory.inject.cli import inject
from factory.problems_cli import problems_app
from factory.push_cli import push
from factory.ray_cli import ray_app
from factory.report_cli import report
from factory.review_cli import review
from factory.run_cli import init, run, verifiers_app
from factory.sandbox_cli import sandbox_app
from factory.store_cli import store_app
from factory.synthesis.cli import synthesize
from factory.verify_audit_cli import verify_audit
from factory.verify_cli import verify_app

app = typer.Typer(
    help="reasoning-factory: fine-tuning data for reasoning models, kept only when proven right.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: no `<bool>` on flags
    epilog="Exit codes: 0 done; 1 an error, said in one line with its fix; 2 a usage error; "
    "3 an incomplete run (rerun to finish it); 4 requests failed or nothing was verified; "
    "130 interrupted.",
)


def _version(asked: bool) -> None:
    if asked:
        print(f"reasoning-factory {version('reasoning-factory')}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_version, help="Print the version and exit."
        ),
    ] = False,
    show_debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback behind an error message.")
    ] = False,
) -> None:
    """Options for every command."""
    debug.enabled = show_debug


app.command("run")(run)
app.command("init")(init)
app.command("inject")(inject)
app.command("gates")(gates)
app.command("push")(push)
app.command("synthesize")(synthesize)
app.command("report")(report)
app.command("review")(review)
app.add_typer(problems_app, name="problems")
app.add_typer(sandbox_app, name="sandbox")
verify_app.command("audit")(verify_audit)
app.add_typer(verify_app, name="verify")
app.add_typer(verifiers_app, name="verifiers")
app.add_typer(store_app, name="store")
app.add_typer(ray_app, name="ray")


INTERRUPTED = 130  # the shell's code for a program stopped by Ctrl-C


def _interrupted() -> NoReturn:
    """Exit at once: what the interrupted stage owned is closed by now (its store committed,
    its sandboxes stopped), and a worker thread still finishing must not hold the exit up."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(INTERRUPTED)


_FIXES = {
    errno.ENOSPC: "free space there",
    errno.EDQUOT: "free space there (disk quota exceeded)",
    errno.EACCES: "make it writable for this user",
    errno.EPERM: "make it writable for this user",
    errno.EROFS: "use a writable place (--run-dir)",
    errno.ENOTDIR: "a part of the path is a file, not a folder: use another path",
    errno.ENOENT: "create the folder first, or use another path",
}


def environment_problem(error: BaseException) -> str | None:
    """One line for a full disk or a path we may not write, or None for any other error: these
    end a run whatever stage it is in, and the user's fix is outside the program."""
    if isinstance(error, sqlite3.OperationalError) and "disk is full" in str(error):
        return "the disk holding the run store is full: free space there"
    if isinstance(error, OSError):
        code = error.errno
        if code not in _FIXES and "No space left on device" in str(error):
            code = errno.ENOSPC  # pyarrow's file errors name the cause only in their text
        if code in _FIXES:
            where = error.filename or "a file of the run"
            return f"{where}: {error.strerror or error}: {_FIXES[code]}"
    return None


def main() -> None:
    """The console script: `app`, with a full disk or an unwritable path said in one line, and
    Ctrl-C or SIGTERM at any point ending with code 130, without a traceback."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stops as Ctrl-C does
    # A forked child (a verifier worker) must not inherit that: terminated as this process
    # exits, it would print an interruption under the last line the user reads.
    os.register_at_fork(after_in_child=lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL))
    try:
        app()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        _interrupted()
    except SystemExit as exit:
        if exit.code == INTERRUPTED:
            _interrupted()
        raise
    except (OSError, sqlite3.OperationalError) as error:
        problem = environment_problem(error)
        if problem is None or debug.enabled:
            raise
        print(
            f"error: {problem}; the run store keeps every answer so far: rerun to resume",
            file=sys.stderr,
        )
        sys.exit(1)
