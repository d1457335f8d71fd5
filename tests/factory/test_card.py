"""The output folder is a Hub-ready dataset: README.md front matter `datasets` loads it by."""

from __future__ import annotations

from pathlib import Path

import datasets
import yaml

from factory.card import features, schemas, size_category

FILES = ("sft", "rejected", "preferences", "corrections", "correction_preferences")


def front_matter(out: Path) -> dict[str, object]:
    text = (out / "README.md").read_text(encoding="utf-8")
    head, _, body = text.removeprefix("---\n").partition("\n---\n")
    for section in ("## Usage", "## Schema", "## Provenance and verification", "## Limitations"):
        assert section in body
    loaded = yaml.safe_load(head)
    assert isinstance(loaded, dict)
    return loaded


def test_the_declared_features_are_the_files_schemas() -> None:
    for name, shape in schemas().items():
        declared = datasets.Features._from_yaml_list(features(shape))
        assert declared == datasets.Features.from_arrow_schema(shape), name


def test_size_categories_follow_the_rows() -> None:
    assert [size_category(n) for n in (0, 999, 1_000, 50_000, 2_000_000)] == [
        "n<1K",
        "n<1K",
        "1K<n<10K",
        "10K<n<100K",
        "1M<n<10M",
    ]
