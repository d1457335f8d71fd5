"""Code error injection in the bubblewrap sandbox: for every AST operator the mutant fails a real
test, the example quotes that test verbatim, and the program taken back out of it passes."""

from __future__ import annotations

import pytest

from factory.inject.code_inject import CODE_OPERATORS, inject_code
from factory.inject.compose import last_program
from factory.inject.model import Source
from factory.inject.real import Failure, real_code
from factory.parse import parse_code
from factory.teachers.replay import load_transcripts
from problems import CodeProblem
from sandbox import Sandbox
from tests.factory.transcripts import bundled
from verifiers.code.mutate import mutants
from verifiers.code.verify import verify_code

# A replay transcript per operator whose entry point that operator can break.
TRACES = {
    "off-by-one": ("code/edit-distance", 2),
    "flipped-comparison": ("code/two-sum-sorted", 2),
    "wrong-boundary": ("code/top-words", 0),
    "missed-edge-case": ("code/valid-ipv4", 0),
    "wrong-initial-value": ("code/parse-csv-line", 1),
    "integer-division": ("code/evaluate-expression", 1),
    "wrong-variable": ("code/two-sum-sorted", 0),
    "wrong-operator": ("code/two-sum-sorted", 0),
    "wrong-logic": ("code/valid-ipv4", 0),
    "wrong-function": ("code/merge-intervals", 0),
}
EXAMPLES = 20  # generated inputs per property test: enough here, and quick


def source(problem_id: str, sample: int) -> Source:
    text = next(
        t.text for t in load_transcripts() if t.problem_id == problem_id and t.sample == sample
    )
    program = parse_code(text).code
    assert program is not None
    return Source(f"{problem_id}#{sample}", bundled(problem_id)[0], program)


@pytest.mark.parametrize("operator", CODE_OPERATORS)
def test_every_operator_fails_a_test_and_its_fix_passes(
    bwrap_sandbox: Sandbox, operator: str
) -> None:
    traced = source(*TRACES[operator])
    problem = traced.problem
    assert isinstance(problem, CodeProblem)
    [correction] = inject_code(
        [traced], bwrap_sandbox, per_trace=1, operators=[operator], examples=EXAMPLES
    )
    assert (correction.operator, correction.origin, correction.domain) == (
        operator,
        "injected",
        "code",
    )
    buggy, fixed = correction.wrong, correction.corrected
    assert fixed == traced.candidate
    if correction.operator == "missed-edge-case":  # the guard's lines are left out
        assert len(buggy.splitlines()) < len(fixed.splitlines())
    else:
        changed = [
            n
            for n, (a, b) in enumerate(zip(buggy.splitlines(), fixed.splitlines(), strict=True), 1)
            if a != b
        ]
        assert changed == [correction.position]  # one line differs, the layout is kept
    assert correction.mistake_verdict.status == "fail"
    evidence = correction.refutation
    assert evidence.outcome in ("failed", "error")
    assert evidence in correction.mistake_verdict.evidence
    for key in ("source", "input", "expected", "actual"):
        if key in evidence.details:
            assert f"{key}: {evidence.details[key]}\n" in correction.text
    assert f"line {correction.position}" in correction.check
    assert operator not in correction.check  # said in words, not by the operator's id
    if "input" in evidence.details and "expected" in evidence.details:
        assert f"returned `{evidence.details['actual']}`" in correction.check
        assert f"should return `{evidence.details['expected']}`" in correction.check
    # Re-verify from the example text alone: the buggy block fails, the last block passes.
    assert correction.text.startswith(f"```python\n{buggy.rstrip()}\n```")
    assert not verify_code(problem, buggy, bwrap_sandbox, examples=EXAMPLES).passed
    final = last_program(correction.text)
    assert final is not None and final.strip() == fixed.strip()
    assert verify_code(problem, final, bwrap_sandbox, examples=EXAMPLES).passed
    assert correction.verdict.passed
    assert correction.rejected is not None
    assert correction.rejected.strip() == f"```python\n{buggy.rstrip()}\n```"


