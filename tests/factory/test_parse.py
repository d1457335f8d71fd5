"""Parsing a teacher's reply: steps and a boxed answer, or the one python block; never raising."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from factory.parse import parse, parse_code, parse_math


def test_math_steps_and_the_last_boxed_answer() -> None:
    parsed = parse_math(
        "1. Muffins sold: $19 \\cdot 6 = 114$.\n\n2. Left: $150 - 114 = 36$.\n"
        "3. Final answer: \\boxed{\\frac{72}{2}}"
    )
    assert parsed.error is None
    assert parsed.final_answer == "\\frac{72}{2}"
    assert parsed.steps == [
        "1. Muffins sold: $19 \\cdot 6 = 114$.",
        "2. Left: $150 - 114 = 36$.",
        "3. Final answer: \\boxed{\\frac{72}{2}}",
    ]


def test_a_display_block_is_one_step_and_every_box_is_an_answer() -> None:
    parsed = parse_math("Try \\boxed{1}.\n$$\nx = 2\n$$\nSo \\boxed{2}")
    assert parsed.final_answer == "1; 2"  # a hedge: the verifier fails it
    assert parsed.steps == ["Try \\boxed{1}.", "$$\nx = 2\n$$", "So \\boxed{2}"]


def test_math_without_a_recognisable_final_answer_is_a_format_error() -> None:
    assert parse_math("The answer is 36.").final_answer == "36"
    assert parse_math("3 * 12 = 36\n#### 36").final_answer == "36"
    for text in ("So \\boxed{ }", "So \\boxed{3", "We are done here.", "The answer is"):
        assert parse_math(text).error == "no recognisable final answer", text


def test_code_takes_the_single_python_block_and_the_reasoning_before_it() -> None:
    text = (
        "Scan once.\nKeep a counter.\n\n```python\ndef f(x):\n    return x\n```\n"
        "```text\nsample output\n```\n"
    )
    parsed = parse_code(text)
    assert parsed.error is None
    assert parsed.code == "def f(x):\n    return x\n"
    assert parsed.steps == ["Scan once.", "Keep a counter."]


def test_an_unlabelled_fence_counts_as_python() -> None:
    assert parse_code("```\nprint(1)\n```").code == "print(1)\n"
    assert parse_code("```py\nprint(1)\n```").code == "print(1)\n"


def test_code_format_errors() -> None:
    assert parse_code("def f(): pass").error == "no fenced python code block"
    assert parse_code("```js\nlet x\n```").error == "no fenced python code block"
    two = "```python\na = 1\n```\nor\n```python\na = 2\n```"
    assert parse_code(two).error == "2 python code blocks; expected exactly one"
    assert parse_code("```python\n\n```").error == "the python code block is empty"


def test_empty_and_cut_off_replies_are_format_errors_in_both_domains() -> None:
    for domain in ("math", "code"):
        assert parse(domain, "  \n", "stop").error == "empty response"
        assert parse(domain, "\\boxed{1}\n```python\nx=1\n```", "length").error == (
            "cut off at max_tokens"
        )


@given(st.text(max_size=300), st.sampled_from(["math", "code"]), st.sampled_from(["stop", None]))
def test_any_text_parses_to_a_result_or_a_reason(
    text: str, domain: str, finish: str | None
) -> None:
    parsed = parse(domain, text, finish)
    usable = parsed.final_answer if domain == "math" else parsed.code
    assert (usable is None) != (parsed.error is None)
