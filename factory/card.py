"""The output folder's README.md: a Hugging Face dataset card that `datasets` loads the folder by.

Its front matter names a config per file with rows and declares each file's schema as
`dataset_info` features, so `load_dataset(OUTPUT_DIR, CONFIG)` gives the same types from JSONL
as from Parquet, whatever values a run happened to lack.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from factory.config import ExportFormat
from factory.export import DATASETS, schema, write_text
from factory.filtered import FILTERED, filtered_schema
from factory.inject.output import CORRECTIONS, PREFERENCES, correction_schema
from factory.stats import RunStats

CARD = "README.md"
WHAT: dict[str, str] = {
    "sft": "chat `messages`: the problem, then a verified solution",
    "rejected": "traces the verifier proved wrong or could not parse, with the `reason`",
    "preferences": "`prompt`, `chosen` (verified) and `rejected` (proven wrong) for one problem",
    CORRECTIONS: "SFT `messages` whose answer makes a mistake, catches it and fixes it",
    PREFERENCES: "a corrected example (`chosen`) against its wrong branch carried to a final "
    "answer proven wrong (`rejected`)",
    FILTERED: "records the quality gates left out (duplicates, benchmark contamination, the "
    "human-data mix, caps, failed human solutions), with the `reason` and the `evidence`",
}
FIELDS: dict[str, str] = {
    "id": "stable row id (a hash of what the row is made of)",
    "problem_id": "the problem's id in its source file",
    "domain": "`math` or `code`",
    "messages": "the conversation; the assistant turn's `reasoning_content` is the teacher's "
    "separate reasoning, null where it returned none",
    "prompt": "the conversation before the answer",
    "chosen": "the verified (or corrected) assistant turn",
    "rejected": "the proven-wrong assistant turn",
    "reason": "why the losing trace failed: `format`, or the first failed check as check:outcome",
    "verdicts": "the verifier's verdicts with their evidence (check, outcome, index, reason, "
    "details as key/value pairs)",
    "provenance": "per trace used: teacher, model, sampling (with seed), prompt hash, usage, "
    "problem source and license, lineage, tests hash, verifier and version, sandbox and image",
    "origin": "where the answer came from: `synthetic` (a teacher), `human` (a reference "
    "solution, verified) or `corrected` (a corrected mistake); in corrections, where the mistake "
    "came from (real, injected, teacher)",
    "operator": "the mistake made (e.g. arithmetic slip, off-by-one)",
    "position": "the step or line the mistake is in",
    "wrong": "the mistaken text",
    "corrected": "the text that fixes it",
    "check": "the check written after the mistake that catches it",
    "refutation": "the verifier's evidence against the mistake",
    "uncorrected": "the mistake's branch carried to its own final answer, proven wrong (null "
    "when it reaches none)",
}
# Where a file's column means something else than the same name elsewhere.
FILE_FIELDS: dict[str, dict[str, str]] = {
    FILTERED: {
        "id": "the left-out record's id (its row in the run store)",
        "kind": "the record's kind: verified, rejected or preference",
        "reason": "which gate: `duplicate`, `near_duplicate`, `duplicate_problem`, "
        "`near_duplicate_problem`, `contaminated`, `cap`, `mix`, `human_failed`",
        "evidence": "key/value pairs: similarity, benchmark, item, method and overlapping span, "
        "cap or target share",
        "kept_id": "the record (or problem) kept in its place, for a duplicate",
    }
}
_SCALAR_NAMES = {pa.string(): "string", pa.int64(): "int64", pa.float64(): "float64"}


def schemas() -> dict[str, pa.Schema]:
    """Every output file's schema, by file name."""
    return {
        **{name: schema(kind) for kind, name in DATASETS.items()},
        CORRECTIONS: correction_schema(),
        PREFERENCES: schema("preference"),
        FILTERED: filtered_schema(),
    }


