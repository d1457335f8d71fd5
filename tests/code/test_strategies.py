"""Differential-testing inputs keep to the shape of the given tests' own arguments."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from verifiers.code.strategies import given_arguments, signature_strategies


def draws(expression: str, count: int = 30) -> list[Any]:
    strategy = eval(expression, {"st": st})  # our own strategy text, in a test
    seen: list[Any] = []

    @settings(max_examples=count, database=None, derandomize=True)
    @given(strategy)
    def collect(value: Any) -> None:
        seen.append(value)

    collect()
    return seen


def calls(entry_point: str, arguments: list[str]) -> str:
    return "\n".join(f"assert {entry_point}({a}) is not None" for a in arguments)


@given(st.lists(st.integers(-(10**12), 10**12), min_size=1, max_size=6), st.data())
@settings(max_examples=25, deadline=None)
def test_integers_keep_a_non_negative_lower_edge(values: list[int], data: st.DataObject) -> None:
    tests = calls("candidate", [str(v) for v in values])
    strategy = eval(signature_strategies("def f(n: int): pass", "f", tests)["n"], {"st": st})
    n = data.draw(strategy)
    assert n >= min(values) or min(values) < 0


@given(
    st.lists(st.sets(st.integers(-50, 50), min_size=3, max_size=7), min_size=1, max_size=4),
    st.data(),
)
@settings(max_examples=25, deadline=None)
def test_lists_given_sorted_and_without_repeats_are_drawn_so(
    sets: list[set[int]], data: st.DataObject
) -> None:
    lists = [sorted(s) for s in sets]
    tests = calls("f", [repr(v) for v in lists])
    expression = signature_strategies("def f(xs: list[int]): pass", "f", tests)["xs"]
    xs = data.draw(eval(expression, {"st": st}))
    assert xs == sorted(set(xs))
    assert len(xs) >= min(map(len, lists))


def test_strings_are_recombined_from_the_given_tokens() -> None:
    tests = calls("candidate", ["'(()()) ((())) () ((())()())'", "'() (()) ((())) (((())))'"])
    expression = signature_strategies("def parse(s: str) -> list: pass", "parse", tests)["s"]
    tokens = {"(()())", "((()))", "()", "((())()())", "(())", "(((())))"}
    drawn = draws(expression)
    assert all(s.split(" ") and set(s.split(" ")) <= tokens for s in drawn)
    assert len(set(drawn)) > 5


def test_unannotated_arguments_take_the_type_of_the_given_values() -> None:
    tests = calls("candidate", ["[1, 3, 2], 'ab'", "[4], 'c'"])
    strategies = signature_strategies("def f(xs, word): pass", "f", tests)
    drawn = [x for xs in draws(strategies["xs"]) for x in xs]
    assert drawn and all(isinstance(x, int) and x >= 1 for x in drawn)
    assert all(isinstance(w, str) and w for w in draws(strategies["word"]))


def test_without_given_values_the_type_hint_alone_decides() -> None:
    strategies = signature_strategies("def f(xs: list[str], flag: bool): pass", "f")
    assert all(isinstance(xs, list) for xs in draws(strategies["xs"]))
    assert {True, False} == set(draws(strategies["flag"]))
    assert signature_strategies("def f(xs): pass", "f") == {}


def test_only_literal_arguments_count_and_keywords_find_their_parameter() -> None:
    tests = "x = 5\nassert f(x, b=7) == 1\nassert f(-3, b=9) == 2\nassert g(100, 100) == 0"
    assert given_arguments(tests, "f", ["a", "b"]) == {"a": [-3], "b": [7, 9]}


def test_integers_reach_past_the_given_ones() -> None:
    tests = calls("candidate", ["1, 2", "-5, 5", "10, 0"])
    drawn = draws(signature_strategies("def f(a: int, b: int): pass", "f", tests)["a"], 100)
    assert min(drawn) < -5 and max(drawn) > 50
