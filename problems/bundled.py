"""The starter set shipped inside the package, written for this project."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

BUNDLED_FILES = ("math.jsonl", "code.jsonl")


def bundled_paths() -> list[Path]:
    data = files("problems") / "data"
    return [Path(str(data / name)) for name in BUNDLED_FILES]
