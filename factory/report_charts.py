"""The report's plots as data: bars with a label, a value and the text shown beside them.
Plain functions from what a run stored (and its stats) to charts; `report_html` draws them."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from factory.review.model import Decision
from factory.review.rows import Row
from factory.stats import RunStats

WIDTH = 230  # pixels of the longest bar


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    width: float = 0.0  # pixels, set by `chart`


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    note: str = ""


def chart(title: str, bars: Sequence[Bar], note: str = "") -> Chart:
    """Bars scaled so the longest is WIDTH pixels (a bar of 0 is a hairline)."""
    top = max((bar.value for bar in bars), default=0.0)
    scaled = [
        Bar(b.label, b.value, b.text, round(b.value / top * WIDTH, 1) if top > 0 else 0.0)
        for b in bars
    ]
    return Chart(title, scaled, note)


def counts(title: str, counted: Mapping[str, int]) -> Chart:
    ordered = sorted(counted.items(), key=lambda item: (-item[1], item[0]))
    return chart(title, [Bar(label, n, str(n)) for label, n in ordered])


def _rate(passed: int, total: int) -> str:
    return f"{passed}/{total} ({passed / total:.0%})" if total else "0/0"


def pass_rates(title: str, rows: Iterable[Row], key: Callable[[Row], str]) -> Chart:
    """Share of judged traces that verified, per group."""
    total: Counter[str] = Counter()
    passed: Counter[str] = Counter()
    for row in rows:
        total[key(row)] += 1
        passed[key(row)] += row.kind == "verified"
    bars = [
        Bar(group, passed[group] / total[group], _rate(passed[group], total[group]))
        for group in sorted(total)
    ]
    return chart(title, bars)


def funnels(
    rows: Sequence[Row],
    problems: Mapping[str, str],
    requests: Mapping[str, int],
    decisions: Mapping[str, Decision],
    stats: RunStats | None,
) -> list[Chart]:
    """Per domain: problems, requests, judged traces, verified, verified after review, and the
    rows the last export wrote (`problems` maps a problem id to its domain)."""
    out = []
    for domain in sorted(set(problems.values())):
        verified = [r for r in rows if r.domain == domain and r.kind == "verified"]
        kept = [r for r in verified if _decided(decisions, r.id) != "reject"]
        exported = stats.by_domain[domain].passed if stats and domain in stats.by_domain else 0
        steps = [
            ("problems", sum(1 for d in problems.values() if d == domain)),
            ("requests", sum(n for p, n in requests.items() if problems.get(p) == domain)),
            ("traces judged", sum(1 for r in rows if r.domain == domain)),
            ("verified", len(verified)),
            ("after review", len(kept)),
            ("exported (sft)", exported),
        ]
        out.append(chart(f"funnel: {domain}", [Bar(s, n, str(n)) for s, n in steps]))
    return out


def _decided(decisions: Mapping[str, Decision], record_id: str) -> str | None:
    decision = decisions.get(record_id)
    return None if decision is None else decision.decision


# Upper bounds (seconds) of the verification-time bins; the last bin has none.
BINS = (0.01, 0.1, 1.0, 10.0)


def _bin(seconds: float) -> str:
    for bound, label in zip(BINS, ("< 10 ms", "10-100 ms", "0.1-1 s", "1-10 s"), strict=True):
        if seconds < bound:
            return label
    return ">= 10 s"


def verify_times(rows: Sequence[Row]) -> list[Chart]:
    """How long each verifier took per trace, binned by decade, with the median."""
    by_verifier: defaultdict[str, list[float]] = defaultdict(list)
    for row in rows:
        by_verifier[row.verifier].append(row.seconds)
    out = []
    for verifier, seconds in sorted(by_verifier.items()):
        binned = Counter(_bin(s) for s in seconds)
        labels = ["< 10 ms", "10-100 ms", "0.1-1 s", "1-10 s", ">= 10 s"]
        note = f"{len(seconds)} traces, median {statistics.median(seconds):.3f} s"
        bars = [Bar(label, binned[label], str(binned[label])) for label in labels]
        out.append(chart(f"verification time: {verifier}", bars, note))
    return out


def teacher_costs(stats: RunStats) -> list[Chart]:
    """Tokens, and money where priced, per verified trace of each teacher."""
    tokens, money = [], []
    for teacher in stats.teachers:
        passed = teacher.tally.passed
        used = teacher.tokens.prompt_tokens + teacher.tokens.completion_tokens
        if passed:
            tokens.append(Bar(teacher.name, used / passed, f"{used / passed:,.0f}"))
            if teacher.cost is not None:
                each = teacher.cost / passed
                money.append(Bar(teacher.name, each, f"{each:.5f}"))
    charts = [chart("tokens per verified trace, by teacher", tokens)]
    if money:
        charts.append(chart("cost per verified trace, by teacher", money))
    return charts


def agreement(rows: Sequence[Row], decisions: Mapping[str, Decision]) -> tuple[Chart, str]:
    """Reviewer vs verifier, per verifier label: the share of decided records the reviewer
    accepted (the label holds), and the overall figure."""
    decided: Counter[str] = Counter()
    accepted: Counter[str] = Counter()
    for row in rows:
        verdict = _decided(decisions, row.id)
        if verdict in ("accept", "reject"):
            decided[row.kind] += 1
            accepted[row.kind] += verdict == "accept"
    bars = [
        Bar(kind, accepted[kind] / decided[kind], _rate(accepted[kind], decided[kind]))
        for kind in sorted(decided)
    ]
    total = sum(decided.values())
    overall = (
        f"the reviewer agreed with the verifier on {_rate(sum(accepted.values()), total)} "
        "of the records decided"
        if total
        else "no record reviewed yet"
    )
    return chart("reviewer agrees with the verifier, by verifier label", bars), overall
