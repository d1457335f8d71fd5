"""The code verifier on small problems: every kind of test, structured evidence, limits."""

from __future__ import annotations

import pytest

from problems import AssertTests, CodeProblem, CodeTests, PropertySpec, StdioCase
from sandbox import Sandbox
from tests.code.counting import CountingSandbox
from verifiers.code.verify import program_for, verify_code, verify_many

ADD = CodeProblem(
    id="t/add",
    statement="Add two integers; as a program, read two integers and print their sum.",
    entry_point="add",
    starter_code='def add(a: int, b: int) -> int:\n    """Return a + b."""\n',
    tests=CodeTests(
        asserts=AssertTests(
            style="check",
            code="def check(candidate):\n"
            "    assert candidate(1, 2) == 3\n"
            "    assert candidate(-5, 5) == 0\n"
            "    assert candidate(10, 0) == 10\n",
        ),
        stdio=[StdioCase(input="1 2\n", output="3\n"), StdioCase(input="4 4\n", output="8\n")],
        properties=[
            PropertySpec(
                name="commutes",
                code="def prop(candidate, a, b):\n    assert candidate(a, b) == candidate(b, a)\n",
                strategies={"a": "st.integers(-9, 9)", "b": "st.integers(-9, 9)"},
            )
        ],
    ),
    reference_solution="def add(a: int, b: int) -> int:\n    return a + b\n\n"
    "if __name__ == '__main__':\n    print(add(*map(int, input().split())))\n",
)
RIGHT = ADD.reference_solution or ""


def test_right_program_passes_every_kind_of_test(sandbox: Sandbox) -> None:
    verdict = verify_code(ADD, RIGHT, sandbox)
    assert verdict.status == "pass", verdict.evidence
    kinds = [(e.check, e.outcome) for e in verdict.evidence]
    assert kinds == [
        ("assert", "passed"),
        ("assert", "passed"),
        ("assert", "passed"),
        ("property", "passed"),
        ("differential", "passed"),
        ("stdio", "passed"),
        ("stdio", "passed"),
    ]


def test_failing_assert_names_input_expected_and_actual(sandbox: Sandbox) -> None:
    wrong = RIGHT.replace("return a + b", "return a + b if a >= 0 else a - b")
    verdict = verify_code(ADD, wrong, sandbox)
    assert verdict.status == "fail"
    failed = next(e for e in verdict.evidence if e.outcome == "failed")
    assert failed.check == "assert" and failed.details["name"] == "assert 2"
    assert failed.details["source"] == "assert candidate(-5, 5) == 0"
    assert failed.details["input"] == "-5, 5"
    assert failed.details["actual"] == "-10"
    assert "expected: 0" in failed.reason and "actual:   -10" in failed.reason
    assert verdict.evidence[-3].details["name"] == "generated inputs"
    assert verdict.evidence[-3].outcome == "skipped"


def test_generated_inputs_catch_what_the_given_tests_miss(sandbox: Sandbox) -> None:
    wrong = RIGHT.replace("return a + b", "return a + b if a < 50 else a - b")
    verdict = verify_code(ADD, wrong, sandbox)
    assert verdict.status == "fail"
    given = [e.outcome for e in verdict.evidence if e.check in ("assert", "stdio")]
    assert given == ["passed"] * 5
    assert [e.outcome for e in verdict.evidence if e.check == "property"] == ["passed"]
    (differential,) = [e for e in verdict.evidence if e.check == "differential"]
    assert differential.outcome == "failed"
    # The smallest drawn input the wrong branch is taken on, with both sides shown.
    a, b = (int(part.split("=")[1]) for part in differential.details["input"].split(", "))
    assert a >= 50 and differential.reason.startswith(f"counterexample: a={a}, b={b}\n")
    assert (differential.details["expected"], differential.details["actual"]) == (
        str(a + b),
        str(a - b),
    )


def test_a_problems_inputs_are_drawn_once_for_all_its_candidates(sandbox: Sandbox) -> None:
    # A problem of its own per backend: drawn inputs are kept per problem for the whole process.
    problem = ADD.model_copy(update={"reference_solution": f"{RIGHT}# {sandbox.name}\n"})
    edges = (50, 60, 70, 80)
    wrong = [RIGHT.replace("return a + b", f"return a + b if a < {e} else a - b") for e in edges]
    counting = CountingSandbox(sandbox)
    verdicts = verify_many([(problem, program) for program in [*wrong, RIGHT]], counting)
    assert (counting.draws, sorted(counting.batches)) == (1, [2, 3])  # two runs at once
    assert [v.status for v in verdicts] == ["fail"] * 4 + ["pass"]
    for edge, verdict in zip(edges, verdicts[:4], strict=True):
        (differential,) = [e for e in verdict.evidence if e.check == "differential"]
        assert int(differential.details["input"].split(",")[0].removeprefix("a=")) >= edge