def test_mutants_keep_the_program_text_apart_from_the_rewritten_code() -> None:
    program = (
        "def f(a, b, c, k):\n    # why: keep me\n    x = b * (c // a)\n"
        "    return sorted([a, b])[:k], x\n"
    )
    found = {(m.operator, m.before, m.after): m.source for m in mutants(program, "f")}
    divided = found[("integer-division", "c // a", "c / a")]
    assert divided == program.replace("c // a", "c / a")
    assert ("wrong-variable", "b", "a") in found  # `i` for `j`, `a` for `b`, ...
    shortened = found[("wrong-boundary", "sorted([a, b])[:k]", "sorted([a, b])[:k - 1]")]
    assert "# why: keep me" in shortened


def test_and_or_swap_keeps_the_layout_and_leaves_longer_chains_alone() -> None:
    program = (
        "def f(a, b, c):\n    if (a > 0)  or  b:\n        return 1\n    return a and b and c\n"
    )
    logic = [m for m in mutants(program, "f") if m.operator == "wrong-logic"]
    assert [(m.before, m.after) for m in logic] == [("(a > 0)  or  b", "(a > 0)  and  b")]
    assert logic[0].source == program.replace("(a > 0)  or  b", "(a > 0)  and  b")


def test_a_remainder_test_is_not_moved_by_one_but_a_parity_test_is() -> None:
    program = "def f(n, d):\n    while n % d == 0:\n        n //= d\n    return n % 2 == 0\n"
    moved = [m.after for m in mutants(program, "f") if m.operator == "off-by-one"]
    assert moved == ["n % 2 == 1"]


def test_no_mutant_returns_none_replaces_a_body_or_relates_a_thing_to_itself() -> None:
    program = "def f(lo, hi):\n    while lo < hi:\n        lo += 1\n    return max(lo, hi)\n"
    found = list(mutants(program, "f"))
    assert found
    for mutant in found:
        assert "None" not in mutant.source
        assert "hi < hi" not in mutant.source and "lo < lo" not in mutant.source
        assert len(mutant.source.splitlines()) == len(program.splitlines())


def test_a_program_that_fails_its_tests_gets_no_injection(bwrap_sandbox: Sandbox) -> None:
    traced = source("code/reverse-words", 0)
    broken = Source(
        traced.trace_id,
        traced.problem,
        traced.candidate.replace("reversed(text.split())", "text.split()"),
    )
    assert broken.candidate != traced.candidate
    assert inject_code([broken], bwrap_sandbox, per_trace=1, examples=EXAMPLES) == []


def test_a_real_rejected_program_is_corrected_by_a_verified_one(bwrap_sandbox: Sandbox) -> None:
    broken = next(
        t
        for t in load_transcripts()
        if t.problem_id == "code/alnum-palindrome" and t.label == "broken-code"
    )
    program = parse_code(broken.text).code
    assert program is not None
    problem = bundled("code/alnum-palindrome")[0]
    assert isinstance(problem, CodeProblem)
    verdict = verify_code(problem, program, bwrap_sandbox, examples=EXAMPLES)
    failure = Failure(f"code/alnum-palindrome#{broken.sample}", problem, program, verdict)
    fixes = [source("code/alnum-palindrome", n) for n in range(3)]
    [correction] = real_code([failure, failure], fixes, bwrap_sandbox, examples=EXAMPLES)
    assert (correction.origin, correction.operator) == ("real", "real")
    assert correction.wrong == program and correction.corrected in [f.candidate for f in fixes]
    assert correction.rejected is not None and program.strip() in correction.rejected
    line = program.splitlines()[correction.position - 1].strip()
    assert f"line {correction.position}, `{line}`, should read `" in correction.check
    assert "returned `" in correction.check
    final = last_program(correction.text)
    assert (
        final is not None and verify_code(problem, final, bwrap_sandbox, examples=EXAMPLES).passed
    )
    far = Failure(failure.trace_id, problem, "def is_palindrome(text):\n    return 1\n", verdict)
    assert real_code([far], fixes, bwrap_sandbox, examples=EXAMPLES) == []  # a rewrite, not a fix