def _inner(kind: pa.DataType) -> Any:
    """A type as a `datasets` YAML feature's value: a dtype name, or a list of fields."""
    if pa.types.is_struct(kind):
        return [{"name": f.name, **_feature(f.type)} for f in kind]
    if kind == pa.bool_():
        return "bool"
    if kind in _SCALAR_NAMES:
        return _SCALAR_NAMES[kind]
    raise TypeError(f"no card feature for {kind}")


def _feature(kind: pa.DataType) -> dict[str, Any]:
    if pa.types.is_list(kind):
        return {"list": _inner(kind.value_type)}
    if pa.types.is_struct(kind):
        return {"struct": _inner(kind)}
    return {"dtype": _inner(kind)}


def features(shape: pa.Schema) -> list[dict[str, Any]]:
    """A schema as `dataset_info` features, as `datasets.Features._to_yaml_list` writes them."""
    return [{"name": f.name, **_feature(f.type)} for f in shape]


def _short(kind: pa.DataType) -> str:
    if pa.types.is_list(kind):
        return f"list of {_short(kind.value_type)}"
    if pa.types.is_struct(kind):
        return "{" + ", ".join(f.name for f in kind) + "}"
    return str(_inner(kind))


def size_category(rows: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if rows < limit:
            return name
    return "100K<n<1M" if rows < 1_000_000 else "1M<n<10M"


def _license(stats: RunStats) -> str:
    named = sorted(stats.licenses)
    return named[0].lower() if len(named) == 1 and named[0] != "unknown" else "other"


def front_matter(stats: RunStats, formats: Sequence[ExportFormat]) -> dict[str, Any]:
    """A config per file with rows (Parquet when written: typed and fast), sft the default;
    `datasets` cannot load a file of 0 rows, so those get none."""
    extension = "parquet" if "parquet" in formats else "jsonl"
    shapes = schemas()
    names = [name for name in shapes if stats.records.get(name, 0) > 0]
    return {
        "license": _license(stats),
        "language": ["en"],
        "task_categories": ["text-generation"],
        "size_categories": [size_category(sum(stats.records.values()))],
        "pretty_name": "Verified reasoning traces",
        "tags": ["reasoning", "verified", "synthetic", "math", "code", "sft", "dpo"],
        "configs": [
            {
                "config_name": name,
                "data_files": [{"split": "train", "path": f"{name}.{extension}"}],
                **({"default": True} if name == "sft" else {}),
            }
            for name in names
        ],
        "dataset_info": [
            {
                "config_name": name,
                "features": features(shapes[name]),
                "splits": [{"name": "train", "num_examples": stats.records[name]}],
            }
            for name in names
        ],
    }


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1%}"


def _schema_section(name: str, shape: pa.Schema) -> list[str]:
    return [
        f"### {name}",
        "",
        "| field | type | meaning |",
        "| --- | --- | --- |",
        *(
            f"| `{f.name}` | {_short(f.type)} | "
            f"{FILE_FIELDS.get(name, {}).get(f.name, FIELDS.get(f.name, ''))} |"
            for f in shape
        ),
        "",
    ]


USAGE = """\
```python
from datasets import load_dataset
from trl import DPOConfig, DPOTrainer, SFTConfig, SFTTrainer

sft = load_dataset("PATH_OR_REPO", "sft", split="train")
SFTTrainer(model="Qwen/Qwen2.5-0.5B-Instruct", train_dataset=sft, args=SFTConfig("out")).train()

pairs = load_dataset("PATH_OR_REPO", "preferences", split="train")
DPOTrainer(model="Qwen/Qwen2.5-0.5B-Instruct", train_dataset=pairs, args=DPOConfig("out")).train()
```

A loose JSONL file keeps its types when given the schema of its Parquet twin:
`load_dataset("json", data_files="sft.jsonl", features=Features.from_arrow_schema(
pyarrow.parquet.read_schema("sft.parquet")))`."""


def _corrections(stats: RunStats) -> list[str]:
    """Corrected-mistake rows by origin (real, injected, teacher) and operator."""
    if not stats.corrections:
        return []
    rows = [key.split("/", 1) for key in stats.corrections]
    return [
        "Corrections by origin and operator:",
        "",
        "| origin | operator | rows |",
        "| --- | --- | --- |",
        *(f"| {o} | {op} | {stats.corrections[f'{o}/{op}']} |" for o, op in rows),
        "",
    ]


