"""The bundled code problems are complete, and every reference solution passes the code verifier
(asserts, stdin/stdout cases, properties and differential tests) inside the sandbox."""

from __future__ import annotations

from problems import CodeProblem, bundled_paths, load_problems
from sandbox import Sandbox
from verifiers.code.verify import verify_many

PROBLEMS = [
    p for r in load_problems(bundled_paths()) for p in r.problems if isinstance(p, CodeProblem)
]


def test_the_set_is_complete() -> None:
    assert len(PROBLEMS) >= 25
    assert sum(bool(p.tests.properties) for p in PROBLEMS) >= 8
    assert {p.level for p in PROBLEMS} == {"easy", "medium", "hard"}
    for problem in PROBLEMS:
        assert problem.id.startswith("code/"), problem.id
        assert problem.topic and problem.starter_code and problem.entry_point, problem.id
        assert problem.tests.asserts is not None, problem.id
        assert problem.tests.asserts.code.count("assert ") >= 5, problem.id
        assert len(problem.tests.stdio) >= 3, problem.id
        assert problem.reference_solution, problem.id
        assert f"def {problem.entry_point}(" in problem.starter_code, problem.id
        assert 'if __name__ == "__main__":' in problem.reference_solution, problem.id
        assert "stdin" in problem.statement, problem.id


def test_every_reference_passes_every_test(auto_sandbox: Sandbox) -> None:
    jobs = [(p, p.reference_solution or "") for p in PROBLEMS]
    verdicts = verify_many(jobs, auto_sandbox)
    failed = {p.id: v.evidence for p, v in zip(PROBLEMS, verdicts, strict=True) if not v.passed}
    assert failed == {}
    for problem, verdict in zip(PROBLEMS, verdicts, strict=True):
        kinds = {e.check for e in verdict.evidence}
        assert {"assert", "stdio"} <= kinds, problem.id
        if problem.tests.properties:
            assert "property" in kinds, problem.id
