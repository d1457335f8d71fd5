"""TRL's own dataset-format detection (`trl.data_utils`) sees every row of every exported file
as conversational, under ten string hash seeds: TRL picks the key it checks from a set, so a
file that passes under one seed can fail under another. TRL is no dev dependency (it pulls in
torch); where it is installed (`pip install --no-deps trl accelerate` and `transformers`), this
runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factory.test_card import FILES
from tests.factory.test_run import faulty_run  # noqa: F401 - the fixture, one run for all seeds
from tests.factory.transcripts import Endpoint

pytest.importorskip("trl.data_utils", reason="TRL is not installed here")

CHECK = """
import json, sys
from trl.data_utils import is_conversational, is_conversational_from_value
bad = []
for path in sys.argv[1:]:
    with open(path) as rows:
        for number, line in enumerate(rows, 1):
            row = json.loads(line)
            if not is_conversational(row) or is_conversational_from_value(row):
                bad.append(f"{path}:{number}")
print(json.dumps(bad))
"""


@pytest.mark.parametrize("seed", range(10))
def test_trl_sees_every_row_of_every_file_as_conversational(
    faulty_run: tuple[Path, Endpoint, str],  # noqa: F811
    seed: int,
) -> None:
    out = faulty_run[0]
    files = sorted(out.glob("*.jsonl"))
    assert {path.stem for path in files} == set(FILES)
    assert all(path.stat().st_size > 0 for path in files)
    result = subprocess.run(
        [sys.executable, "-c", CHECK, *map(str, files)],
        env={**os.environ, "PYTHONHASHSEED": str(seed)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout.splitlines()[-1]) == []
