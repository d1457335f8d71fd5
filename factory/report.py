"""What a run shows: the live counts its progress carries, and tables at the end."""

from __future__ import annotations

from rich.table import Table

from factory.pipeline import Live
from factory.stats import RunStats


def describe(live: Live) -> str:
    judged = live.passed + sum(live.rejected.values())
    rate = f"{live.passed / judged:.0%}" if judged else "-"
    parts = [
        f"{live.traces} traces",
        f"{live.passed} verified",
        f"{rate} accepted",
        f"{live.in_flight} in flight",
        f"{live.tokens} tokens",
    ]
    if live.cached:
        parts.append(f"{live.cached} from the store")
    if live.errors:
        parts.append(f"[red]{live.errors} failed requests[/red]")
    if live.pending:
        parts.append(f"[yellow]{live.pending} awaiting verification[/yellow]")
    return " · ".join(parts)


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1%}"


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def summary_tables(stats: RunStats) -> list[Table]:
    """The run at a glance, then teachers and stages with cost per verified trace."""
    overview = Table("", "value", title="run summary", show_header=False)
    domains = ", ".join(f"{n} {d}" for d, n in sorted(stats.problems_by_domain.items()))
    overview.add_row("problems", f"{stats.problems} ({domains})")
    overview.add_row(f"  with {stats.k} verified", str(stats.problems_with_k))
    overview.add_row("  with none verified", str(stats.problems_unsolved))
    overview.add_row("traces", str(stats.tally.traces))
    overview.add_row("passed", f"{stats.tally.passed} ({_percent(stats.tally.acceptance_rate)})")
    for domain, tally in stats.by_domain.items():
        overview.add_row(f"  {domain}", f"{tally.passed}/{tally.traces}")
    overview.add_row("rejected", str(stats.tally.traces - stats.tally.passed))
    for reason, count in stats.rejected_by_reason.items():
        overview.add_row(f"  {reason}", str(count))
    overview.add_row("failed requests", str(len(stats.request_errors)))
    for cause, count in stats.failed.items():
        overview.add_row(f"  {cause}", str(count))
    overview.add_row("retried attempts", str(sum(stats.retried.values())))
    for cause, count in stats.retried.items():
        overview.add_row(f"  {cause}", str(count))
    awaiting = sum(stats.awaiting_verification.values())
    if awaiting:
        overview.add_row("awaiting verification", f"{awaiting} (rerun to judge them)")
        for reason, count in stats.awaiting_verification.items():
            overview.add_row(f"  {reason}", str(count))
    for domain, reason in stats.skipped_domains.items():
        overview.add_row(f"skipped: {domain}", reason)
    tokens = stats.tokens
    overview.add_row(
        "tokens",
        f"{tokens.prompt_tokens} prompt, {tokens.completion_tokens} completion "
        f"({tokens.reasoning_tokens} reasoning)",
    )
    overview.add_row("cost", _money(stats.cost) if stats.cost is not None else "no prices set")
    overview.add_row("records", ", ".join(f"{n} {name}" for name, n in stats.records.items()))
    if stats.gates is not None:
        removed = stats.gates.removed
        overview.add_row("filtered by the gates", str(sum(removed.values())))
        for reason, count in removed.items():
            overview.add_row(f"  {reason}", str(count))
        mix = stats.gates.mix
        if mix is not None:
            share = "-" if mix.share is None else f"{mix.share:.1%}"
            met = "exact" if mix.exact else f"not met: {mix.note}"
            overview.add_row(
                "human mix",
                f"{mix.synthetic} synthetic, {mix.human} human: {share} synthetic "
                f"(target {mix.target:.0%}, {met})",
            )
    overview.add_row("time", f"{stats.seconds:.1f}s")

    teachers = Table(
        "teacher", "model", "requests", "new", "traces", "passed", "rate", "tokens", "cost",
        title="teachers (new: paid for in this invocation; the rest came from the store)",
    )  # fmt: skip
    for t in stats.teachers:
        teachers.add_row(
            t.name,
            t.model,
            str(t.requests),
            str(t.paid_now),
            str(t.tally.traces),
            str(t.tally.passed),
            _percent(t.tally.acceptance_rate),
            str(t.tokens.prompt_tokens + t.tokens.completion_tokens),
            _money(t.cost),
        )

    stages = Table(
        "stage", "busy s", "tokens", "tokens / verified", "cost / verified", title="stages"
    )
    for s in stats.stages:
        stages.add_row(
            s.stage,
            f"{s.seconds:.2f}",
            "-" if s.tokens is None else str(s.tokens),
            "-" if s.tokens_per_verified is None else f"{s.tokens_per_verified:.0f}",
            _money(s.cost_per_verified),
        )
    return [overview, teachers, stages]
