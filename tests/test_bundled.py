"""The starter set shipped in the package loads, validates and covers what it promises."""

from __future__ import annotations

from collections import Counter

from problems import MathProblem, bundled_paths, load_problems

MATH_TOPICS = {
    "arithmetic",
    "fractions",
    "linear-equations",
    "quadratic-equations",
    "systems",
    "combinatorics",
    "sequences",
    "calculus",
}


def test_every_bundled_problem_loads_and_validates() -> None:
    results = load_problems(bundled_paths())
    assert [r.format for r in results] == ["reasoning-factory", "reasoning-factory"]
    assert all(not r.skipped for r in results)
    problems = [p for r in results for p in r.problems]
    assert all(p.source == "reasoning-factory" and p.license for p in problems)
    assert len({p.id for p in problems}) == len(problems)


def test_math_set_spans_the_topics_with_answers() -> None:
    math = [p for r in load_problems(bundled_paths()) for p in r.problems if p.domain == "math"]
    assert len(math) >= 40
    assert all(isinstance(p, MathProblem) and p.answer.strip() for p in math)
    topics = Counter(p.topic for p in math)
    assert set(topics) == MATH_TOPICS
    assert min(topics.values()) >= 4
