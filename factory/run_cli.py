"""`factory run`, `factory init` and `factory verifiers list`: the main job and its setup."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from factory import debug
from factory.config import EXAMPLE, ConfigError, RunConfig, load_config
from factory.estimate import estimate
from factory.executors import ExecutorUnavailable
from factory.executors.base import ExecutorName
from factory.pipeline import Live, TeacherSlot
from factory.progress import reporting
from factory.report import describe, summary_tables
from factory.run import build_teachers, execute, load_run_problems, open_verifiers, output_dir
from factory.run_lock import RunLocked
from factory.store import FILENAME, StoreUnusable
from factory.teachers.base import TeacherError, TeacherRefused
from factory.teachers.openai_teacher import CHARS_PER_TOKEN, OpenAITeacher
from factory.teachers.replay import ReplayTeacher
from problems import Problem, RowError
from sandbox import BACKEND_NAMES, SandboxUnavailable
from verifiers.plugins import VerifierNotFound, installed

verifiers_app = typer.Typer(help="The verifier plugins installed here.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)
# Exit codes: 0 done; 1 an error, said in one line with its fix; 2 a usage error (flags);
# INCOMPLETE and UNPRODUCTIVE as below; 130 interrupted. README.md lists them too.
INCOMPLETE = 3  # exit code: a domain was skipped or some trace still awaits its verification
UNPRODUCTIVE = 4  # exit code: requests failed after their retries, or no trace was verified


def _fail(message: str) -> typer.Exit:
    debug.show_traceback(err)
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(1)


def _replay_coverage(slots: list[TeacherSlot], problems: Sequence[Problem]) -> None:
    """The offline replay teacher answers only problems it has transcripts for: say so at the
    start, and stop when it has none for any of them."""
    replay = next((s.teacher for s in slots if isinstance(s.teacher, ReplayTeacher)), None)
    if replay is None:
        return
    missing = replay.unknown(problems)
    if not missing:
        return
    fix = "set `teachers` in a config (`factory init`) or pass --model to use a real endpoint"
    if len(missing) == len(problems):
        raise _fail(
            f"no teacher is configured and the offline replay teacher has no transcripts for "
            f"any of these {len(problems)} problems (e.g. {missing[0]}); fix: {fix}"
        )
    err.print(
        f"warning: the offline replay teacher has no transcripts for {len(missing)} of "
        f"{len(problems)} problems (e.g. {missing[0]}): they get no verified trace; {fix}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _dry_run(config: RunConfig, problems: Sequence[Problem], as_json: bool) -> None:
    figures = estimate(config, problems)
    if as_json:
        print(figures.model_dump_json(indent=2))
        return
    table = Table("", "at least (k per problem)", "at most (budget per problem)",
                  title=f"dry run: {figures.problems} problems, nothing sent")  # fmt: skip
    for label, name in (("traces", "traces"), ("requests", "requests"),
                        ("prompt tokens", "prompt_tokens"),
                        ("completion tokens", "completion_tokens")):  # fmt: skip
        table.add_row(label, str(getattr(figures.least, name)), str(getattr(figures.most, name)))
    table.add_row("cost", _price(figures.least.cost), _price(figures.most.cost))
    out.print(table)
    out.print(
        f"teachers: {', '.join(figures.teachers)}; tokens from the prompts at "
        f"{CHARS_PER_TOKEN} characters a token, completions at max_tokens",
        highlight=False,
    )


def _price(cost: float | None) -> str:
    return "no prices set" if cost is None else f"{cost:.4f}"


def run(
    config_path: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Run config (YAML; `factory init` writes one)."),
    ] = None,
    problems: Annotated[
        list[Path] | None,
        typer.Option("--problems", "-p", help="Problem file (repeatable); replaces the config's."),
    ] = None,
    skip_invalid: Annotated[
        bool | None,
        typer.Option(
            "--skip-invalid", help="Skip malformed problem rows, counting them (default: stop)."
        ),
    ] = None,
    k: Annotated[
        int | None,
        typer.Option(
            "-k",
            min=1,
            help=f"Verified traces wanted per problem. [default: {RunConfig().k}, or the config's]",
        ),
    ] = None,
    budget: Annotated[
        int | None,
        typer.Option(
            "--budget",
            min=1,
            help="Most traces generated per problem. "
            f"[default: {RunConfig().budget}, or the config's]",
        ),
    ] = None,
    run_dir: Annotated[
        Path | None,
        typer.Option(
            "--run-dir",
            help="Run store and outputs (in RUN_DIR/output); rerunning with it resumes. "
            f"[default: {RunConfig().run_dir}, or the config's]",
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="One OpenAI-compatible teacher with this model, at OPENAI_BASE_URL (or OpenAI "
            "with OPENAI_API_KEY), instead of the config's teachers.",
        ),
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option("--backend", help=f"Sandbox for code: {', '.join(BACKEND_NAMES)}."),
    ] = None,
    inline_reasoning: Annotated[
        bool | None,
        typer.Option(
            "--inline-reasoning",
            help="Write the teacher's reasoning inline as <think>...</think> before the answer, "
            "not as the message's reasoning_content.",
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Run on the first N problems only.")
    ] = None,
    executor: Annotated[
        ExecutorName | None,
        typer.Option(
            "--executor",
            help="Where verification runs: local (this machine) or ray (a Ray cluster: the "
            "config's executor.address, else RAY_ADDRESS, else one started here).",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Send nothing: print the requests, tokens and cost the run could take.",
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON (stats.json) for scripts.")
    ] = False,
) -> None:
    """Generate, verify and export: problems in, a verified dataset out, in RUN_DIR/output
    (a Hub-ready folder: README.md, JSONL and Parquet). Reruns resume."""
    overrides: dict[str, Any] = {}
    if problems:
        overrides["problems"] = [str(path) for path in problems]
    if skip_invalid is not None:
        overrides["skip_invalid"] = skip_invalid
    if k is not None:
        overrides["k"] = k
    if budget is not None:
        overrides["budget"] = budget
    if run_dir is not None:
        overrides["run_dir"] = str(run_dir)
    if model is not None:
        overrides["teachers"] = [{"name": model, "model": model}]
    if backend is not None:
        overrides["verifiers.code.options.backend"] = backend
    if inline_reasoning is not None:
        overrides["inline_reasoning"] = inline_reasoning
    if executor is not None:
        overrides["executor.name"] = executor
    try:
        config = load_config(config_path, overrides)
        loaded, skipped = load_run_problems(config)
        if limit is not None:
            loaded = loaded[:limit]
        if dry_run:
            _dry_run(config, loaded, as_json)
            return
        slots = build_teachers(config)
        _replay_coverage(slots, loaded)
        for slot in slots:
            if isinstance(slot.teacher, OpenAITeacher):
                slot.teacher.preflight()
    except (ConfigError, RowError, TeacherError) as error:
        raise _fail(str(error)) from error
    if not config.teachers:
        err.print(
            "No teacher configured: the offline [bold]replay teacher[/bold] answers the bundled "
            "problems from bundled transcripts (some deliberately wrong). Set `teachers` in a "
            "config (`factory init`) or pass --model to use a real endpoint.",
            highlight=False,
        )
    if skipped:
        err.print(f"skipped {skipped} invalid problem rows (--skip-invalid)")
    err.print(
        f"{len(loaded)} problems, k={config.k}, budget={config.budget}; "
        f"run store {config.run_dir / FILENAME}",
        highlight=False,
    )
    try:
        verifiers = open_verifiers(config, loaded)
    except (
        ConfigError,
        VerifierNotFound,
        SandboxUnavailable,
        ValueError,
        ExecutorUnavailable,
    ) as error:
        raise _fail(str(error)) from error  # ValueError: an option the verifier refused
    for domain, reason in verifiers.skipped.items():
        err.print(
            f"[red]skipping the {domain} problems[/red] (no request is sent for them): "
            f"{escape(reason)}",
            highlight=False,
            soft_wrap=True,
        )
    running = sum(n for domain, n in loaded.domains.items() if domain not in verifiers.skipped)
    try:
        with reporting(err) as progress:

            def on_change(live: Live) -> None:
                progress.stage("problems", live.problems_done, running, describe(live))

            def on_inject(done: int, total: int) -> None:
                progress.stage("inject", done, total, "traces")

            stats = execute(config, loaded, slots, verifiers, on_change, on_inject)
    except (RunLocked, StoreUnusable, TeacherRefused) as error:
        raise _fail(str(error)) from error
    except KeyboardInterrupt:
        err.print(
            f"interrupted: every answer so far is kept in {config.run_dir / FILENAME}; "
            "rerun the same command to resume"
        )
        raise typer.Exit(130) from None
    if as_json:
        print(stats.model_dump_json(indent=2))
    else:
        for table in summary_tables(stats):
            out.print(table)
    if stats.damaged:
        tables = ", ".join(f"{table} {n}" for table, n in stats.damaged.items())
        err.print(
            f"damaged rows dropped from the run store ({tables}): damaged responses were asked "
            "again and their problems judged again",
            markup=False,
            soft_wrap=True,
        )
    for failure in stats.request_errors[:5]:
        err.print(f"  failed request: {failure}", highlight=False, markup=False, soft_wrap=True)
    err.print(f"dataset in {output_dir(config)}", highlight=False)
    if stats.incomplete:
        for reason, count in stats.awaiting_verification.items():
            err.print(
                f"{count} traces awaiting verification: {reason}", markup=False, soft_wrap=True
            )
        for domain in stats.skipped_domains:
            err.print(f"{domain} problems skipped: their verifier does not work here", markup=False)
        err.print(
            "incomplete run: fix the above and rerun the same command; it judges what waits "
            "and pays for nothing twice",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(INCOMPLETE)
    verified = stats.tally.passed  # a teacher's traces: sft may also hold human solutions
    if stats.request_errors or verified == 0:
        failed = len(stats.request_errors)
        kinds = ", ".join(f"{count} {kind}" for kind, count in stats.failed.items())
        then = (
            "a rerun asks the failed requests again"
            if failed
            else "see the rejections by reason in the summary"
        )
        err.print(
            f"run ended with {failed} failed requests{f' ({kinds})' if kinds else ''} and "
            f"{verified} verified traces: see above; {then}",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(UNPRODUCTIVE)


def init(
    path: Annotated[Path, typer.Argument(help="Where to write the example config.")] = Path(
        "factory.yaml"
    ),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented example run config."""
    if path.exists() and not force:
        raise _fail(f"{path} exists; pass --force to overwrite it")
    try:
        path.write_text(EXAMPLE, encoding="utf-8")
    except OSError as error:
        fix = (
            f"create the folder first (mkdir -p {path.parent})"
            if not path.parent.exists()
            else "choose a path you may write"
        )
        raise _fail(f"cannot write {path}: {error.strerror or error}; fix: {fix}") from error
    out.print(f"wrote {path}; run it with: factory run --config {path}", highlight=False)


def _describe(point: EntryPoint) -> tuple[str, str, str]:
    """Version, domain and package of a plugin: read from its factory (a class names them), else
    from a verifier it builds with no options and closes at once."""
    package = f"{point.dist.name} {point.dist.version}" if point.dist else "?"
    try:
        target = point.load()
        if not (hasattr(target, "version") and hasattr(target, "domain")):
            target = target({})
            target.close()
    except Exception as error:  # a broken plugin is listed, with why, not fatal
        return f"cannot load: {error}", "?", package
    return str(target.version), str(target.domain), package


@verifiers_app.command("list")
def list_verifiers() -> None:
    """Name, version, domain and entry point of every verifier plugin installed."""
    table = Table("name", "version", "domain", "entry point", "package")
    table.columns[3].overflow = "fold"  # an import path is no use cut short
    for name, point in sorted(installed().items()):
        version, domain, package = _describe(point)
        table.add_row(name, version, domain, point.value, package)
    out.print(table)
