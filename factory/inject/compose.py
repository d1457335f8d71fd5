"""The text of a corrected-mistake example: the mistake, what exposes it, and the fix.

Math: the steps before, the wrong step and the steps that follow from it, a check line built
from the verifier's evidence, then the corrected step and the rest of the verified solution;
the rejected side of its pair is the wrong branch carried on to its own final answer.
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
_NUMBERED = re.compile(r"(\d+)\.\s")  # a numbered step's marker: "4. Check: ..."
_FENCE = re.compile(r"^```python\n(.*?)^```[ \t]*$", re.M | re.S)


@dataclass(frozen=True)
class Branch:
    """The wrong branch of a math solution after its wrong step.

    `split` is where the rest of the wrong step begins (after the math of the wrong relation);
    `following` are the later steps that carry the wrong value into the example (a few);
    `later` maps a later step (1-based) to its text on the wrong branch (None: left out, a
    check of the solution's own that would have caught the mistake); `continued` says whether
    the wrong value could be carried to the final answer."""

    wrong_step: str
    split: int
    following: list[str]
    later: dict[int, str | None]
    continued: bool


@dataclass(frozen=True)
class MathParts:
    """The texts one math injection is made of and judged by."""

    text: str  # the example: mistake, check, fix
    without_mistake: str  # the example with the mistake step taken out, for re-verification
    wrong_branch: str  # the steps before, the wrong step and its branch: only it may be refuted
    probe: str  # `wrong_branch` with the rest of the wrong step as a step of its own
    rejected: str | None  # the wrong branch carried to its own final answer, when it could be


def shown(value: str) -> str:
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
        left, value = shown(evidence.details["left"]), shown(evidence.details["right"])
        where, left, value = at or (where, left, value)
        return (
            f"Check: taking {where}, ${lhs}$ is {left} but ${wrong}$ is {value}, so "
            f"${lhs} = {right}$, not ${wrong}$ ({note}). Correcting that step:"
        )
    computed = evidence.details.get("left", "")
    stated = shown(computed) if _WHOLE.match(computed) else right
    return f"Check: ${lhs} = {stated}$, not ${wrong}$ ({note}). Correcting that step:"


def _rebuilt(
    solution: str, spans: list[tuple[int, int]], step: int, wrong: str, later: dict[int, str | None]
) -> str:
    """`solution` with step `step` (1-based) replaced by `wrong` and later steps by `later`
    (None leaves a step out), the text between steps kept; numbered steps after a numbered one
    left out are numbered on, so the list has no gap ("3." then "5.")."""
    out = solution[: spans[step - 1][0]] + wrong
    cursor = spans[step - 1][1]
    left_out = 0
    for index in range(step + 1, len(spans) + 1):
        start, end = spans[index - 1]
        new = later.get(index, solution[start:end])
        if new is None:
            left_out += bool(_NUMBERED.match(solution[start:end]))
        else:
            out += solution[cursor:start] + _renumbered(new, left_out)
        cursor = end
    return out + solution[cursor:]


def _renumbered(step: str, by: int) -> str:
    """`step` with its leading "N." lowered by `by` (unchanged when it has none)."""
    found = _NUMBERED.match(step)
    if found is None or by == 0:
        return step
    return f"{int(found.group(1)) - by}{step[found.end(1) :]}"


def compose_math(
    solution: str, spans: list[tuple[int, int]], step: int, branch: Branch, check: str
) -> MathParts:
    """Put the wrong branch and the check before step `step` (1-based) of `solution`."""
    start = spans[step - 1][0]
    before, after = solution[:start], solution[start:]
    wrong = branch.wrong_step
    rest = wrong[branch.split :].strip()
    split = f"{wrong[: branch.split]}\n\n{rest}" if rest else wrong
    carried = "".join(f"{line}\n" for line in branch.following)
    if branch.continued:
        wrong_branch = _rebuilt(solution, spans, step, wrong, branch.later)
        probe = _rebuilt(solution, spans, step, split, branch.later)
    else:
        wrong_branch = before + "\n".join([wrong, *branch.following])
        probe = before + "\n".join([split, *branch.following])
    return MathParts(
        text=f"{before}{wrong}\n{carried}{check}\n{after}",
        without_mistake=f"{before}{carried}{check}\n{after}",
        wrong_branch=wrong_branch,
        probe=probe,
        rejected=wrong_branch if branch.continued else None,
    )


def failing_test(verdict: Verdict) -> Evidence | None:
    """The first test the program failed or crashed on that shows what it was called with (or
    how it crashed): the one a diagnosis can explain; None when no failure shows that."""
    failed = [e for e in verdict.evidence if e.outcome in ("failed", "error")]
    return next((e for e in failed if {"input", "traceback"} & set(e.details)), None)


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


def what_happened(evidence: Evidence, entry_point: str) -> str:
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
    happened = what_happened(evidence, entry_point)
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