@pytest.mark.parametrize(
    ("body", "outcome"),
    [
        ("return None", "failed"),
        ("raise ValueError('big')", "error"),
        ("while True: pass", "timeout"),
    ],
)
def test_generated_inputs_asked_at_once_still_fail_one_by_one(
    sandbox: Sandbox, body: str, outcome: str
) -> None:
    wrong = RIGHT.replace("return a + b", f"if a >= 50:\n        {body}\n    return a + b")
    verdict = verify_code(ADD, wrong, sandbox)
    (differential,) = [e for e in verdict.evidence if e.check == "differential"]
    assert differential.outcome == outcome
    if outcome != "timeout":  # a hung call never answered; the evidence shows the last that did
        assert int(differential.details["input"].split(",")[0].removeprefix("a=")) >= 50
    assert verdict.status == ("timeout" if outcome == "timeout" else "fail")


def _variant(name: str, reference: str) -> CodeProblem:
    """ADD under another entry point (so its drawn inputs are its own) with `reference`."""
    return ADD.model_copy(
        update={
            "id": f"t/{name}",
            "entry_point": name,
            "starter_code": (ADD.starter_code or "").replace("def add", f"def {name}"),
            "reference_solution": reference.replace("add", name),
        }
    )


def test_the_problems_of_a_batch_are_drawn_in_one_run(sandbox: Sandbox) -> None:
    names = [f"add_{sandbox.name}_{n}" for n in range(3)]
    problems = [_variant(name, RIGHT) for name in names]
    counting = CountingSandbox(sandbox)
    verdicts = verify_many([(p, p.reference_solution or "") for p in problems], counting, workers=1)
    assert (counting.draws, counting.batches) == (1, [3])
    assert [v.status for v in verdicts] == ["pass"] * 3
    assert all(any(e.check == "differential" for e in v.evidence) for v in verdicts)


def test_a_problem_drawn_ahead_needs_no_draw_run_of_its_own(sandbox: Sandbox) -> None:
    first, later = (_variant(f"add_{sandbox.name}_ahead_{n}", RIGHT) for n in range(2))
    counting = CountingSandbox(sandbox)
    verify_many([(first, first.reference_solution or "")], counting, workers=1, draw_ahead=[later])
    (verdict,) = verify_many([(later, later.reference_solution or "")], counting)
    assert (counting.draws, counting.batches) == (1, [1, 1])
    assert verdict.status == "pass" and any(e.check == "differential" for e in verdict.evidence)


def test_a_reference_that_kills_the_draw_spoils_only_its_own_problem(sandbox: Sandbox) -> None:
    killer = RIGHT.replace("return a + b", "import os, signal\n    os.kill(-1, signal.SIGKILL)")
    good = _variant(f"add_{sandbox.name}_good", RIGHT)
    evil = _variant(f"add_{sandbox.name}_evil", killer)
    counting = CountingSandbox(sandbox)
    jobs = [
        (good, RIGHT.replace("add", good.entry_point or "")),
        (evil, RIGHT.replace("add", evil.entry_point or "")),
    ]
    verdicts = verify_many(jobs, counting, workers=1)
    # The run drawing both ends with no report; each is then drawn alone.
    assert (counting.draws, counting.batches) == (3, [1])
    assert verdicts[0].status == "pass" and any(
        e.check == "differential" for e in verdicts[0].evidence
    )
    assert verdicts[1].status != "pass"
    assert verdicts[1].evidence[0].reason.startswith("the run drawing the problem's inputs")


def test_stdio_failure_shows_the_case(sandbox: Sandbox) -> None:
    wrong = RIGHT.replace("print(add(", "print(1 + add(")
    verdict = verify_code(ADD, wrong, sandbox)
    stdio = [e for e in verdict.evidence if e.check == "stdio"]
    assert [e.outcome for e in stdio] == ["failed", "failed"]
    assert stdio[0].details["input"] == "1 2\n"
    assert (stdio[0].details["expected"], stdio[0].details["actual"]) == ("3\n", "4\n")
    assert verdict.status == "fail"


