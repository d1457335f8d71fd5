"""Deduplication: planted copies (restyled, renumbered, edited) of real problems and real
solutions are removed naming the record or problem kept, by the documented rule; distinct
problems stay; and, for any texts, no two kept traces are as similar as the threshold."""

from __future__ import annotations

import numpy as np
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from factory.filtered import FilteredRow
from factory.stages.gates.dedup import as_text, cluster
from factory.stages.gates.model import DecontaminateSettings, GatesConfig, MixSettings
from factory.stages.gates.stage import Gates
from factory.stages.gates.text import _BASE, Shape, _windows, exact_key, jaccard, minhash, shingles
from problems import CodeProblem, MathProblem, Problem
from tests.gates.planted import bundled, edit, humaneval, record, renumber, restyle, stored

CONFIG = GatesConfig(decontaminate=DecontaminateSettings(enabled=False), mix=MixSettings(human=[]))


def solution(problem: Problem) -> str:
    text = problem.solution if isinstance(problem, MathProblem) else problem.reference_solution
    assert text is not None
    return text


def gated(problems: list[Problem], records: list[tuple[Problem, str, int]]) -> list[FilteredRow]:
    gates = Gates(CONFIG, {p.id: p for p in problems}, None)
    return list(gates.decide(stored([record(p, text, sample=i) for p, text, i in records])))


def test_a_cluster_of_copies_keeps_its_shortest_trace_and_the_others_name_it() -> None:
    problem = bundled()[0]
    original = solution(problem)
    copies = [restyle(original), renumber(original), edit(original), original + " Done."]
    distinct = "1. Each box holds 6, so 19 boxes hold $6 \\cdot 19 = 114$ muffins.\n" \
        "2. Subtracting from the baked ones: $150 - 114 = 36$ remain.\n\\boxed{36}"
    texts = [copies[3], copies[0], original, copies[1], distinct, copies[2]]
    records = [record(problem, text, sample=i) for i, text in enumerate(texts)]
    rows = list(Gates(CONFIG, {problem.id: problem}, None).decide(stored(records)))
    lengths = {r.id: Shape(r.messages[-1].content, 5).length for r in records}
    cluster_ids = [r.id for r in records if r.id != records[4].id]
    shortest = min(cluster_ids, key=lambda i: (lengths[i], cluster_ids.index(i)))
    assert {row.id for row in rows} == set(cluster_ids) - {shortest}  # the distinct one stays
    assert {row.kept_id for row in rows} == {shortest}
    # The original, restyled and renumbered copies are equally long once normalised: the
    # earliest in export order (sample 1, the restyled one) is kept; the original names it.
    assert shortest == records[1].id
    by_id = {row.id: row for row in rows}
    assert by_id[records[2].id].reason == "duplicate"
    assert all(row.reason in ("duplicate", "near_duplicate") for row in rows)
    assert all(float(row.evidence["similarity"]) >= CONFIG.dedup.threshold for row in rows)


def test_planted_trace_copies_are_found_in_every_bundled_problem() -> None:
    """Per problem: its solution and three copies (restyled, renumbered, edited) as traces."""
    problems = bundled()
    records = [
        (p, text, i)
        for p in problems
        for i, text in enumerate([solution(p), restyle(solution(p)), renumber(solution(p)),
                                  edit(solution(p))])
    ]  # fmt: skip
    rows = gated(problems, records)
    planted = 3 * len(problems)
    recall = len(rows) / planted
    print(f"trace copies removed: {len(rows)}/{planted} ({recall:.1%})")
    assert recall >= 0.95
    kept = {p.id for p in problems} - set()  # every problem keeps exactly one trace
    per_problem = {p.id: 4 for p in problems}
    for row in rows:
        per_problem[row.problem_id] -= 1
    assert set(per_problem.values()) == {1} and len(per_problem) == len(kept)


