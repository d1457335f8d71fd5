"""`report.html`: one self-contained page (no script, no fetch: it opens offline) showing a run's
funnel, pass rates, rejections, verification times, costs, injection and synthesis, review
agreement and its records, with the plots drawn as inline SVG."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from factory.export import write_text
from factory.html import environment
from factory.report_charts import (
    Chart,
    agreement,
    counts,
    funnels,
    pass_rates,
    teacher_costs,
    verify_times,
)
from factory.review import DEFAULT_PORT
from factory.review.model import Decision
from factory.review.rows import Row, trace_rows
from factory.stats import RunStats
from factory.store import Store

FILENAME = "report.html"
TABLE_ROWS = 1000  # records listed in the table at most


@dataclass(frozen=True)
class Facts:
    """What the report reads from the run store, gathered while it is open."""

    domains: dict[str, str]  # problem id -> domain
    requests: dict[str, int]  # problem id -> requests stored
    rows: list[Row]
    decisions: dict[str, Decision]


def gather(store: Store) -> Facts:
    problems = {problem.id: problem for problem in store.problems()}
    return Facts(
        domains={pid: problem.domain for pid, problem in problems.items()},
        requests=store.requests_by_problem(),
        rows=list(trace_rows(store, problems)),
        decisions=store.decisions(),
    )


def charts(facts: Facts, stats: RunStats | None) -> list[tuple[str, list[Chart]]]:
    """The report's sections, each a heading and its plots (empty sections are left out)."""
    rows = facts.rows
    rejected = Counter(r.reason or "unknown" for r in rows if r.kind == "rejected")
    sections = [
        ("Funnel", funnels(rows, facts.domains, facts.requests, facts.decisions, stats)),
        (
            "Pass rate",
            [
                pass_rates("by domain", rows, lambda r: r.domain),
                pass_rates("by source", rows, lambda r: r.source),
                pass_rates("by topic", rows, lambda r: r.topic),
                pass_rates("by teacher", rows, lambda r: r.teacher),
                pass_rates("by difficulty (level)", rows, lambda r: r.level),
            ],
        ),
        ("Rejection reasons", [counts("rejected traces by first failed check", rejected)]),
        ("Verification time", verify_times(rows)),
    ]
    if stats is not None:
        sections.append(("Cost", teacher_costs(stats)))
        if stats.corrections:
            sections.append(
                ("Injection", [counts("correction rows by origin/operator", stats.corrections)])
            )
        if stats.synthesized:
            sections.append(("Synthesis", [counts("new problems by decision", stats.synthesized)]))
    return [(title, [c for c in made if c.bars]) for title, made in sections if made]


def render(facts: Facts, stats: RunStats | None) -> str:
    """The page; its record links open them in `factory review` on its default port."""
    agreed, overall = agreement(facts.rows, facts.decisions)
    decided = {record_id: decision.decision for record_id, decision in facts.decisions.items()}
    return (
        environment()
        .get_template("report.html")
        .render(
            stats=stats,
            sections=charts(facts, stats),
            agreement=agreed,
            agreement_text=overall,
            rows=facts.rows[:TABLE_ROWS],
            total_rows=len(facts.rows),
            decided=decided,
            review=f"http://127.0.0.1:{DEFAULT_PORT}",
        )
    )


def write_report(facts: Facts, stats: RunStats | None, out_dir: Path) -> Path:
    path = out_dir / FILENAME
    write_text(path, render(facts, stats))
    return path