def _synthesized(stats: RunStats) -> list[str]:
    """New problems (`synthesize:`): kept and rejected by reason, and by operator chain."""
    if not stats.synthesized:
        return []
    decided = stats.synthesized
    operators = stats.synthesized_by_operator

    def rejected(counts: dict[str, int]) -> str:
        shown = [f"{k} {n}" for k, n in counts.items() if k not in ("accepted", "unjudged")]
        return ", ".join(shown) or "-"

    return [
        f"New problems: {sum(decided.values())} synthesized from the loaded ones, "
        f"{decided.get('accepted', 0)} kept (each proven before it was solved: math by agreeing "
        "independent solutions with no refuted step, code by a reference passing tests that kill "
        "its mutants and an agreeing independent solution); they are among the problems above.",
        "",
        "| decision | candidates |",
        "| --- | --- |",
        *(f"| {'' if k in ('accepted', 'unjudged') else 'rejected: '}{k} | {n} |"
          for k, n in decided.items()),
        "",
        "| operator | accepted | rejected | rejected by reason |",
        "| --- | --- | --- | --- |",
        *(f"| {chain} | {counts.get('accepted', 0)} | "
          f"{sum(n for k, n in counts.items() if k not in ('accepted', 'unjudged'))} | "
          f"{rejected(counts)} |" for chain, counts in operators.items()),
        "",
    ]  # fmt: skip


