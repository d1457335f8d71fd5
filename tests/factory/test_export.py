"""Exported files load with `datasets` (JSONL and Parquet alike) and keep a fixed schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from factory import export
from factory.export import DATASETS, json_row, row, schema, write_datasets, write_stored
from factory.parse import parse
from factory.prompts import CODE_TEMPLATE, MATH_TEMPLATE, prompt_hash, render
from factory.records import (
    Record,
    RecordKind,
    Trace,
    VerifierInfo,
    format_verdict,
    make_traces,
    preference_record,
    trace_record,
)
from factory.teachers.base import Completion, Sampling, TeacherRequest, TeacherResponse, Usage
from problems import Lineage, Problem
from tests.factory.transcripts import bundled, text
from verifiers.verdict import Evidence, Verdict

MATH, CODE = bundled("math/arithmetic-01", "code/two-sum-sorted")
EVOLVED = MATH.model_copy(
    update={"id": "math/evolved", "lineage": Lineage(parent_id=MATH.id, operation="evol")}
)
MATH_INFO = VerifierInfo(name="math", version="1.0")
CODE_INFO = VerifierInfo(
    name="code", version="0.1.0", sandbox_backend="docker", sandbox_image="sha256:abc"
)


def trace(problem: Problem, variant: str, sample: int) -> Trace:
    template = MATH_TEMPLATE if problem.domain == "math" else CODE_TEMPLATE
    request = TeacherRequest(
        teacher="t",
        model="m",
        messages=render(problem, template),
        sampling=Sampling(seed=sample, stop=["END"]),
        sample=sample,
    )
    reply = text(problem, variant)
    response = TeacherResponse(
        completions=[Completion(text=reply, reasoning="thinking", finish_reason="stop")],
        usage=Usage(prompt_tokens=3, completion_tokens=4, reasoning_tokens=1),
        model="m",
        seconds=0.2,
    )
    parsed = [parse(problem.domain, reply, "stop")]
    return make_traces(problem, request, response, parsed, prompt_hash(request.messages))[0]


def verdict(status: str, *evidence: Evidence) -> Verdict:
    return Verdict.model_validate(
        {"status": status, "verifier": "v", "version": "1", "evidence": evidence, "seconds": 0.3}
    )


def records() -> list[Record]:
    passed = verdict("pass", Evidence(check="answer", outcome="equivalent"))
    wrong = verdict(
        "fail",
        Evidence(check="answer", outcome="different", reason="36 vs 361"),
        Evidence(check="step", outcome="refuted", index=2, details={"counterexample": "x=1"}),
    )
    test_failed = verdict(
        "fail",
        Evidence(
            check="stdio",
            outcome="failed",
            index=0,
            details={"input": "1\n", "expected": "2\n", "actual": "3\n"},
        ),
    )
    good_math = trace(EVOLVED, "right", 0)
    bad_math = trace(EVOLVED, "wrong", 1)
    unparsed = trace(MATH, "noanswer", 0)
    good_code = trace(CODE, "right", 0)
    bad_code = trace(CODE, "broken", 1)
    return [
        trace_record(EVOLVED, good_math, passed, MATH_INFO),
        trace_record(EVOLVED, bad_math, wrong, MATH_INFO),
        trace_record(MATH, unparsed, format_verdict(unparsed, MATH_INFO), MATH_INFO),
        trace_record(CODE, good_code, passed, CODE_INFO),
        trace_record(CODE, bad_code, test_failed, CODE_INFO),
        preference_record(EVOLVED, (good_math, passed), (bad_math, wrong), MATH_INFO),
        preference_record(CODE, (good_code, passed), (bad_code, test_failed), CODE_INFO),
    ]


def load(kind: str, path: Path, cache: Path) -> datasets.Dataset:
    loaded = datasets.load_dataset(kind, data_files=str(path), split="train", cache_dir=str(cache))
    assert isinstance(loaded, datasets.Dataset)
    return loaded


def test_jsonl_and_parquet_load_with_datasets_and_agree(tmp_path: Path) -> None:
    out = tmp_path / "output"
    counts = write_datasets(records(), out, ["jsonl", "parquet"])
    assert counts == {"sft": 2, "rejected": 3, "preferences": 2}
    for name, rows in counts.items():
        from_json = load("json", out / f"{name}.jsonl", tmp_path / "cache")
        from_parquet = load("parquet", out / f"{name}.parquet", tmp_path / "cache")
        assert len(from_json) == len(from_parquet) == rows
        assert from_json.to_list() == from_parquet.to_list()
    sft = load("json", out / "sft.jsonl", tmp_path / "cache")
    first = sft[0]
    assert [m["role"] for m in first["messages"]] == ["user", "assistant"]
    assert first["messages"][-1]["reasoning_content"] == "thinking"
    assert "reasoning" not in first
    provenance = first["provenance"][0]
    assert provenance["lineage"] == {"parent_id": MATH.id, "operation": "evol"}
    assert provenance["sampling"]["seed"] == 0 and provenance["prompt_hash"]
    assert provenance["tests_hash"] and provenance["verifier"] == "math"
    code_row = sft[1]["provenance"][0]
    assert (code_row["sandbox_backend"], code_row["sandbox_image"]) == ("docker", "sha256:abc")
    rejected = load("json", out / "rejected.jsonl", tmp_path / "cache")
    assert rejected["reason"] == ["answer:different", "format", "stdio:failed"]
    details = rejected[2]["verdicts"][0]["evidence"][0]["details"]
    assert {"key": "expected", "value": "2\n"} in details
    preferences = load("json", out / "preferences.jsonl", tmp_path / "cache")
    pair = preferences[0]
    assert [m["role"] for m in pair["prompt"]] == ["user"]
    assert pair["chosen"][0]["content"] != pair["rejected"][0]["content"]
    assert [v["status"] for v in pair["verdicts"]] == ["pass", "fail"]


def test_every_file_has_its_schema_even_when_empty(tmp_path: Path) -> None:
    write_datasets([], tmp_path, ["jsonl", "parquet"])
    for kind, name in DATASETS.items():
        assert pq.read_schema(tmp_path / f"{name}.parquet") == schema(kind)
        assert (tmp_path / f"{name}.jsonl").read_text() == ""


@pytest.mark.parametrize("formats", [["jsonl"], ["parquet"]])
def test_only_the_chosen_formats_are_written(tmp_path: Path, formats: list[str]) -> None:
    write_datasets(records(), tmp_path, formats)  # type: ignore[arg-type]
    written = sorted(path.suffix for path in tmp_path.iterdir())
    assert set(written) == {f".{formats[0]}"}
    assert not list(tmp_path.glob(".*partial"))


def test_jsonl_rows_are_the_records(tmp_path: Path) -> None:
    made = records()
    write_datasets(made, tmp_path, ["jsonl"])
    rows = [json.loads(line) for line in (tmp_path / "sft.jsonl").read_text().splitlines()]
    verified = [r for r in made if r.kind == "verified"]
    assert [row["id"] for row in rows] == [r.id for r in verified]
    assert rows[0]["messages"] == [
        {**m.model_dump(), "reasoning_content": None} for m in verified[0].messages[:-1]
    ] + [{**verified[0].messages[-1].model_dump(), "reasoning_content": "thinking"}]


def test_a_stored_record_becomes_the_same_row_without_pydantic(tmp_path: Path) -> None:
    every = records()
    for record in every:
        assert json_row(json.loads(record.model_dump_json())) == row(record, record.kind)
    stored = [json.loads(record.model_dump_json()) for record in every]
    assert write_stored(stored, tmp_path / "a", ["jsonl", "parquet"]) == write_datasets(
        every, tmp_path / "b", ["jsonl", "parquet"]
    )
    for name in DATASETS.values():
        for extension in ("jsonl", "parquet"):
            written = (tmp_path / "a" / f"{name}.{extension}").read_bytes()
            assert written == (tmp_path / "b" / f"{name}.{extension}").read_bytes()


def test_parquet_row_groups_hold_the_same_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    every = records()
    whole = {
        kind: pa.Table.from_pylist(export.rows(every, kind), schema=schema(kind))
        for kind in DATASETS
    }
    monkeypatch.setattr(export, "ROW_GROUP", 1)  # a row group per row
    write_datasets(every, tmp_path, ["parquet"])
    for kind, name in DATASETS.items():
        written = pq.ParquetFile(tmp_path / f"{name}.parquet")
        assert written.metadata.num_row_groups == whole[kind].num_rows
        assert written.read().equals(whole[kind])


def bare(record: Record) -> Record:
    """`record` with every optional value a run may lack left null: no reasoning, no lineage,
    no sandbox, no evidence details."""
    provenance = [
        p.model_copy(update={"lineage": None, "sandbox_backend": None, "sandbox_image": None})
        for p in record.provenance
    ]
    verdicts = [
        v.model_copy(
            update={"evidence": [e.model_copy(update={"details": {}}) for e in v.evidence]}
        )
        for v in record.verdicts
    ]
    return record.model_copy(
        update={"reasoning": None, "provenance": provenance, "verdicts": verdicts}
    )


def features(kind: RecordKind) -> datasets.Features:
    return datasets.Features.from_arrow_schema(schema(kind))


def test_files_keep_their_declared_types_when_columns_are_null_or_rows_none(
    tmp_path: Path,
) -> None:
    """Two runs' files concatenate, and JSON with Parquet, whichever values one run lacked."""
    write_datasets(records(), tmp_path / "full", ["jsonl", "parquet"])
    write_datasets([bare(r) for r in records()], tmp_path / "bare", ["jsonl", "parquet"])
    write_datasets([], tmp_path / "empty", ["jsonl", "parquet"])
    cache = tmp_path / "cache"
    for kind, name in DATASETS.items():
        typed = features(kind)
        parts = []
        for run in ("full", "bare"):
            parquet = load("parquet", tmp_path / run / f"{name}.parquet", cache)
            assert parquet.features == typed
            as_json = datasets.load_dataset(
                "json",
                data_files=str(tmp_path / run / f"{name}.jsonl"),
                features=typed,
                split="train",
                cache_dir=str(cache),
            )
            assert as_json.to_list() == parquet.to_list()
            parts += [parquet, as_json]
        empty = datasets.Dataset(pq.read_table(tmp_path / "empty" / f"{name}.parquet"))
        assert empty.features == typed and len(empty) == 0
        joined = datasets.concatenate_datasets([*parts, empty])
        assert len(joined) == 2 * sum(len(p) for p in parts[::2])


