"""Final answers found in free text, by a documented order of rules, hedges kept whole."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifiers.math.final_answer import answer_parts, extract, gold_parts
from verifiers.math.steps import parse_solution

SOLUTION = "1. Muffins sold: $19 \\cdot 6 = 114$.\n2. Left: $150 - 114 = 36$.\n"


@pytest.mark.parametrize(
    ("ending", "parts", "rule"),
    [
        ("So $\\boxed{\\frac{1}{2}}$.", ("\\frac{1}{2}",), "boxed"),
        ("#### 36", ("36",), "hashes"),
        ("The answer is 36.", ("36",), "statement"),
        ("**Final answer:** $x = 3$", ("$x = 3$",), "statement"),
        ("Final Answer: The final answer is 36. I hope it is correct.", ("36",), "statement"),
        ("Answer: (C)", ("(C)",), "statement"),
        ("Final answer:\n$$x = 3$$", ("$$x = 3$$",), "statement"),
        ("Putting it together:\n$$\nx = 150 - 114 = 36\n$$", ("x = 36",), "display"),
        ("Altogether:\n\\[ 36 \\]", ("36",), "display"),
        ("Altogether:\n36", ("36",), "last-line"),
        ("Altogether:\n**$-\\frac{1}{2}$**", ("-\\frac{1}{2}",), "last-line"),
    ],
)
def test_each_style_of_ending_is_found_by_its_rule(
    ending: str, parts: tuple[str, ...], rule: str
) -> None:
    found = extract(SOLUTION + ending)
    assert found is not None
    assert (found.parts, found.rule) == (parts, rule)


def test_a_higher_rule_wins_over_a_lower_one() -> None:
    found = extract("Work.\n#### 36\n$$37$$")
    assert found is not None and (found.parts, found.rule) == (("36",), "hashes")
    found = extract("The answer is 36.\n$$37$$")
    assert found is not None and (found.parts, found.rule) == (("36",), "statement")


def test_a_box_collects_the_values_other_explicit_rules_state() -> None:
    found = extract("The answer is \\boxed{36}. Or rather, the answer is 35.")
    assert found is not None and (found.parts, found.rule) == (("36", "35"), "boxed")
    found = extract("The answer is (B). \\boxed{C}")
    assert found is not None and found.parts == ("C", "(B)")
    found = extract("#### 36\nThe answer is clearly right.")  # words are not a second answer
    assert found is not None and found.parts == ("36",)


def test_every_answer_a_rule_finds_is_kept_and_repeats_once() -> None:
    found = extract("So \\boxed{3} or \\boxed{5}.")
    assert found is not None and found.parts == ("3", "5")
    found = extract("The answer is 7. Actually, the answer is 8.")
    assert found is not None and found.parts == ("7", "8")
    found = extract("\\boxed{5}. Checking again: \\boxed{ 5 }")
    assert found is not None and found.parts == ("5",)


@pytest.mark.parametrize(
    "text",
    [
        "no answer here",
        "1. The first leg takes $\\frac{120}{60} = 2$ hours.\n2. The batch grows by",
        "Total distance is $120 + 120 = 240$ km",
        "So \\boxed{3",
        "I can't solve this one.",
        "The answer is",
        "1. Sold: $19 \\cdot 6 = 114$.\n2. Left: $150 - 114 = 36$.\n3.",
    ],
)
def test_a_text_without_a_recognisable_final_answer_has_none(text: str) -> None:
    assert extract(text) is None


def test_a_bare_answer_cell_is_the_answer_itself() -> None:
    assert answer_parts("x = 2 \\text{ or } x = -2").parts == ("x = 2 \\text{ or } x = -2",)
    assert answer_parts("Answer: (B) or (D)").parts == ("(B) or (D)",)
    assert answer_parts("\\boxed{2} and \\boxed{7}").parts == ("2", "7")
    assert gold_parts("\\boxed{2} pens and \\boxed{7} boxes") == ("2", "7")
    assert gold_parts("\\frac{1}{2}") == ("\\frac{1}{2}",)


@given(st.text(max_size=300))
def test_extraction_never_raises_and_finds_only_text_it_was_given(text: str) -> None:
    found = extract(text)
    if found is not None:
        assert found.parts and all(part.strip() for part in found.parts)


@pytest.mark.parametrize(
    "text",
    [
        "\\[" * 20_000,  # unclosed openers once took seconds each pass (quadratic scans)
        "\\begin{align}" * 4_000,
        "\\(" * 20_000,
        "answer:" * 8_000,
        "the answer is " * 4_000,
        "\\boxed{1}" * 6_000,
    ],
)
def test_hostile_solution_texts_are_read_in_one_pass(text: str) -> None:
    found = extract(text)
    assert found is None or found.parts
    assert parse_solution(text)