def _gates(stats: RunStats) -> list[str]:
    """What the quality gates removed, the human-data mix, and the diversity figures."""
    gates = stats.gates
    if gates is None:
        return []
    lines = [
        "## Quality gates",
        "",
        "Before export, duplicates (exact and near, of problems and of a problem's verified "
        "traces), benchmark contamination (shared 13-grams or reworded copies of "
        + (", ".join(f"{name} ({n} items)" for name, n in gates.benchmarks.items()) or "none")
        + "), the human-data mix and caps were applied; every record left out is in `filtered`, "
        "with its reason and evidence.",
        "",
        "| removed because | records |",
        "| --- | --- |",
        *(f"| {reason} | {count} |" for reason, count in gates.removed.items()),
        "",
    ]
    mix = gates.mix
    if mix is not None:
        share = "-" if mix.share is None else f"{mix.share:.1%}"
        lines += [
            f"Human-data mix: {mix.synthetic} synthetic and {mix.human} human rows in sft, "
            f"a synthetic share of {share} (target {mix.target:.0%}"
            + (", met exactly)." if mix.exact else f"; not met: {mix.note}).")
            + " Human rows are the problems' reference solutions, verified like any trace.",
            "",
        ]
    d = gates.diversity
    lines += [
        "| diversity of sft | problems | traces |",
        "| --- | --- | --- |",
        f"| distinct-1 | {_ratio(d.distinct_1.get('problems'))} | "
        f"{_ratio(d.distinct_1.get('traces'))} |",
        f"| distinct-2 | {_ratio(d.distinct_2.get('problems'))} | "
        f"{_ratio(d.distinct_2.get('traces'))} |",
        *(
            f"| {label} tokens | {getattr(d.lengths['problems'], field)} | "
            f"{getattr(d.lengths['traces'], field)} |"
            for label, field in (("mean", "mean"), ("min", "min"), ("max", "max"))
        ),
        "",
        "| origin | sft rows |",
        "| --- | --- |",
        *(f"| {name} | {count} |" for name, count in d.by_origin.items()),
        "",
        "| topic | sft rows |",
        "| --- | --- |",
        *(f"| {name} | {count} |" for name, count in d.by_topic.items()),
        "",
        "| teacher pass rate | problems |",
        "| --- | --- |",
        *(f"| {name} | {count} |" for name, count in d.pass_rate.items()),
        "",
    ]
    return lines


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def dataset_card(stats: RunStats, formats: Sequence[ExportFormat]) -> str:
    """README.md: front matter `datasets` and the Hub read, then what a user needs to know."""
    shapes = schemas()
    present = [name for name in shapes if name in stats.records]
    lines = [
        "---",
        yaml.safe_dump(front_matter(stats, formats), sort_keys=False, allow_unicode=True).strip(),
        "---",
        "",
        "# Verified reasoning traces",
        "",
        "Made by reasoning-factory: teacher models wrote step-by-step solutions to math and code "
        "problems, and a verifier kept only those it could prove right.",
        "",
        "## Files",
        "",
        "| config | rows | what |",
        "| --- | --- | --- |",
        *(f"| {name} | {stats.records[name]} | {WHAT[name]} |" for name in present),
        "",
        *_corrections(stats),
        *_synthesized(stats),
        *_gates(stats),
        "Each is written as "
        + " and ".join(f"`CONFIG.{extension}`" for extension in formats)
        + ", with one schema whatever rows a run had.",
        "",
        "## Usage",
        "",
        USAGE,
        "",
        "## Schema",
        "",
        *(line for name in present for line in _schema_section(name, shapes[name])),
        "## Provenance and verification",
        "",
        "Math answers are judged by exact algebra (SymPy) against the reference answer, and every "
        "checkable equation step is checked; code runs against the problem's tests in a sandbox "
        "with no network. A trace enters `sft` only when its verdict is `pass`. Every row carries "
        "its verdicts with their evidence and its provenance: verifier and version, sandbox image "
        "digest, a hash of the tests, teacher model, sampling parameters, prompt hash and seed.",
        "",
        "| | value |",
        "| --- | --- |",
        f"| problems | {stats.problems} |",
        f"| problems with {stats.k} verified trace(s) | {stats.problems_with_k} |",
        f"| problems with none | {stats.problems_unsolved} |",
        f"| traces judged | {stats.tally.traces} |",
        f"| verified | {stats.tally.passed} |",
        f"| acceptance rate | {_percent(stats.tally.acceptance_rate)} |",
        "",
        "| domain | problems | traces | verified | rate |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {d} | {stats.problems_by_domain.get(d, 0)} | {t.traces} | {t.passed} | "
            f"{_percent(t.acceptance_rate)} |"
            for d, t in stats.by_domain.items()
        ),
        "",
        "| source | problems |",
        "| --- | --- |",
        *(f"| {source} | {count} |" for source, count in sorted(stats.sources.items())),
        "",
        "| teacher | model | requests | traces | verified | rate |",
        "| --- | --- | --- | --- | --- | --- |",
        *(
            f"| {t.name} | {t.model} | {t.requests} | {t.tally.traces} | {t.tally.passed} | "
            f"{_percent(t.tally.acceptance_rate)} |"
            for t in stats.teachers
        ),
        "",
        "| domain | verifier | version | sandbox | image |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {v.domain} | {v.verifier.name} | {v.verifier.version} | "
            f"{v.verifier.sandbox_backend or '-'} | {v.verifier.sandbox_image or '-'} |"
            for v in stats.verifiers
        ),
        "",
        "| rejection reason | traces |",
        "| --- | --- |",
        *(f"| {reason} | {count} |" for reason, count in stats.rejected_by_reason.items()),
        "",
        "## Limitations",
        "",
        "- Verified means the final answer (math) or the tests (code) held, and checkable steps "
        "held; prose between them is not proven, and a weak test suite lets a wrong program pass.",
        "- Problems, and so the answers, are only as correct as their source's reference answers "
        "and tests; the license is the sources' (see the sources table).",
        "- Rejected and preference rows hold proven-wrong text: train on them as negatives only.",
        "- Files with 0 rows are written (typed) but get no config: `datasets` loads no empty "
        "split.",
        "",
    ]
    return "\n".join(lines)


def write_reports(stats: RunStats, out_dir: Path, formats: Sequence[ExportFormat]) -> None:
    """stats.json and README.md."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text(out_dir / "stats.json", json.dumps(stats.model_dump(mode="json"), indent=2) + "\n")
    write_text(out_dir / CARD, dataset_card(stats, formats))
