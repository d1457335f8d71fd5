"""Is a new programming problem proven? Its reference right, its tests strong, its statement clear.

A candidate is kept only when, in this order (the first failure is the rejection's reason):
1. it is no near-duplicate of a seed or of a problem already kept;
2. the reference passes every test in the sandbox (asserts, stdin/stdout cases, properties);
3. the tests kill at least `kill_share` of the reference's AST mutants
   (`verifiers.code.mutation`: the slips people make, then the classic mutation operators);
   the differential test is left out here, since against the reference it kills every mutant
   whatever the tests are; a survivor that agrees with the reference on the drawn inputs too is
   presumed equivalent and not counted. No mutant left to count is `weak-tests` too: the
   tests' strength is then unknown;
4. an independent solution, written from the statement alone, passes the same tests and agrees
   with the reference on inputs drawn as the code verifier draws them (differential testing);
   when none does, the first one's counterexample is the evidence: an ambiguous statement or a
   wrong reference.
Mutation score and the independent solutions' pass rate (the difficulty) are kept. A sandbox
that could not judge leaves the candidate `unjudged`, never rejected.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice

from factory.synthesis.model import CodeCandidate, Decision, Reason
from factory.synthesis.near_dup import NearDuplicates, admit
from problems import CodeProblem
from sandbox import Sandbox
from verifiers.code.mutation import strength_mutants
from verifiers.code.verify import verify_many
from verifiers.verdict import Evidence, Verdict

KILL_SHARE = 0.8
MAX_MUTANTS = 40
EXAMPLES = 50


def _rejected(candidate: CodeCandidate, reason: Reason, detail: str, **fields: object) -> Decision:
    return Decision.model_validate(
        {"id": candidate.id, "status": "rejected", "reason": reason, "detail": detail[:1000],
         **fields}
    )  # fmt: skip


def _unjudged(candidate: CodeCandidate, verdict: Verdict) -> Decision:
    reason = verdict.evidence[0].reason if verdict.evidence else "the sandbox could not judge"
    return Decision(id=candidate.id, status="unjudged", detail=reason)


def _failure(verdict: Verdict) -> str:
    """The first failed test in words: which, on what input, expected and actual."""
    failed: Evidence | None = next(
        (e for e in verdict.evidence if e.outcome not in ("passed", "skipped")), None
    )
    if failed is None:
        return verdict.status
    details = failed.details
    parts = [f"{details.get('name', f'{failed.check} {failed.index}')}: {failed.outcome}"]
    parts += [f"{key} {details[key]}" for key in ("input", "expected", "actual") if key in details]
    if failed.reason:
        parts.append(failed.reason)
    return "; ".join(parts)


def _without_reference(problem: CodeProblem) -> CodeProblem:
    """The problem as the tests alone judge it: no reference, so no differential test."""
    return problem.model_copy(update={"reference_solution": None})


def judge_code(
    candidates: Sequence[CodeCandidate],
    known: NearDuplicates,
    sandbox: Sandbox,
    *,
    kill_share: float = KILL_SHARE,
    examples: int = EXAMPLES,
    workers: int = 2,
) -> list[Decision]:
    """The decision on each candidate, in input order; accepted statements join `known`."""
    decisions: dict[int, Decision] = {}
    for position, candidate in enumerate(candidates):
        duplicate = known.why(candidate.statement)
        if duplicate is not None:
            decisions[position] = _rejected(candidate, "near-duplicate", duplicate)
    problems = {p: candidates[p].problem() for p in range(len(candidates)) if p not in decisions}

    open_ = list(problems)
    jobs = [(problems[p], candidates[p].reference) for p in open_]
    for position, verdict in zip(
        open_, verify_many(jobs, sandbox, workers=workers, examples=examples), strict=True
    ):
        if verdict.status == "error":
            decisions[position] = _unjudged(candidates[position], verdict)
        elif not verdict.passed:
            detail = f"the reference fails its own tests: {_failure(verdict)}"
            decisions[position] = _rejected(candidates[position], "reference-fails", detail)

    scores = _mutation_scores(
        {p: problems[p] for p in problems if p not in decisions}, sandbox, examples, workers
    )
    for position, strength in scores.items():
        candidate, score, survivors = candidates[position], strength.score, strength.survivors
        if strength.unjudged is not None:
            decisions[position] = _unjudged(candidate, strength.unjudged)
        elif score is None:
            detail = (
                f"no mutant of the reference could be made ({strength.made} made, "
                f"{strength.equivalent} equivalent): the tests' strength is unknown"
            )
            decisions[position] = _rejected(candidate, "weak-tests", detail)
        elif score < kill_share:
            reference = candidate.reference
            shown = "; ".join(_changed(reference, mutant) for mutant in survivors[:5])
            detail = f"the tests kill {score:.0%} of the mutants, {kill_share:.0%} needed; " \
                     f"survivors: {shown}"  # fmt: skip
            decisions[position] = _rejected(candidate, "weak-tests", detail, mutation_score=score)

    open_ = [p for p in problems if p not in decisions]
    jobs = [(problems[p], program) for p in open_ for program in candidates[p].independent]
    verdicts = iter(verify_many(jobs, sandbox, workers=workers, examples=examples))
    for position in open_:
        candidate = candidates[position]
        own = list(islice(verdicts, len(candidate.independent)))
        decisions[position] = _agreement(candidate, own, scores[position])
    ordered = [decisions[p] for p in range(len(candidates))]
    return [
        admit(decision, candidates[p].id, candidates[p].statement, known)
        for p, decision in enumerate(ordered)
    ]


@dataclass(frozen=True)
class Strength:
    """How the tests fared against the reference's mutants."""

    made: int
    killed: int
    equivalent: int  # survivors that also agree with the reference on every drawn input
    survivors: list[str]
    unjudged: Verdict | None = None  # the sandbox could not judge one: the rest means nothing

    @property
    def score(self) -> float | None:
        """Killed among the mutants not presumed equivalent; None when there are none."""
        counted = self.made - self.equivalent
        return self.killed / counted if counted else None