def test_reasoning_is_the_answers_reasoning_content_or_inline(tmp_path: Path) -> None:
    made = [r for r in records() if r.kind == "verified"]
    field = row(made[0], "verified")
    inline = row(made[0], "verified", inline=True)
    answer = made[0].messages[-1].content
    assert field["messages"][-1] == {
        "role": "assistant",
        "content": answer,
        "reasoning_content": "thinking",
    }
    assert inline["messages"][-1] == {
        "role": "assistant",
        "content": f"<think>\nthinking\n</think>\n\n{answer}",
        "reasoning_content": None,
    }
    assert field["messages"][0]["reasoning_content"] is None
    assert row(bare(made[0]), "verified", inline=True)["messages"][-1]["content"] == answer


TRL_KEYS = ("prompt", "chosen", "rejected", "completion", "messages")


def trl_conversational(example: dict[str, Any], key_order: tuple[str, ...]) -> bool:
    """TRL's `is_conversational` (trl/data_utils.py, 1.16): it pops one supported key from a
    set, so which key it checks depends on the string hash seed; `key_order` plays the seed."""
    present = [key for key in key_order if key in example]
    if not present:
        return False
    value = example[present[0]]
    return (
        isinstance(value, list)
        and isinstance(value[0], dict)
        and "role" in value[0]
        and "content" in value[0]
    )


def assert_conversational_for_every_seed(path: Path) -> None:
    """Whatever key TRL's set yields first (every order of the keys a row has), the row is
    conversational: so it is under every PYTHONHASHSEED."""
    for line in path.read_text().splitlines():
        example = json.loads(line)
        present = [key for key in TRL_KEYS if key in example]
        assert present, f"{path.name}: no key TRL reads"
        for first in present:
            assert trl_conversational(example, (first, *TRL_KEYS)), f"{path.name}: {first}"


def test_every_dataset_is_conversational_to_trl_under_any_hash_seed(tmp_path: Path) -> None:
    write_datasets(records(), tmp_path, ["jsonl"])
    for name in DATASETS.values():
        assert_conversational_for_every_seed(tmp_path / f"{name}.jsonl")
