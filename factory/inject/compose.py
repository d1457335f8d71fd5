"""The text of a corrected-mistake example: the mistake, what exposes it, and the fix.

Math: the steps before, the wrong step and the steps that follow from it, a check line built
from the verifier's evidence, then the corrected step and the rest of the verified solution.
Code: the buggy program, the failing test as the sandbox reported it (quoted verbatim), a
diagnosis saying what came back, what should have and the line responsible, and the verified
program.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verifiers.code.mutate import Mutant
from verifiers.verdict import Evidence, Verdict

_WHOLE = re.compile(r"^-?\d+(?:\.0*)?$")
_FRAME = 'File "solution.py"'
_FENCE = re.compile(r"^```python\n(.*?)^```[ \t]*$", re.M | re.S)


@dataclass(frozen=True)
class MathParts:
    """The texts one math injection is made of and judged by."""

    text: str  # the example: mistake, check, fix
    without_mistake: str  # the example with the mistake step taken out, for re-verification
    mistake: str  # the steps before and the wrong step: the verifier must refute its last step
    rejected: str  # the trace with the mistake left in and never corrected


def _shown(value: str) -> str:
    """A verifier value ("114.000000000") as a person writes it ("114")."""
    return value.rstrip("0").rstrip(".") if "." in value else value


def check_line(
    lhs: str,
    right: str,
    wrong: str,
    note: str,
    evidence: Evidence,
    at: tuple[str, str, str] | None = None,
) -> str:
    """One line that exposes the wrong result with the verifier's finding: its value of the
    calculation when that is a whole number (arithmetic); for an identity, a point where the
    sides differ: `at` (where, value of `lhs`, value of `wrong`), a simpler point found the same
    way, else the verifier's own counterexample. The false relation itself is never written as
    math, so the line verifies."""
    point = evidence.details.get("point")
    if point:
        where = ", ".join(part.replace("=", " as ") for part in point.split(", "))
        left, value = _shown(evidence.details["left"]), _shown(evidence.details["right"])
        where, left, value = at or (where, left, value)
        return (
            f"Check: taking {where}, ${lhs}$ is {left} but ${wrong}$ is {value}, so "
            f"${lhs} = {right}$, not ${wrong}$ ({note}). Correcting that step:"
        )
    computed = evidence.details.get("left", "")
    stated = _shown(computed) if _WHOLE.match(computed) else right
    return f"Check: ${lhs} = {stated}$, not ${wrong}$ ({note}). Correcting that step:"


def compose_math(
    solution: str,
    spans: list[tuple[int, int]],
    step: int,
    wrong_step: str,
    following: list[str],
    check: str,
) -> MathParts:
    """Put the wrong branch and the check before step `step` (1-based) of `solution`."""
    start = spans[step - 1][0]
    branch_end = spans[step - 1 + len(following)][1]
    before, after = solution[:start], solution[start:]
    carried = "".join(f"{line}\n" for line in following)
    return MathParts(
        text=f"{before}{wrong_step}\n{carried}{check}\n{after}",
        without_mistake=f"{before}{carried}{check}\n{after}",
        mistake=f"{before}{wrong_step}",
        rejected=before + "\n".join([wrong_step, *following]) + solution[branch_end:],
    )


def failing_test(verdict: Verdict) -> Evidence | None:
    """The first test the program failed or crashed on."""
    return next((e for e in verdict.evidence if e.outcome in ("failed", "error")), None)


def _traceback_tail(traceback: str) -> str:
    """The traceback from the program's own last frame on, verbatim (the harness frames above
    it say nothing about the bug)."""
    at = traceback.rfind(_FRAME)
    return traceback[at:].strip() if at >= 0 else traceback.strip().splitlines()[-1]


def test_report(evidence: Evidence) -> str:
    """The failing test as the sandbox reported it: source, input, expected, actual."""
    details = evidence.details
    lines = [f"test: {details.get('name', evidence.check)} ({evidence.outcome})"]
    for key in ("source", "input", "expected", "actual"):
        if key in details:
            lines.append(f"{key}: {details[key]}")
    if "traceback" in details:
        lines.append(_traceback_tail(details["traceback"]))
    return "\n".join(lines)


def _inline(value: str) -> str:
    """A value as inline code: itself when it is one short line, else its escaped form."""
    value = value.rstrip("\n")
    shown = value if "\n" not in value and "`" not in value else repr(value)
    return f"`{shown[:157]}...`" if len(shown) > 160 else f"`{shown}`"


def _what_happened(evidence: Evidence, entry_point: str) -> str:
    """What the failing test did and what came back, against what should have."""
    details = evidence.details
    error = details.get("traceback", "").strip().splitlines()[-1:] or [""]
    if evidence.check == "stdio":
        given = f"On the input {_inline(details.get('input', ''))} the program"
        if error[0]:
            return f"{given} crashed with {_inline(error[0])}."
        return (
            f"{given} printed {_inline(details.get('actual', ''))}, but the expected output "
            f"is {_inline(details.get('expected', ''))}."
        )
    if "input" not in details:
        return "The test above fails."
    call = f"`{entry_point}({details['input']})`"
    if error[0]:
        return f"{call} raised {_inline(error[0])}."
    if "expected" in details:
        return (
            f"{call} returned {_inline(details.get('actual', ''))}, but it should return "
            f"{_inline(details['expected'])}."
        )
    return f"{call} returned {_inline(details.get('actual', ''))}, which the test rejects."


def diagnosis(mutant: Mutant, evidence: Evidence, entry_point: str) -> str:
    """What the test called, what came back and what should have, and the line responsible,
    in the voice of the programmer who finds it (no operator names)."""
    happened = _what_happened(evidence, entry_point)
    if not mutant.after:
        return (
            f"{happened} The cause: {mutant.description}; `{mutant.before.splitlines()[0]}` "
            f"must come back before line {mutant.line}."
        )
    line = mutant.source.splitlines()[mutant.line - 1].strip()
    return (
        f"{happened} The cause is line {mutant.line}, `{line}`: {mutant.description}, "
        f"so `{mutant.after}` should be `{mutant.before}`."
    )


def _block(program: str) -> str:
    return f"```python\n{program.rstrip()}\n```"


def code_check(evidence: Evidence, mutant: Mutant, entry_point: str) -> str:
    """What exposes the bug: the failing test as reported, then the diagnosis."""
    report, why = test_report(evidence), diagnosis(mutant, evidence, entry_point)
    return f"Running the tests, one fails:\n\n```\n{report}\n```\n\n{why}"


def compose_code(buggy: str, fixed: str, check: str) -> str:
    return f"{_block(buggy)}\n\n{check}\n\nThe fixed program:\n\n{_block(fixed)}\n"


def buggy_trace(buggy: str) -> str:
    """The rejected side of a code preference: the buggy attempt, never corrected."""
    return f"{_block(buggy)}\n"


def last_program(text: str) -> str | None:
    """The last fenced python program of an example: the one that must pass."""
    blocks = _FENCE.findall(text)
    return str(blocks[-1]) if blocks else None