def _mutation_scores(
    problems: dict[int, CodeProblem], sandbox: Sandbox, examples: int, workers: int
) -> dict[int, Strength]:
    """Per candidate: its tests against its reference's mutants. A survivor that also agrees
    with the reference on the drawn inputs is presumed equivalent (`x <= lo` where `x < lo`
    returns `lo`: no test can kill it) and left out of the score."""
    made = {
        p: strength_mutants(problem.reference_solution or "", problem.entry_point, MAX_MUTANTS)
        for p, problem in problems.items()
    }
    jobs = [(_without_reference(problems[p]), mutant) for p in made for mutant in made[p]]
    verdicts = iter(verify_many(jobs, sandbox, workers=workers, examples=examples))
    survived = {}
    broken: dict[int, Verdict] = {}
    for position, own in made.items():
        judged = list(islice(verdicts, len(own)))
        error = next((v for v in judged if v.status == "error"), None)
        if error is not None:
            broken[position] = error
        survived[position] = [m for m, v in zip(own, judged, strict=True) if v.passed]
    jobs = [(problems[p], mutant) for p in survived for mutant in survived[p]]
    verdicts = iter(verify_many(jobs, sandbox, workers=workers, examples=examples))
    strengths = {}
    for position, survivors in survived.items():
        judged = list(islice(verdicts, len(survivors)))
        error = broken.get(position) or next((v for v in judged if v.status == "error"), None)
        same = [_agrees(v) for v in judged]
        strengths[position] = Strength(
            made=len(made[position]),
            killed=len(made[position]) - len(survivors),
            equivalent=sum(same),
            survivors=[m for m, s in zip(survivors, same, strict=True) if not s],
            unjudged=error,
        )
    return strengths


def _agrees(verdict: Verdict) -> bool:
    """Passed, differential test included (a problem with no drawn inputs proves nothing)."""
    return verdict.passed and any(e.check == "differential" for e in verdict.evidence)


def _changed(reference: str, mutant: str) -> str:
    """The line a surviving mutant changed, before and after (both as the AST prints them)."""
    before = ast.unparse(ast.parse(reference)).splitlines()
    after = ast.unparse(ast.parse(mutant)).splitlines()
    for line, (old, new) in enumerate(zip(before, after, strict=False), 1):
        if old != new:
            return f"line {line}: {old.strip()!r} -> {new.strip()!r}"
    return next(iter(difflib.unified_diff(before, after, lineterm="", n=0)), "a line removed")


def _agreement(candidate: CodeCandidate, verdicts: list[Verdict], strength: Strength) -> Decision:
    """Kept when an independent solution agrees with the reference on every test and input."""
    agreeing = [v for v in verdicts if v.passed]
    if not agreeing:
        broken = next((v for v in verdicts if v.status == "error"), None)
        if broken is not None:
            return _unjudged(candidate, broken)
        if not verdicts:
            detail = "no independent solution to compare the reference with"
        else:
            detail = f"independent solution 0 disagrees with the reference: {_failure(verdicts[0])}"
        return _rejected(candidate, "disagreement", detail, mutation_score=strength.score)
    evidence = {
        "mutants": str(strength.made),
        "killed": str(strength.killed),
        "equivalent": str(strength.equivalent),
        "independent_passed": ",".join(str(i) for i, v in enumerate(verdicts) if v.passed),
        "checks": str(len(agreeing[0].evidence)),
    }
    return Decision(
        id=candidate.id,
        status="accepted",
        votes=len(verdicts),
        agreeing=len(agreeing),
        difficulty=len(agreeing) / len(verdicts),
        mutation_score=strength.score,
        evidence=evidence,
    )
