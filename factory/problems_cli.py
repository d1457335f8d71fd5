"""`factory problems ...`: look at and validate problem files before spending on a run."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from problems import LoadResult, Problem, RowError, bundled_paths, load_problems

problems_app = typer.Typer(
    help="List, show and validate problems (the bundled starter set, or your own files).",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)

FilesArg = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Problem files (.jsonl, .jsonl.gz, .json, .parquet) in our format, GSM8K, MATH, "
        "HumanEval, MBPP or APPS/CodeContests shape. Default: the bundled starter set.",
        show_default=False,
    ),
]
SkipInvalid = Annotated[
    bool,
    typer.Option(
        "--skip-invalid",
        help="Skip malformed rows instead of stopping at the first; count them and list why.",
    ),
]


def _load(files: list[Path] | None, skip_invalid: bool) -> list[LoadResult]:
    try:
        return load_problems(files or bundled_paths(), skip_invalid=skip_invalid)
    except RowError as error:
        err.print(f"[red]error:[/red] {escape(str(error))}", highlight=False, soft_wrap=True)
        if error.line:
            err.print("Fix the row, or pass --skip-invalid to skip bad rows and list them all.")
        raise typer.Exit(1) from error


def _all(results: list[LoadResult]) -> list[Problem]:
    return [problem for result in results for problem in result.problems]


@problems_app.command("list")
def list_problems(files: FilesArg = None, skip_invalid: SkipInvalid = False) -> None:
    """List problems: id, domain, topic and the statement's first line."""
    table = Table("id", "domain", "topic", "statement")
    for problem in _all(_load(files, skip_invalid)):
        first_line = problem.statement.strip().splitlines()[0]
        table.add_row(problem.id, problem.domain, problem.topic or "", first_line[:70])
    out.print(table)


@problems_app.command("show")
def show(
    problem_id: Annotated[str, typer.Argument(help="The problem's id, e.g. math/fractions-01.")],
    files: FilesArg = None,
) -> None:
    """Print one problem in full, as JSON in our own format."""
    for problem in _all(_load(files, skip_invalid=False)):
        if problem.id == problem_id:
            out.print_json(json.dumps(problem.model_dump(mode="json", exclude_none=True)))
            return
    err.print(f"[red]error:[/red] no problem with id '{problem_id}'")
    raise typer.Exit(1)


@problems_app.command("validate")
def validate(files: FilesArg = None, skip_invalid: SkipInvalid = False) -> None:
    """Check that every row loads as a valid problem; exit 1 if any row is invalid."""
    results = _load(files, skip_invalid)
    table = Table("file", "format", "valid", "math", "code", "invalid")
    table.columns[0].overflow = "fold"
    totals: Counter[str] = Counter()
    for result in results:
        domains = Counter(problem.domain for problem in result.problems)
        table.add_row(
            str(result.path),
            result.format or "?",
            str(len(result.problems)),
            str(domains["math"]),
            str(domains["code"]),
            str(len(result.skipped)),
        )
        totals.update({"valid": len(result.problems), "invalid": len(result.skipped)} | domains)
    out.print(table)
    out.print(
        f"{totals['valid']} valid problems ({totals['math']} math, {totals['code']} code), "
        f"{totals['invalid']} invalid rows"
    )
    skipped = [error for result in results for error in result.skipped]
    for error in skipped:
        err.print(f"  skipped {error}", highlight=False, markup=False, soft_wrap=True)
    if skipped:
        raise typer.Exit(1)
