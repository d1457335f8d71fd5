"""`factory run` end to end: the real OpenAI teacher against a local chat-completions server
with faults, real verifiers (code in the bwrap sandbox), exported files and their provenance;
and the offline replay default."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import datasets
import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from factory.card import schemas
from factory.cli import app
from factory.prompts import prompt_hash, render
from factory.records import hash_of_tests
from factory.teachers.replay import load_transcripts
from tests.factory.fake_openai import FakeOpenAI
from tests.factory.test_card import FILES, front_matter
from tests.factory.test_export import assert_conversational_for_every_seed
from tests.factory.transcripts import Endpoint, bundled, write_problems
from verifiers.code.verify import VERSION as CODE_VERSION
from verifiers.math.traces import VERSION as MATH_VERSION

PROBLEMS = bundled(
    "math/arithmetic-01",
    "math/arithmetic-02",
    "math/arithmetic-03",
    "math/arithmetic-04",
    "math/arithmetic-05",
    "math/arithmetic-06",
    "code/two-sum-sorted",
    "code/reverse-words",
)
PLAN = {
    "math/arithmetic-01": ["lucky", "right"],
    "math/arithmetic-02": ["429>right"],
    "math/arithmetic-03": ["500>500>wrong", "right"],
    "math/arithmetic-04": ["slow>null>right"],
    "math/arithmetic-05": ["truncated>noanswer", "right"],
    "math/arithmetic-06": ["length>huge>right"],
    "code/two-sum-sorted": ["empty>broken", "right"],
    "code/reverse-words": ["twoblocks", "right"],
}
PRICES = {"price_input_per_million": 1.0, "price_output_per_million": 2.0}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def write_config(tmp_path: Path, **settings: Any) -> Path:
    config = {
        "problems": ["problems.jsonl"],
        "k": 1,
        "budget": 3,
        "run_dir": "run",
        "verifiers": {"code": {"options": {"backend": "bwrap", "examples": 10}}},
        "gates": {"enabled": False},  # every judged trace exported: tests/gates test the gates
    } | settings
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def teacher(server: FakeOpenAI) -> dict[str, Any]:
    return {
        "name": "fake",
        "model": "fake-model",
        "base_url": server.url,
        "api_key": "test",
        "timeout_seconds": 2.0,
        "max_retries": 4,
        "sampling": {"seed": 0, "temperature": 0.5},
        **PRICES,
    }


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Endpoint, str]:
    """One run through every fault; the tests below read what it left."""
    tmp_path = tmp_path_factory.mktemp("faulty")
    write_problems(tmp_path / "problems.jsonl", PROBLEMS)
    endpoint = Endpoint(PROBLEMS, PLAN)
    with FakeOpenAI(endpoint) as server:
        config = write_config(tmp_path, teachers=[teacher(server)])
        result = CliRunner().invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 0, result.output
    return tmp_path / "run" / "output", endpoint, result.output


def test_faults_are_retried_and_wrong_traces_rejected_with_reasons(
    faulty_run: tuple[Path, Endpoint, str],
) -> None:
    out, endpoint, output = faulty_run
    assert endpoint.asks == {
        ("math/arithmetic-01", 0): 1,
        ("math/arithmetic-01", 1): 1,
        ("math/arithmetic-02", 0): 2,  # 429 with Retry-After, then the answer
        ("math/arithmetic-03", 0): 3,  # two 500s
        ("math/arithmetic-03", 1): 1,
        ("math/arithmetic-04", 0): 3,  # a timeout, null content
        ("math/arithmetic-05", 0): 2,  # truncated JSON
        ("math/arithmetic-05", 1): 1,
        ("math/arithmetic-06", 0): 3,  # cut off at max_tokens, a 5 MB reply
        ("code/two-sum-sorted", 0): 2,  # empty choices
        ("code/two-sum-sorted", 1): 1,
        ("code/reverse-words", 0): 1,
        ("code/reverse-words", 1): 1,
    }
    sft = read_jsonl(out / "sft.jsonl")
    assert sorted(row["problem_id"] for row in sft) == sorted(p.id for p in PROBLEMS)
    rejected = {row["problem_id"]: row["reason"] for row in read_jsonl(out / "rejected.jsonl")}
    assert rejected["math/arithmetic-01"] == "step:refuted"  # right answer, false step
    assert rejected["math/arithmetic-03"] == "answer:different"
    assert rejected["math/arithmetic-05"] == "format"  # no \boxed{} answer
    assert rejected["code/reverse-words"] == "format"  # two code blocks
    assert rejected["code/two-sum-sorted"].endswith(":failed")
    assert len(rejected) == 5
    preferences = read_jsonl(out / "preferences.jsonl")
    assert sorted(p["problem_id"] for p in preferences) == sorted(rejected)
    for line in ("run summary", "step:refuted", "answer:different", "format", "stages"):
        assert line in output
    stats = json.loads((out / "stats.json").read_text())
    assert stats["retried"] == {
        "HTTP 5xx": 2,
        "empty": 2,
        "HTTP 429": 1,
        "timeout": 1,
        "invalid body": 1,
        "truncated": 1,
        "oversize": 1,
    }
    assert "retried attempts" in output and "truncated" in output


def test_every_exported_row_carries_its_provenance(
    faulty_run: tuple[Path, Endpoint, str],
) -> None:
    out, _, _ = faulty_run
    problems = {p.id: p for p in PROBLEMS}
    for name in ("sft", "rejected"):
        for row in read_jsonl(out / f"{name}.jsonl"):
            problem = problems[row["problem_id"]]
            (provenance,) = row["provenance"]
            template = "math" if problem.domain == "math" else "code"
            assert row["messages"][0]["content"] in render(problem, _template(template))[0].content
            assert provenance["prompt_hash"] == prompt_hash(render(problem, _template(template)))
            assert provenance["teacher"] == "fake"
            assert provenance["model"] == "fake-model"
            assert provenance["endpoint_model"] == "fake-model"
            assert provenance["sampling"]["temperature"] == 0.5
            assert provenance["sampling"]["seed"] == provenance["sample"]  # seed 0 + sample
            assert provenance["tests_hash"] == hash_of_tests(problem)
            assert provenance["problem_source"] == "reasoning-factory"
            assert provenance["problem_license"] == "Apache-2.0"
            assert provenance["usage"] == {
                "prompt_tokens": 10,
                "completion_tokens": 20,
                "reasoning_tokens": 0,
            }
            verdict = row["verdicts"][0]
            assert verdict["evidence"], row["id"]
            if problem.domain == "code":
                assert provenance["verifier"] == "code"
                assert provenance["verifier_version"] == CODE_VERSION
                assert provenance["sandbox_backend"] == "bwrap"
                assert provenance["sandbox_image"] is None  # only docker has an image
            else:
                assert (provenance["verifier"], provenance["verifier_version"]) == (
                    "math",
                    MATH_VERSION,
                )
                assert provenance["sandbox_backend"] is None


def _template(domain: str) -> str:
    from factory.config import Prompts

    return str(getattr(Prompts(), domain))


def test_stats_count_tokens_and_cost_per_verified_trace(
    faulty_run: tuple[Path, Endpoint, str],
) -> None:
    out, _, _ = faulty_run
    stats = json.loads((out / "stats.json").read_text())
    requests = 13  # answered requests; failed attempts are not billed
    assert stats["tally"] == {"traces": 13, "passed": 8, "acceptance_rate": round(8 / 13, 4)}
    assert stats["tokens"] == {
        "prompt_tokens": 10 * requests,
        "completion_tokens": 20 * requests,
        "reasoning_tokens": 0,
    }
    assert stats["cost"] == pytest.approx(requests * (10 * 1.0 + 20 * 2.0) / 1e6)
    generate = stats["stages"][0]
    assert generate["stage"] == "generate"
    assert generate["cost_per_verified"] == pytest.approx(stats["cost"] / 8)
    assert generate["tokens_per_verified"] == pytest.approx(30 * requests / 8, abs=0.1)
    assert {s["stage"] for s in stats["stages"]} >= {"parse", "verify:math", "verify:code"}
    assert stats["records"] == {
        "sft": 8,
        "rejected": 5,
        "preferences": 5,
        "corrections": 2,  # the inject stage's default share: 2 of 8 + 2 is at most 25%
        # a pair only where the negative reaches a wrong answer (real mistakes come first, and
        # a lucky-step trace's does not)
        "correction_preferences": sum(
            json.loads(line)["uncorrected"] is not None
            for line in (out / "corrections.jsonl").read_text().splitlines()
        ),
        "filtered": 0,  # no reviewer rejected anything
    }
    assert stats["request_errors"] == []
    card = (out / "README.md").read_text()
    for fact in ("| fake | fake-model | 13 | 13 | 8 |", "| code | code |", "reasoning-factory"):
        assert fact in card


def test_a_teacher_that_never_answers_is_reported_and_exits_4(tmp_path: Path) -> None:
    problems = bundled("math/arithmetic-02")
    write_problems(tmp_path / "problems.jsonl", problems)
    with FakeOpenAI(Endpoint(problems, {"math/arithmetic-02": ["500"]})) as server:
        config = write_config(tmp_path, teachers=[teacher(server) | {"max_retries": 0}], budget=2)
        result = CliRunner().invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 4, result.output
    assert "run ended with 2 failed requests (2 HTTP 5xx) and 0 verified traces" in result.output
    stats = json.loads((tmp_path / "run/output/stats.json").read_text())
    assert len(stats["request_errors"]) == 2
    assert stats["failed"] == {"HTTP 5xx": 2}
    assert "HTTP 5xx" in result.output  # the summary counts them by kind too
    failure = stats["request_errors"][0]
    assert (failure["teacher"], failure["problem_id"]) == ("fake", "math/arithmetic-02")
    assert "HTTP 500: boom" in failure["message"]
    assert stats["problems_unsolved"] == 1 and stats["tally"]["traces"] == 0
    assert "failed request" in result.output


REASONS = {  # what the verifiers must make of each kind of deliberately wrong transcript
    "lucky-step": ("step:refuted",),
    "wrong-answer": ("answer:different",),
    "unparseable": ("format",),
    "broken-code": ("assert:", "stdio:", "property:"),
    "syntax-error": ("assert:", "stdio:", "property:"),
}


def replay_labels() -> dict[tuple[str, int], str]:
    return {(t.problem_id, t.sample): t.label for t in load_transcripts()}


def replay_picks(labels: dict[tuple[str, int], str], budget: int) -> list[str]:
    """Problems that together show every kind of wrong transcript before a right one."""
    picks: dict[str, str] = {}
    for problem_id in sorted({problem_id for problem_id, _ in labels}):
        before: list[str] = []
        for sample in range(budget):
            label = labels.get((problem_id, sample), "correct")
            if label == "correct":
                break
            before.append(label)
        else:
            continue  # never right within the budget
        for label in before or ["correct"]:
            picks.setdefault(label, problem_id)
    assert set(picks) == {*REASONS, "correct"}, picks
    return sorted(set(picks.values()))


def test_the_offline_default_replays_bundled_transcripts(tmp_path: Path) -> None:
    labels = replay_labels()
    picks = replay_picks(labels, budget=3)
    write_problems(tmp_path / "problems.jsonl", bundled(*picks))
    config = write_config(tmp_path)
    result = CliRunner().invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "No teacher configured: the offline replay teacher" in " ".join(result.output.split())
    out = tmp_path / "run" / "output"
    sft = read_jsonl(out / "sft.jsonl")
    assert sorted(row["problem_id"] for row in sft) == picks  # each right within the budget
    for row in sft:
        provenance = row["provenance"][0]
        assert provenance["teacher"] == "replay"
        assert labels[(row["problem_id"], provenance["sample"])] == "correct"
    rejected = read_jsonl(out / "rejected.jsonl")
    assert len(rejected) >= len(REASONS)
    for row in rejected:
        label = labels[(row["problem_id"], row["provenance"][0]["sample"])]
        assert row["reason"].startswith(REASONS[label]), (row["problem_id"], label, row["reason"])


def test_a_problem_id_in_two_files_is_refused(tmp_path: Path) -> None:
    problems = bundled("math/arithmetic-01")
    write_problems(tmp_path / "a.jsonl", problems)
    write_problems(tmp_path / "b.jsonl", problems)
    result = CliRunner().invoke(
        app, ["run", "-p", str(tmp_path / "a.jsonl"), "-p", str(tmp_path / "b.jsonl")]
    )
    assert result.exit_code == 1
    assert "'math/arithmetic-01' is also a problem of" in " ".join(result.output.split())


def test_every_config_of_the_output_folder_loads_with_its_schema(
    faulty_run: tuple[Path, Endpoint, str], tmp_path: Path
) -> None:
    out, _, _ = faulty_run
    assert not (out / "dataset_card.md").exists()
    meta = front_matter(out)
    for key in ("license", "language", "task_categories", "size_categories", "pretty_name"):
        assert meta[key], key
    assert meta["size_categories"] == ["n<1K"]
    configs = {c["config_name"]: c for c in meta["configs"]}  # type: ignore[attr-defined]
    assert set(configs) == set(FILES)
    assert configs["sft"]["default"] is True
    shapes = schemas()
    for name in FILES:
        loaded = datasets.load_dataset(str(out), name, split="train", cache_dir=str(tmp_path))
        assert isinstance(loaded, datasets.Dataset)
        assert loaded.features == datasets.Features.from_arrow_schema(shapes[name])
        assert len(loaded) == pq.read_metadata(out / f"{name}.parquet").num_rows > 0
        assert_conversational_for_every_seed(out / f"{name}.jsonl")
    default = datasets.load_dataset(str(out), split="train", cache_dir=str(tmp_path))
    assert isinstance(default, datasets.Dataset) and "messages" in default.column_names
