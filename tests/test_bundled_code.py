"""The bundled code problems: every reference solution passes every one of its own tests.

Each reference runs in a fresh `python` subprocess: these are our own trusted programs, so no
sandbox is needed, but a subprocess keeps a crash, a hang or leaked global state out of pytest.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from problems.model import CodeProblem, problem_adapter

DATA = Path(__file__).resolve().parent.parent / "problems" / "data" / "code.jsonl"
TIMEOUT = 30

# Exec the solution under a name other than "__main__" so its stdin-reading block stays idle,
# then run the check function against the entry point, as an assert-test verifier would.
ASSERT_DRIVER = """
import json, sys
payload = json.load(sys.stdin)
ns = {"__name__": "solution"}
exec(compile(payload["solution"], "solution.py", "exec"), ns)
exec(compile(payload["setup"], "setup.py", "exec"), ns)
exec(compile(payload["tests"], "tests.py", "exec"), ns)
ns["check"](ns[payload["entry_point"]])
print("PASSED")
"""

# Runs every property of one problem with hypothesis, drawing arguments from its strategies.
PROPERTY_DRIVER = """
import json, sys
from hypothesis import given, settings, strategies as st
payload = json.load(sys.stdin)
ns = {"__name__": "solution"}
exec(compile(payload["solution"], "solution.py", "exec"), ns)
candidate = ns[payload["entry_point"]]
for spec in payload["properties"]:
    prop_ns = {"__name__": "properties"}
    exec(compile(spec["code"], spec["name"] + ".py", "exec"), prop_ns)
    prop = prop_ns["prop"]
    strategies = {name: eval(expr, {"st": st}) for name, expr in spec["strategies"].items()}

    @settings(max_examples=100, deadline=None, database=None, derandomize=True)
    @given(**strategies)
    def run(**drawn):
        prop(candidate, **drawn)

    run()
    print("PASSED", spec["name"])
"""


def load_problems() -> list[CodeProblem]:
    problems: list[CodeProblem] = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        problem = problem_adapter.validate_json(line)
        assert isinstance(problem, CodeProblem), problem.id
        problems.append(problem)
    return problems


PROBLEMS = load_problems()
WITH_PROPERTIES = [p for p in PROBLEMS if p.tests.properties]


def run_python(args: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def normalize(output: str) -> str:
    """Drop trailing whitespace on each line and trailing newlines, as stdio judges do."""
    return "\n".join(line.rstrip() for line in output.splitlines()).rstrip("\n")


def reference(problem: CodeProblem) -> str:
    assert problem.reference_solution is not None, problem.id
    return problem.reference_solution


def entry_point(problem: CodeProblem) -> str:
    assert problem.entry_point is not None, problem.id
    return problem.entry_point


def test_the_set_is_complete() -> None:
    assert len(PROBLEMS) >= 25
    assert len(WITH_PROPERTIES) >= 8
    ids = [p.id for p in PROBLEMS]
    assert len(ids) == len(set(ids))
    assert {p.level for p in PROBLEMS} == {"easy", "medium", "hard"}
    for problem in PROBLEMS:
        assert problem.id.startswith("code/"), problem.id
        assert problem.source == "reasoning-factory", problem.id
        assert problem.license == "Apache-2.0", problem.id
        assert problem.topic, problem.id
        assert problem.tests.asserts is not None, problem.id
        assert problem.tests.asserts.style == "check", problem.id
        assert problem.tests.asserts.code.count("assert ") >= 5, problem.id
        assert len(problem.tests.stdio) >= 3, problem.id
        assert problem.reference_solution, problem.id
        assert problem.entry_point, problem.id
        assert problem.starter_code, problem.id
        assert f"def {problem.entry_point}(" in problem.starter_code, problem.id
        assert f"def {problem.entry_point}(" in problem.reference_solution, problem.id
        assert 'if __name__ == "__main__":' in problem.reference_solution, problem.id
        assert "stdin" in problem.statement, problem.id


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.id)
def test_reference_passes_asserts(problem: CodeProblem) -> None:
    asserts = problem.tests.asserts
    assert asserts is not None
    payload = {
        "solution": reference(problem),
        "setup": asserts.setup,
        "tests": asserts.code,
        "entry_point": entry_point(problem),
    }
    result = run_python(["-c", ASSERT_DRIVER], json.dumps(payload))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "PASSED"


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.id)
def test_reference_passes_stdio(problem: CodeProblem) -> None:
    for case in problem.tests.stdio:
        result = run_python(["-c", reference(problem)], case.input)
        assert result.returncode == 0, f"input {case.input!r}: {result.stderr}"
        assert normalize(result.stdout) == normalize(case.output), f"input {case.input!r}"


@pytest.mark.parametrize("problem", WITH_PROPERTIES, ids=lambda p: p.id)
def test_reference_passes_properties(problem: CodeProblem) -> None:
    payload = {
        "solution": reference(problem),
        "entry_point": entry_point(problem),
        "properties": [spec.model_dump() for spec in problem.tests.properties],
    }
    result = run_python(["-c", PROPERTY_DRIVER], json.dumps(payload))
    assert result.returncode == 0, result.stderr
    passed = [line for line in result.stdout.splitlines() if line.startswith("PASSED")]
    assert len(passed) == len(problem.tests.properties)
