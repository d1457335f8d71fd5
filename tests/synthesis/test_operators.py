"""Operator prompts name their seeds; replies are read as JSON only, whatever surrounds them."""

from __future__ import annotations

import json

from factory.synthesis.operators import TEMPLATES, parse_code_reply, parse_math_reply, render


def test_every_operator_renders_its_seeds_numbered() -> None:
    for operator in TEMPLATES:
        [message] = render(operator, ["First seed.", "Second seed."])
        assert "Problem 1:\nFirst seed." in message.content
        assert "Problem 2:\nSecond seed." in message.content
        assert "{seeds}" not in message.content
    [custom] = render("self-instruct", ["S"], template="Mine: {seeds}")
    assert custom.content == "Mine: Problem 1:\nS"


def test_math_reply_is_the_last_valid_fenced_json() -> None:
    reply = (
        'Final:\n```json\n{"statement": "What is 2 + 3?", "answer": "5"}\n```\n'
        'A broken afterthought:\n```json\n{"statement": ""}\n```\n'
    )
    parsed = parse_math_reply(reply)
    assert parsed is not None and parsed.statement == "What is 2 + 3?" and parsed.answer == "5"
    assert parse_math_reply("no json here") is None
    assert parse_math_reply("```json\n" + "[" * 100_000 + "\n```") is None
    numeric = parse_math_reply(
        '```json\n{"statement": "Tom has {a} apples", "parameters": {"a": [3, 4]}, '
        '"program": "print(1)"}\n```'
    )
    assert numeric is not None and numeric.parameters == {"a": [3, 4]}


def test_code_reply_may_hold_stdio_cases_and_properties_but_needs_a_test() -> None:
    stdio = parse_code_reply(
        '```json\n{"statement": "Print n squared.", "reference": "print(int(input()) ** 2)", '
        '"stdio": [{"input": "3\\n", "output": "9\\n"}]}\n```'
    )
    assert stdio is not None and stdio.entry_point is None
    tests = stdio.code_tests()
    assert tests.asserts is None and [case.output for case in tests.stdio] == ["9\n"]
    reply = {
        "statement": "Write `double(x)`.",
        "entry_point": "double",
        "signature": "def double(x: int) -> int:",
        "reference": "def double(x):\n    return 2 * x\n",
        "tests": "def check(candidate):\n    assert candidate(2) == 4\n",
        "properties": [
            {"name": "even", "code": "def prop(candidate, x):\n    assert candidate(x) % 2 == 0\n",
             "strategies": {"x": "st.integers()"}}
        ],
    }  # fmt: skip
    both = parse_code_reply("```json\n" + json.dumps(reply) + "\n```")
    assert both is not None
    assert both.code_tests().asserts is not None and both.code_tests().properties[0].name == "even"
    untested = {key: value for key, value in reply.items() if key not in ("tests", "properties")}
    assert parse_code_reply("```json\n" + json.dumps(untested) + "\n```") is None
