"""Numeric variation (GSM-Symbolic style): a parametrised statement, new values, a computed answer.

The teacher returns the statement with its numbers as `{name}` placeholders, the values each may
take, and a program that reads the values as JSON on stdin and prints the answer. A variant
takes one value per parameter (chosen by the variant's number, so a rerun makes the same one),
and its program runs in the sandbox: the program is model-written code. Its printed answer is
checked against the solvers' agreed answer (`math_accept`); it is never a vote.
"""

from __future__ import annotations

import hashlib
import json
import re

from factory.synthesis.operators import MathReply
from sandbox import ExecRequest, Limits, Sandbox

PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w{0,30})\}")
PROGRAM_LIMITS = Limits(timeout_seconds=10, cpu_seconds=5, memory_mb=256, output_bytes=65536)
MAX_ANSWER_CHARS = 200


def variant(reply: MathReply, number: int) -> tuple[str, dict[str, int | str]] | None:
    """Variant `number` of a parametrised statement and the values it took; None when the
    placeholders and the parameters do not match or a parameter has no values."""
    names = set(PLACEHOLDER.findall(reply.statement))
    if not names or names != set(reply.parameters) or not all(reply.parameters.values()):
        return None
    values: dict[str, int | str] = {}
    for name in sorted(names):
        options = reply.parameters[name]
        digest = hashlib.sha256(f"{name}:{number}".encode()).digest()
        values[name] = options[int.from_bytes(digest[:4], "big") % len(options)]
    text = PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), reply.statement)
    return text, values


def program_answer(sandbox: Sandbox, program: str, values: dict[str, int | str]) -> str:
    """The last line the program prints for `values`, run in the sandbox; "" when it fails."""
    result = sandbox.run(
        ExecRequest(
            command=["python3", "-I", "program.py"],
            files={"program.py": program},
            stdin=json.dumps(values),
            limits=PROGRAM_LIMITS,
        )
    )
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    if result.exit_code != 0 or not lines or len(lines[-1]) > MAX_ANSWER_CHARS:
        return ""
    return lines[-1]
