"""Before a domain spends a request: its verifier must pass a known-good candidate of a bundled
canary problem and fail a known-bad one, or the domain is skipped with the reason and the fix."""

from __future__ import annotations

from problems import AssertTests, CodeProblem, CodeTests, MathProblem, Problem
from verifiers.plugins import Verifier

_ADD = "def add(a: int, b: int) -> int:\n    return a + b\n"
# Per domain: the canary problem, a candidate that must pass and one that must fail. The code
# canary has a reference solution, so judging it also draws generated inputs (hypothesis).
CANARIES: dict[str, tuple[Problem, str, str]] = {
    "math": (
        MathProblem(id="canary/math", statement="What is 2 + 3?", answer="5"),
        "1. $2 + 3 = 5$.\n\\boxed{5}",
        "1. $2 + 3 = 6$.\n\\boxed{6}",
    ),
    "code": (
        CodeProblem(
            id="canary/code",
            statement="Write `add(a, b)` returning the sum of two integers.",
            entry_point="add",
            starter_code='def add(a: int, b: int) -> int:\n    """Return a + b."""\n',
            reference_solution=_ADD,
            tests=CodeTests(
                asserts=AssertTests(
                    style="check",
                    code="def check(candidate):\n    assert candidate(2, 3) == 5\n"
                    "    assert candidate(-1, 1) == 0\n",
                )
            ),
        ),
        _ADD,
        "def add(a: int, b: int) -> int:\n    return a - b\n",
    ),
}
FIXES = {
    "code": "run `factory sandbox setup` (as root on Debian it installs bubblewrap), or start "
    "Docker; `factory sandbox audit` then shows the sandbox at work",
    "math": "reinstall the project (`pip install -e .`) so the math verifier's workers can start",
}


def preflight(domain: str, verifier: Verifier) -> str | None:
    """None when the verifier judges its domain's canary right, else why not and what to do.
    A domain without a bundled canary (a third-party one) is taken on trust."""
    if domain not in CANARIES:
        return None
    problem, good, bad = CANARIES[domain]
    fix = FIXES.get(domain, "check the verifier's installation")
    try:
        verdicts = verifier.verify([(problem, good), (problem, bad)])
    except Exception as error:  # any failure to judge the canary stops the domain
        return f"its verifier {verifier.name} raised on the canary: {error}; fix: {fix}"
    statuses = [verdict.status for verdict in verdicts]
    if statuses[:1] == ["pass"] and statuses[1:] == ["fail"]:
        return None
    why = next(
        (
            e.reason or e.outcome
            for v in verdicts
            if v.status not in ("pass", "fail")
            for e in v.evidence
        ),
        "",
    )
    said = f" ({why.splitlines()[0]})" if why.strip() else ""
    return (
        f"its verifier {verifier.name} judged the canary's known-good and known-bad candidates "
        f"{' and '.join(statuses) or 'nothing'} instead of pass and fail{said}; fix: {fix}"
    )