def test_stdio_ignores_line_endings_and_trailing_space_and_honours_tolerance(
    sandbox: Sandbox,
) -> None:
    problem = CodeProblem(
        id="t/avg",
        statement="Print the mean of the integers on stdin.",
        tests=CodeTests(
            stdio=[
                StdioCase(input="1 2\n", output="1.5\n"),
                StdioCase(input="1 1 2", output="1.3333"),
            ],
            float_tolerance=1e-3,
        ),
    )
    program = "xs = list(map(int, input().split()))\nprint(sum(xs) / len(xs), end='  \\r\\n\\n')\n"
    verdict = verify_code(problem, program, sandbox)
    assert verdict.status == "pass", verdict.evidence
    strict = problem.model_copy(
        update={"tests": problem.tests.model_copy(update={"float_tolerance": None})}
    )
    assert verify_code(strict, program, sandbox).status == "fail"


ECHO = CodeProblem(
    id="t/echo",
    statement="Copy stdin to stdout.",
    tests=CodeTests(stdio=[StdioCase(input="x" * 300_000 + "\n", output="x" * 300_000 + "\n")]),
)


@pytest.mark.parametrize(
    ("program", "outcome", "detail"),
    [
        ("import sys\nsys.stdout.write(sys.stdin.read())\n", "passed", None),
        (
            "import os, sys\nsys.stdout.write(input() + '\\n')\nsys.stdout.flush()\nos._exit(0)\n",
            "passed",
            None,
        ),
        (
            "import sys\nif __name__ == '__main__':\n    print(input())\n    sys.exit()\n",
            "passed",
            None,
        ),
        ("import sys\nprint(input())\nsys.exit(3)\n", "error", "exit code 3"),
        ("import sys\nprint(input())\nsys.exit('bad input')\n", "error", "exit code 1"),
        ("import os\nprint(input(), flush=True)\nos._exit(0)\n", "passed", None),
        ("print('x' * 300_000)\n", "passed", None),
        ("raise ValueError('no')\n", "error", "exit code 1"),
        ("import time\ntime.sleep(60)\n", "timeout", None),
    ],
    ids=[
        "echo",
        "flush-then-_exit",
        "main-guard",
        "exit-3",
        "exit-message",
        "print-flush-_exit",
        "ignores-stdin",
        "raises",
        "hangs",
    ],
)
def test_stdio_runs_the_program_as_python_would(
    sandbox: Sandbox, program: str, outcome: str, detail: str | None
) -> None:
    verdict = verify_code(ECHO, program, sandbox, test_timeout=2.0)
    (case,) = verdict.evidence
    assert case.outcome == outcome, case
    if detail is not None:
        assert case.details["detail"] == detail
    if program.startswith("raise"):
        assert "ValueError: no" in case.details["traceback"]
    if program.startswith("import sys\nprint(input())\nsys.exit('bad"):
        assert "bad input" in case.details["traceback"]


def test_a_hanging_test_times_out_alone(sandbox: Sandbox) -> None:
    hangs = RIGHT.replace("return a + b", "while a == 10: pass\n    return a + b")
    verdict = verify_code(ADD, hangs, sandbox, test_timeout=1.0)
    outcomes = [(e.details["name"], e.outcome) for e in verdict.evidence if e.check == "assert"]
    assert outcomes == [("assert 1", "passed"), ("assert 2", "passed"), ("assert 3", "timeout")]
    assert verdict.status == "timeout"


def test_pytest_style_and_mbpp_style_tests(sandbox: Sandbox) -> None:
    pytest_code = "def test_one():\n    assert add(1, 1) == 2\n\n"
    pytest_code += "def test_two():\n    assert add(-1, -1) == -2\n"
    for tests in [
        AssertTests(style="pytest", code=pytest_code),
        AssertTests(style="asserts", code="assert add(1, 1) == 2\nassert add(2, 2) == 4\n"),
    ]:
        problem = CodeProblem(
            id=f"t/{tests.style}",
            statement="Add.",
            entry_point="add",
            tests=CodeTests(asserts=tests),
        )
        good = verify_code(problem, RIGHT, sandbox)
        bad = verify_code(problem, RIGHT.replace("a + b", "a * b"), sandbox)
        assert good.status == "pass" and len(good.evidence) == 2, good.evidence
        assert bad.status == "fail"


def test_humaneval_body_completion_is_joined_to_the_prompt() -> None:
    body = "    return a + b\n"
    assert program_for(ADD, body) == (ADD.starter_code or "") + body
    assert program_for(ADD, RIGHT) == RIGHT
