"""The gates stage over a run's record stream (records as the store keeps them, decoded, each
problem's records together: its teacher traces, preferences, then its human solution).

Two passes over the same stream: `decide` judges every record and yields a `FilteredRow` for
each one left out (and the mix's choices at the end); `keep` then passes on the rest and counts
the diversity figures. Between records it keeps ids and hashes, never texts: one problem's
records at a time, the kept problems' shingle sets, and one small entry per SFT row for the mix.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from itertools import groupby
from typing import Any

from factory.filtered import FilteredRow
from factory.inject.output import Injected
from factory.stages.gates.decontaminate import Benchmarks
from factory.stages.gates.dedup import ProblemIndex, Text, as_text, cluster
from factory.stages.gates.diversity import Figures, rate_bin
from factory.stages.gates.mix import Candidate, candidate, left_out, plan
from factory.stages.gates.model import GatesConfig, GatesReport, MixReport
from factory.stages.gates.text import Shape
from problems import Problem

Stored = dict[str, Any]  # a record's stored JSON, decoded


def origin(record: Stored) -> str:
    """Where a record's answer came from; records stored before origins existed are a teacher's."""
    return str(record.get("origin") or "synthetic")


def answers(record: Stored) -> list[str]:
    """The assistant texts of a record (both sides of a preference), reasoning included."""
    if record["kind"] == "preference":
        return [turns[-1]["content"] for turns in (record["chosen"], record["rejected"]) if turns]
    reasoning = record.get("reasoning")
    text = record["messages"][-1]["content"]
    return [f"{reasoning}\n{text}" if reasoning else text]


class Gates:
    """The gates of one export: `decide`, then `keep`, then `report`."""

    def __init__(
        self,
        settings: GatesConfig,
        problems: Mapping[str, Problem],
        benchmarks: Benchmarks | None,
    ) -> None:
        self.settings = settings
        self.problems = problems
        self.benchmarks = benchmarks if settings.decontaminate.enabled else None
        self.index = ProblemIndex(settings.dedup)
        self.dropped: set[str] = set()
        self.removed: Counter[str] = Counter()
        self.topics: Counter[str] = Counter()  # SFT rows kept per topic, for its cap
        self.rows: dict[str, list[Candidate]] = {"synthetic": [], "human": []}
        self.pass_rates: Counter[str] = Counter()
        self.mixed: MixReport | None = None
        self.figures = Figures()
        # Problems left out whole (contaminated, a duplicate problem): their corrections go too.
        self.whole: dict[str, tuple[str, dict[str, str], str | None]] = {}
        self.corrected: Injected | None = None

    def decide(self, stored: Iterable[Stored]) -> Iterator[FilteredRow]:
        """Judge every record; yield the filtered row of each left out."""
        for problem_id, group in groupby(stored, key=lambda record: str(record["problem_id"])):
            yield from self._problem(problem_id, list(group))
        yield from self._mix()

    def _drop(self, record: Stored, reason: str, evidence: dict[str, str],
              kept_id: str | None = None) -> FilteredRow:  # fmt: skip
        self.dropped.add(record["id"])
        self.removed[reason] += 1
        return FilteredRow(
            id=record["id"],
            kind=record["kind"],
            problem_id=record["problem_id"],
            reason=reason,
            evidence=evidence,
            kept_id=kept_id,
        )

    def _problem(self, problem_id: str, records: list[Stored]) -> Iterator[FilteredRow]:
        self._count_pass_rate(records)
        problem = self.problems.get(problem_id)
        if problem is not None:
            whole = self._problem_gate(problem)
            if whole is not None:
                reason, evidence, kept_id = whole
                self.whole[problem_id] = whole
                for record in records:
                    yield self._drop(record, reason, evidence, kept_id)
                return
        sft: list[Text] = []
        kept: list[Stored] = []
        shingle = self.settings.dedup.shingle
        for record in records:
            if origin(record) == "human" and record["kind"] == "rejected":
                yield self._drop(record, "human_failed", {"reason": record.get("reason") or ""})
                continue
            shapes = [(text, Shape(text, shingle)) for text in answers(record)]
            hit = self._contamination(shapes)
            if hit is not None:
                yield self._drop(record, "contaminated", {"on": "solution", **hit})
                continue
            if record["kind"] == "verified":
                kept.append(record)
                sft.append(as_text(record["id"], shapes[0][1]))
        yield from self._dedup(kept, sft)
        yield from self._caps(problem, [r for r in kept if r["id"] not in self.dropped])

    def _problem_gate(self, problem: Problem) -> tuple[str, dict[str, str], str | None] | None:
        """Why every record of this problem is left out (its statement is a benchmark item's,
        or a kept problem's), if it is."""
        shape = Shape(problem.statement, self.settings.dedup.shingle)
        if self.benchmarks is not None:
            hit = self.benchmarks.hit(problem.statement, shape)
            if hit is not None:
                return "contaminated", {"on": "problem", **hit.evidence()}, None
        if self.settings.dedup.enabled:
            duplicate = self.index.check(problem.id, problem.statement, shape)
            if duplicate is not None:
                return f"{duplicate.reason}_problem", duplicate.evidence(), duplicate.kept_id
        return None

    def _contamination(self, shapes: list[tuple[str, Shape]]) -> dict[str, str] | None:
        if self.benchmarks is None:
            return None
        for text, shape in shapes:
            hit = self.benchmarks.hit(text, shape)
            if hit is not None:
                return hit.evidence()
        return None

    def _dedup(self, sft: list[Stored], texts: list[Text]) -> Iterator[FilteredRow]:
        if not self.settings.dedup.enabled or len(sft) < 2:
            return
        duplicates = cluster(texts, self.settings.dedup.threshold)
        for record in sft:
            found = duplicates.get(record["id"])
            if found is not None:
                yield self._drop(record, found.reason, found.evidence(), found.kept_id)

    def _caps(self, problem: Problem | None, sft: list[Stored]) -> Iterator[FilteredRow]:
        caps = self.settings.caps
        topic = (problem.topic if problem is not None else None) or "unknown"
        ranks: Counter[str] = Counter()
        for position, record in enumerate(sft):
            if caps.per_problem is not None and position >= caps.per_problem:
                limit = {"cap": "per_problem", "limit": str(caps.per_problem)}
                yield self._drop(record, "cap", limit)
                continue
            if caps.per_topic is not None and self.topics[topic] >= caps.per_topic:
                limit = {"cap": "per_topic", "topic": topic, "limit": str(caps.per_topic)}
                yield self._drop(record, "cap", limit)
                continue
            self.topics[topic] += 1
            source = origin(record)
            if source in self.rows:
                self.rows[source].append(candidate(record["id"], record["problem_id"],
                                                   ranks[source]))  # fmt: skip
                ranks[source] += 1

    def _count_pass_rate(self, records: list[Stored]) -> None:
        """The problem's difficulty: the verified share of its judged teacher traces."""
        judged = [r for r in records if r["kind"] != "preference" and origin(r) == "synthetic"]
        if judged:
            passed = sum(1 for r in judged if r["kind"] == "verified")
            self.pass_rates[rate_bin(passed / len(judged))] += 1

    def _mix(self) -> Iterator[FilteredRow]:
        synthetic, human = self.rows["synthetic"], self.rows["human"]
        if not self.settings.mix.human:
            return
        chosen = plan(len(synthetic), len(human), self.settings.mix.synthetic_share)
        self.mixed = chosen.report
        evidence = {
            "target_share": str(chosen.report.target),
            "synthetic_kept": str(chosen.synthetic),
            "human_kept": str(chosen.human),
        }
        for rows, keep in ((synthetic, chosen.synthetic), (human, chosen.human)):
            for row in left_out(rows, keep):
                record = {"id": row.id, "kind": "verified", "problem_id": row.problem_id}
                yield self._drop(record, "mix", evidence)
        self.rows = {"synthetic": [], "human": []}

    def corrections(self, injected: Injected) -> Iterator[FilteredRow]:
        """After `decide`: the corrections (and their pairs) of problems left out whole, as
        filtered rows; the rest become `corrected`."""
        kept_rows, kept_pairs = [], []
        for row in injected.corrections:
            if row.problem_id in self.whole:
                reason, evidence, kept_id = self.whole[row.problem_id]
                record = {"id": row.id, "kind": "correction", "problem_id": row.problem_id}
                yield self._drop(record, reason, evidence, kept_id)
            else:
                kept_rows.append(row)
        for pair in injected.preferences:
            if pair.problem_id in self.whole:
                reason, evidence, kept_id = self.whole[pair.problem_id]
                record = {"id": pair.id, "kind": "preference", "problem_id": pair.problem_id}
                yield self._drop(record, reason, evidence, kept_id)
            else:
                kept_pairs.append(pair)
        self.corrected = Injected(kept_rows, kept_pairs)

    def keep(self, stored: Iterable[Stored]) -> Iterator[Stored]:
        """The records not left out, in order, counted for the diversity figures."""
        for record in stored:
            if record["id"] in self.dropped:
                continue
            if record["kind"] == "verified":
                problem = self.problems.get(record["problem_id"])
                self.figures.row(
                    record["problem_id"],
                    problem.statement if problem is not None else None,
                    (problem.topic if problem is not None else None) or "unknown",
                    problem.source if problem is not None else "unknown",
                    origin(record),
                    answers(record)[0],
                )
            yield record

    def report(self) -> GatesReport:
        return GatesReport(
            removed=dict(self.removed.most_common()),
            benchmarks=dict(self.benchmarks.sizes) if self.benchmarks is not None else {},
            mix=self.mixed,
            diversity=self.figures.report(self.pass_rates),
        )
