"""TRL's own dataset-format detection (`trl.data_utils`) sees every row of every exported file
as conversational, whichever key it checks: TRL pops the key from a set, so which one it takes
changes with the string hash seed, and a file that passes under one seed can fail under another.
Each row is checked once per key TRL might take, which covers every seed. TRL comes with the
`[rl]` extra; where it is installed, this runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.factory.test_card import FILES
from tests.factory.test_run import faulty_run  # noqa: F401 - the fixture, the run checked
from tests.factory.transcripts import Endpoint

data_utils = pytest.importorskip("trl.data_utils", reason="TRL is not installed here")

SUPPORTED = ("prompt", "chosen", "rejected", "completion", "messages")  # TRL's own list


def _as_trl_may_see(row: dict[str, object]) -> list[dict[str, object]]:
    """The row as TRL sees it under each seed: one supported key with every other column."""
    keys = [key for key in SUPPORTED if key in row]
    others = {key: value for key, value in row.items() if key not in SUPPORTED}
    return [{key: row[key], **others} for key in keys]


def test_trl_sees_every_row_of_every_file_as_conversational(
    faulty_run: tuple[Path, Endpoint, str],  # noqa: F811
) -> None:
    out = faulty_run[0]
    files = sorted(out / f"{name}.jsonl" for name in FILES)  # the chat datasets, not filtered
    assert all(path.is_file() for path in files)
    bad = []
    for path in files:
        lines = path.read_text().splitlines()
        assert lines, path
        for number, line in enumerate(lines, 1):
            row = json.loads(line)
            views = _as_trl_may_see(row)
            assert views, f"{path.name}:{number} has none of TRL's keys"
            if data_utils.is_conversational_from_value(row) or not all(
                data_utils.is_conversational(view) for view in views
            ):
                bad.append(f"{path.name}:{number}")
    assert bad == []
