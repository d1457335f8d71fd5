"""The human-data mix: the share of synthetic SFT rows is the target exactly, with the rows left
out chosen by the documented rule, or the report says why it is not; human solutions come from
the loaded problems' own references."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from factory.stages.gates.human import human_solution
from factory.stages.gates.mix import MAX_DENOMINATOR, plan
from factory.stages.gates.model import DecontaminateSettings, GatesConfig
from factory.stages.gates.stage import Gates
from problems import MathProblem, Problem, load_file
from tests.gates.planted import bundled, record, stored, write_rows

SHARES = st.integers(1, 19).map(lambda n: n / 20)


@given(st.integers(0, 500), st.integers(0, 500), SHARES)
def test_the_plan_meets_the_share_exactly_with_the_most_rows_or_says_why(
    synthetic: int, human: int, target: float
) -> None:
    made = plan(synthetic, human, target)
    share = Fraction(target).limit_denominator(MAX_DENOMINATOR)
    assert made.synthetic <= synthetic and made.human <= human
    if made.report.exact and made.report.note is None:
        assert Fraction(made.synthetic, made.synthetic + made.human) == share
        # No larger exact mix fits: one more p:q unit needs more rows than there are.
        p, q = share.numerator, share.denominator
        assert made.synthetic + p > synthetic or made.human + (q - p) > human
    else:
        assert made.report.note  # says why
        assert (made.synthetic, made.human) == (synthetic, human)  # and keeps everything


def math_problems() -> list[MathProblem]:
    return [p for p in bundled() if isinstance(p, MathProblem)]


def gates() -> Gates:
    config = GatesConfig(decontaminate=DecontaminateSettings(enabled=False))
    return Gates(config, {p.id: p for p in math_problems()}, None)


def test_the_export_hits_seventy_thirty_and_keeps_every_problems_first_row() -> None:
    """20 problems, each with two distinct teacher traces and its human solution: 40 synthetic
    and 20 human rows make 35 + 15 at 70/30."""
    math = math_problems()
    records = []
    for i, p in enumerate(math[:20]):
        records += [
            record(p, math[20 + i].solution or "", sample=0),
            record(p, math[40 + i].solution or "", sample=1),
            record(p, p.solution or "", origin="human"),
        ]
    mixing = gates()
    rows = list(mixing.decide(stored(records)))
    assert {row.reason for row in rows} == {"mix"}
    kept = [r for r in records if r.id not in {row.id for row in rows}]
    origins = Counter(r.origin for r in kept)
    assert origins == {"synthetic": 35, "human": 15}
    assert Fraction(origins["synthetic"], len(kept)) == Fraction(7, 10)
    dropped = {row.id for row in rows}
    assert all(r.provenance[0].sample == 1 for r in records if r.id in dropped and
               r.origin == "synthetic")  # fmt: skip
    assert mixing.mixed is not None and mixing.mixed.exact and mixing.mixed.share == 0.7
    row = rows[0]
    assert row.evidence == {"target_share": "0.7", "synthetic_kept": "35", "human_kept": "15"}


def test_without_enough_rows_the_report_says_why_and_nothing_is_dropped() -> None:
    math = math_problems()
    records = [record(p, p.solution or "", origin="human") for p in math[:1]]
    records += [record(p, math[30 + i].solution or "") for i, p in enumerate(math[:3])]
    mixing = gates()
    assert list(mixing.decide(stored(records))) == []
    assert mixing.mixed is not None and not mixing.mixed.exact
    assert mixing.mixed.note == (
        "a share of 7/10 needs at least 7 synthetic and 3 human rows; there are 3 and 1"
    )
    only_synthetic = gates()
    assert list(only_synthetic.decide(stored(records[1:]))) == []
    assert only_synthetic.mixed is not None
    assert only_synthetic.mixed.note == "no human data: nothing to mix"


def test_a_failed_human_solution_is_reported_not_mixed() -> None:
    problem = math_problems()[0]
    failed = record(problem, "\\boxed{35}", origin="human").model_copy(
        update={"kind": "rejected", "reason": "answer:different"}
    )
    rows = list(gates().decide(stored([failed])))
    assert [(r.reason, r.evidence) for r in rows] == [
        ("human_failed", {"reason": "answer:different"})
    ]


def test_human_solutions_come_from_the_problems_own_references(tmp_path: Path) -> None:
    math = math_problems()
    row = {  # GSM8K's first training item
        "question": "Natalia sold clips to 48 of her friends in April, and then she sold half as "
        "many clips in May. How many clips did Natalia sell altogether in April and May?",
        "answer": "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = "
        "<<48+24=72>>72 clips altogether in April and May.\n#### 72",
    }
    gsm = load_file(write_rows(tmp_path / "gsm8k_train.jsonl", [row])).problems[0]
    assert isinstance(gsm, MathProblem) and "####" not in (gsm.solution or "")
    solution = human_solution(gsm)
    assert solution == row["answer"]  # the loader's split undone: GSM8K's own text
    assert human_solution(math[0]) == math[0].solution  # boxed already
    evolved: Problem = math[0].model_copy(
        update={"lineage": {"parent_id": math[1].id, "operation": "evol-depth"}}
    )
    assert human_solution(evolved) is None  # a model wrote it: not human data
