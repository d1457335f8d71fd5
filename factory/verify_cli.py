"""`factory verify ...`: check answers and whole solutions from JSONL files with the verifiers."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from problems import RowError
from problems.rows import read_rows
from sandbox import BACKEND_NAMES, SandboxUnavailable, get_sandbox
from verifiers.code.rows import CandidateRow
from verifiers.code.verify import verify_many
from verifiers.math import (
    AnswerPair,
    TraceInput,
    answer_pool,
    trace_pool,
    verify_answers,
    verify_traces,
)
from verifiers.math.traces import answer_equivalent, first_refuted_step, steps_checked
from verifiers.verdict import Evidence, Verdict

verify_app = typer.Typer(
    help="Verify final answers and step-by-step solutions; every parse runs in a limited worker.",
    no_args_is_help=True,
)
err = Console(stderr=True)
PROGRESS_FROM = 50  # rows; shorter inputs finish before a bar would be worth drawing

Model = TypeVar("Model", bound=BaseModel)
InputArg = Annotated[Path, typer.Argument(help="JSONL input, one object per line.")]
OutputOpt = Annotated[Path, typer.Option("-o", "--output", help="Where to write JSONL results.")]
WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", "-w", min=1, help="Worker processes (default: one per CPU)."),
]


def _read(path: Path, model: type[Model]) -> list[Model]:
    """Every row as `model`, or exit 1 naming the file, line and field of the first bad row."""
    rows: list[Model] = []
    try:
        for row in read_rows(path):
            if isinstance(row, RowError):
                raise row
            try:
                rows.append(model.model_validate(row.data))
            except ValidationError as error:
                first = error.errors()[0]
                field = ".".join(str(part) for part in first["loc"]) or "<row>"
                raise RowError(path, row.line, field, first["msg"]) from error
    except (RowError, OSError) as error:
        err.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from error
    return rows


@contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal's stderr for long inputs; a no-op callback otherwise."""
    if total < PROGRESS_FROM or not err.is_terminal:
        yield lambda _: None
        return
    columns = (*Progress.get_default_columns()[:-1], BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeRemainingColumn(), console=err, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda _: bar.advance(task)


def _write(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def _reason(verdict: Verdict) -> str:
    first = verdict.evidence[0] if verdict.evidence else None
    if first is None:
        return ""
    return f"{first.outcome}: {first.reason}" if first.reason else first.outcome


@verify_app.command("answers")
def answers(input_path: InputArg, output: OutputOpt, workers: WorkersOpt = None) -> None:
    """Compare answers with gold answers: rows {"id","gold","answer"} in."""
    pairs = _read(input_path, AnswerPair)
    started = time.monotonic()
    with answer_pool(workers) as pool, _progress(len(pairs), "answers") as advance:
        verdicts = verify_answers([(p.gold, p.answer) for p in pairs], pool, on_done=advance)
    rows = [
        {
            **(pair.model_extra or {}),
            "id": pair.id,
            "equivalent": verdict.passed,
            "status": verdict.status,
            "reason": _reason(verdict),
            "seconds": round(verdict.seconds, 4),
        }
        for pair, verdict in zip(pairs, verdicts, strict=True)
    ]
    _write(output, rows)
    counts = Counter(verdict.status for verdict in verdicts)
    undecided = sum(1 for v in verdicts if v.evidence and v.evidence[0].outcome == "undecided")
    err.print(
        f"{len(pairs)} pairs: {counts['pass']} equivalent, {counts['fail']} not "
        f"({undecided} undecided), {counts['error']} errors, {counts['timeout']} timeouts "
        f"in {time.monotonic() - started:.1f}s -> {output}",
        highlight=False,
        soft_wrap=True,
    )


def _trace_row(trace: TraceInput, verdict: Verdict) -> dict[str, Any]:
    steps = [
        {"index": e.index, "status": e.outcome, "reason": e.reason}
        for e in verdict.evidence
        if e.check == "step"
    ]
    row: dict[str, Any] = {
        **(trace.model_extra or {}),
        "id": trace.id,
        "verdict": "error" if verdict.status in ("error", "timeout") else verdict.status,
        "answer_equivalent": answer_equivalent(verdict),
        "first_refuted_step": first_refuted_step(verdict),
        "steps_checked": steps_checked(verdict),
        "steps": steps,
    }
    if verdict.status in ("error", "timeout"):
        row["reason"] = _reason(verdict)
    return row


@verify_app.command("traces")
def traces(input_path: InputArg, output: OutputOpt, workers: WorkersOpt = None) -> None:
    """Check solutions step by step: rows {"id","problem","reference_answer","solution"} in."""
    items = _read(input_path, TraceInput)
    started = time.monotonic()
    with trace_pool(workers) as pool, _progress(len(items), "traces") as advance:
        verdicts = verify_traces(items, pool, on_done=advance)
    rows = [_trace_row(item, verdict) for item, verdict in zip(items, verdicts, strict=True)]
    _write(output, rows)
    counts = Counter(row["verdict"] for row in rows)
    refuted = sum(1 for row in rows if row["first_refuted_step"] is not None)
    wrong = sum(1 for row in rows if not row["answer_equivalent"])
    checked = sum(row["steps_checked"] for row in rows)
    total = sum(len(row["steps"]) for row in rows)
    err.print(
        f"{len(items)} traces: {counts['pass']} pass, {counts['fail']} fail "
        f"({wrong} wrong answer, {refuted} with a refuted step), {counts['error']} errors; "
        f"{checked}/{total} steps checked in {time.monotonic() - started:.1f}s -> {output}",
        highlight=False,
        soft_wrap=True,
    )


def _test_row(evidence: Evidence) -> dict[str, Any]:
    return {"kind": evidence.check, "status": evidence.outcome, **evidence.details}


@verify_app.command("code")
def code(
    input_path: InputArg,
    output: OutputOpt,
    backend: Annotated[
        str,
        typer.Option(
            "--backend",
            "-b",
            help=f"Sandbox: {', '.join(BACKEND_NAMES)}. auto = docker if it answers, else bwrap.",
        ),
    ] = "auto",
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Runs at once.")] = 2,
    examples: Annotated[
        int,
        typer.Option(min=0, help="Generated inputs per property-based test; 0: given tests only."),
    ] = 100,
) -> None:
    """Run programs against their tests in a sandbox.

    Rows are HumanEval-shaped {"id","prompt","test","entry_point","completion"} or ours
    {"id","problem","completion"}; a completion may be a function body or a whole program.
    """
    rows = _read(input_path, CandidateRow)
    try:
        sandbox = get_sandbox(backend)
    except (SandboxUnavailable, ValueError) as error:
        err.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from error
    started = time.monotonic()
    jobs = [(row.problem, row.program) for row in rows]
    with sandbox, _progress(len(rows), "programs") as advance:
        verdicts = verify_many(jobs, sandbox, workers=workers, examples=examples, on_done=advance)
    results = [
        {
            "id": row.id,
            "passed": verdict.passed,
            "status": verdict.status,
            "tests": [_test_row(e) for e in verdict.evidence],
            "seconds": round(verdict.seconds, 3),
        }
        for row, verdict in zip(rows, verdicts, strict=True)
    ]
    _write(output, results)
    counts = Counter(verdict.status for verdict in verdicts)
    err.print(
        f"{len(rows)} programs on {sandbox.name}: {counts['pass']} pass, {counts['fail']} fail, "
        f"{counts['timeout']} timeouts, {counts['error']} errors "
        f"in {time.monotonic() - started:.1f}s -> {output}",
        highlight=False,
        soft_wrap=True,
    )
