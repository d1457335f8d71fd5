"""Operator prompts name their seeds; replies are read as JSON only, whatever surrounds them."""

from __future__ import annotations

from factory.synthesis.operators import TEMPLATES, parse_math_reply, render


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
