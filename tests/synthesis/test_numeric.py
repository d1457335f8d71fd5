"""Numeric variation: variants are deterministic, malformed templates are refused, and the
teacher's program runs in the sandbox (a failing or chatty program gives no answer)."""

from __future__ import annotations

from factory.synthesis.numeric import program_answer, variant
from factory.synthesis.operators import MathReply
from sandbox import Sandbox

REPLY = MathReply(
    statement="Tom has {a} bags of {b} apples. How many apples does he have?",
    parameters={"a": [3, 4, 5, 6], "b": [7, 8, 9]},
    program="import json\nv = json.load(open(0))\nprint(v['a'] * v['b'])\n",
)


def test_variants_are_deterministic_and_fill_every_placeholder() -> None:
    made = variant(REPLY, 1)
    assert made is not None and made == variant(REPLY, 1)
    text, values = made
    assert "{" not in text and f"has {values['a']} bags of {values['b']} apples" in text
    texts = {made[0] for made in (variant(REPLY, n) for n in range(8)) if made}
    assert len(texts) > 1


def test_malformed_templates_are_refused() -> None:
    assert variant(REPLY.model_copy(update={"parameters": {"a": [3]}}), 0) is None
    assert variant(REPLY.model_copy(update={"parameters": {"a": [3], "b": []}}), 0) is None
    assert variant(REPLY.model_copy(update={"statement": "No placeholders."}), 0) is None


def test_program_runs_in_the_sandbox(auto_sandbox: Sandbox) -> None:
    assert REPLY.program is not None
    assert program_answer(auto_sandbox, REPLY.program, {"a": 3, "b": 7}) == "21"
    assert program_answer(auto_sandbox, "raise SystemExit(3)\n", {"a": 1}) == ""
    assert program_answer(auto_sandbox, "print('x' * 500)\n", {"a": 1}) == ""