def test_planted_problem_copies_are_removed_and_distinct_problems_stay() -> None:
    """Bundled problems and HumanEval (259 distinct problems) with a restyled and an edited
    copy of each bundled one loaded after them: the copies go, naming the original."""
    originals = [*bundled(), *humaneval()]
    copies: list[Problem] = []
    for p in bundled():
        for how, change in (("restyled", restyle), ("edited", edit)):
            copies.append(p.model_copy(update={"id": f"{p.id}/{how}",
                                               "statement": change(p.statement)}))  # fmt: skip
    problems = [*originals, *copies]
    rows = gated(problems, [(p, f"The answer to {p.id}.", 0) for p in problems])
    removed = {row.problem_id: row for row in rows}
    caught = [p for p in copies if p.id in removed]
    false = [p.id for p in originals if p.id in removed]
    print(f"problem copies removed: {len(caught)}/{len(copies)}; "
          f"distinct problems removed: {len(false)}/{len(originals)} {false}")  # fmt: skip
    assert len(caught) / len(copies) >= 0.95
    assert len(false) / len(originals) <= 0.01
    for p in caught:
        row = removed[p.id]
        assert row.kept_id == p.id.rsplit("/", 1)[0]  # the original, loaded first
        assert row.reason in ("duplicate_problem", "near_duplicate_problem")


def test_a_code_problem_restyled_is_an_exact_duplicate() -> None:
    problem = next(p for p in bundled() if isinstance(p, CodeProblem))
    copy = problem.model_copy(update={"id": "copy", "statement": restyle(problem.statement)})
    rows = gated([problem, copy], [(problem, "a", 0), (copy, "b", 0)])
    assert [(r.problem_id, r.reason, r.kept_id) for r in rows] == [
        ("copy", "duplicate_problem", problem.id)
    ]


WORDS = st.sampled_from(
    ["the", "a", "box", "of", "muffins", "sold", "6", "19", "150", "each", "remain", "=", "+"]
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(WORDS, min_size=1, max_size=30).map(" ".join), min_size=1, max_size=12),
    st.floats(0.2, 1.0),
)
def test_no_two_kept_traces_are_as_similar_as_the_threshold(
    texts: list[str], threshold: float
) -> None:
    shaped = [as_text(f"r{i}", Shape(text, 5)) for i, text in enumerate(texts)]
    dropped = cluster(shaped, threshold)
    kept = [t for t in shaped if t.id not in dropped]
    by_id = {t.id: t for t in shaped}
    assert kept
    for i, a in enumerate(kept):
        for b in kept[i + 1 :]:
            assert a.key != b.key and jaccard(a.shingles, b.shingles) < threshold
    for record_id, found in dropped.items():
        assert found.kept_id not in dropped  # a left-out trace names a kept one
        other = by_id[found.kept_id]
        similar = jaccard(by_id[record_id].shingles, other.shingles) >= threshold
        assert similar or by_id[record_id].key == other.key
        assert (other.length, int(other.id[1:])) <= (by_id[record_id].length, int(record_id[1:]))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=40), min_size=0, max_size=20))
def test_the_signature_is_datasketchs_own(texts: list[str]) -> None:
    """The numpy MinHash equals what datasketch computes for the same shingle hashes."""
    hashed = shingles(" ".join(texts), 5)
    reference = MinHash(num_perm=64, hashfunc=lambda value: value)
    reference.update_batch(hashed.tolist())
    assert np.array_equal(minhash(hashed, 64).hashvalues, reference.hashvalues)
    assert exact_key(" ".join(texts)) == exact_key("  ".join(texts).upper())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), min_size=0, max_size=40), st.integers(1, 13))
def test_every_window_hash_is_the_polynomial_of_its_window(values: list[int], width: int) -> None:
    """The prefix-sum trick gives each window the hash a direct polynomial gives it."""
    hashed = _windows(np.array(values, dtype=np.uint64), width)
    expected = []
    for start in range(len(values) - width + 1):
        total = 0
        for value in values[start : start + width]:
            total = (total * int(_BASE) + value) % 2**64
        expected.append(total)
    assert hashed.tolist() == expected
