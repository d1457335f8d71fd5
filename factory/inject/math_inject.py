"""Inject one mistake into a verified math solution, prove it wrong, and prove the fix right.

For each verified trace: every `=` chain of a step the verifier verified is a site; each operator
proposes wrong results for it (computed in the math workers when they come from a mistaken
calculation). A candidate is kept when the verifier refutes the wrong step after the steps
before it. The wrong value is then carried through the rest of its step and up to two later
steps whose plain arithmetic used it (recomputed, so the wrong branch is coherent), a check line
from the verifier's evidence exposes it, and the corrected step and the rest follow. The
example counts only when it re-verifies (see `math_check` for how the mistake is left out).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from itertools import zip_longest

from factory.inject.compose import check_line, compose_math
from factory.inject.controls import rotated
from factory.inject.math_check import Value, drive, refuted_at, verify
from factory.inject.math_operators import OPERATORS, Slip
from factory.inject.math_text import (
    Chain,
    calculus,
    chains,
    fraction,
    literal,
    numbers,
    plain,
    show,
    step_spans,
)
from factory.inject.model import Correction, Source, correction_id
from problems import MathProblem
from verifiers.math import WorkerPool
from verifiers.verdict import Evidence, Verdict

MAX_ATTEMPTS = 24  # candidates tried per trace: enough for one that is refuted and re-verifies
MAX_FOLLOWING = 2  # later steps the wrong value is carried through
SIMPLE_POINTS = (2, 3, 1, 0, -1)  # values tried for a readable counterexample to an identity


@dataclass
class Candidate:
    source: Source
    spans: list[tuple[int, int]]
    step: int  # 1-based, as the verifier numbers steps
    chain: Chain
    slip: Slip
    wrong: str = ""  # the wrong result, once known
    refutation: Verdict | None = None  # the verdict refuting the bare wrong step

    @property
    def solution(self) -> str:
        return self.source.candidate

    @property
    def step_text(self) -> str:
        start, end = self.spans[self.step - 1]
        return self.solution[start:end]

    def side(self, span: tuple[int, int]) -> str:
        return self.step_text[span[0] : span[1]]

    def bare_step(self) -> str:
        """The step with only the result changed."""
        text = self.step_text
        start, end = self.chain.result
        return text[:start] + self.wrong + text[end:]


def _answer(source: Source) -> str:
    assert isinstance(source.problem, MathProblem)
    return source.problem.answer


def candidates(
    source: Source, verdict_steps: dict[int, str], operators: Sequence[str]
) -> list[Candidate]:
    """Every (site, wrong result) of a trace, alternating operators so the first few tried are
    different kinds of mistake, and within one operator spreading over the sites. Which
    operator goes first turns with the trace, so a dataset gets every kind."""
    spans = step_spans(source.candidate)
    operators = rotated(operators, source.trace_id)
    by_operator: dict[str, list[tuple[int, int, Candidate]]] = {name: [] for name in operators}
    site = 0
    for index, (start, end) in enumerate(spans, start=1):
        text = source.candidate[start:end]
        if verdict_steps.get(index) != "verified" or "\\boxed" in text:
            continue
        for chain in chains(text):
            lhs, result = text[slice(*chain.lhs)], text[slice(*chain.result)]
            direct_only = calculus(lhs) or calculus(result)  # no recomputing a limit
            for name in operators:
                slips = OPERATORS[name](lhs, result)
                for rank, slip in enumerate(s for s in slips if s.result or not direct_only):
                    found = Candidate(source, spans, index, chain, slip)
                    by_operator[name].append((rank, site, found))
            site += 1
    ordered = [sorted(group, key=lambda item: item[:2]) for group in by_operator.values()]
    mixed = [item[2] for row in zip_longest(*ordered) for item in row if item is not None]
    return mixed[:MAX_ATTEMPTS]


def _written(value: Value, like: str) -> str:
    """A worker's value written like the result it replaces; "" when it cannot be."""
    if value is None:
        return ""
    if "rational" in value:
        return show(fraction(value["rational"]), like.strip())
    return "" if "(" in like else str(value["polynomial"])


def _resolve(candidate: Candidate) -> Generator[str, Value, str]:
    if candidate.slip.result:
        return candidate.slip.result
    value = yield candidate.slip.compute
    return _written(value, candidate.side(candidate.chain.result))


def _substitute(text: str, carried: dict[str, str]) -> str:
    for start, end in reversed(numbers(text)):
        if text[start:end] in carried:
            text = text[:start] + carried[text[start:end]] + text[end:]
    return text


def _rewrite(
    text: str, carried: dict[str, str], given: set[str]
) -> Generator[str, Value, tuple[str, dict[str, str]] | None]:
    """`text` with the carried wrong values put in and each `=` chain that used one recomputed
    (plain arithmetic only); None when a chain that used one cannot be recomputed, or a whole
    result would become a fraction."""
    carried = dict(carried)
    out: list[str] = []
    cursor = 0
    for chain in chains(text):
        sides = [text[a:b] for a, b in chain.sides]
        changed = [_substitute(side, carried) for side in sides[:-1]]
        out.append(_substitute(text[cursor : chain.sides[0][0]], carried))
        if changed == sides[:-1]:
            out.append(text[chain.sides[0][0] : chain.end])
            cursor = chain.end
            continue
        if not all(plain(side) for side in changed):
            return None
        found = []
        for side in changed:
            value = yield side
            if value is None or "rational" not in value:
                return None
            found.append(fraction(value["rational"]))
        whole = re.fullmatch(r"\s*\d+\s*", sides[-1]) is not None
        if len(set(found)) != 1 or (whole and found[0].denominator != 1):
            return None  # "92/11 = 92/11" where "44/11 = 4" was is no calculation
        result = show(found[0], sides[-1])
        if _carriable(sides[-1], result, given):
            carried[sides[-1].strip()] = result
        for position, (_, end) in enumerate(chain.sides):
            out.append(changed[position] if position < len(changed) else result)
            following = chain.sides[position + 1][0] if position + 1 < len(chain.sides) else end
            out.append(text[end:following])
        cursor = chain.end
    out.append(_substitute(text[cursor:], carried))
    return "".join(out), carried


def _carriable(right: str, wrong: str, given: set[str]) -> bool:
    """A changed result later steps can pick up: both plain non-negative numbers, different,
    and the right one not a number of the problem statement (a later "6" may be that given)."""
    right, wrong = right.strip(), wrong.strip()
    plain_numbers = literal(right) and literal(wrong) and "-" not in right + wrong
    return plain_numbers and right != wrong and right not in given


def branch(candidate: Candidate) -> Generator[str, Value, tuple[str, list[str]]]:
    """The wrong step (its later relations recomputed from the wrong value) and the later steps
    that carry it, at most MAX_FOLLOWING, stopping at the first that does not use it."""
    text = candidate.step_text
    right = candidate.side(candidate.chain.result)
    statement = candidate.source.problem.statement
    given = {statement[a:b] for a, b in numbers(statement)}
    wrong = candidate.wrong
    carried = {right.strip(): wrong} if _carriable(right, wrong, given) else {}
    head = text[: candidate.chain.result[0]] + wrong
    tail = text[candidate.chain.end :]
    rewritten = yield from _rewrite(tail, carried, given)
    if rewritten is None:
        return head + tail, []
    tail, carried = rewritten
    following: list[str] = []
    for start, end in candidate.spans[candidate.step : candidate.step + MAX_FOLLOWING]:
        step = candidate.solution[start:end]
        uses = any(step[a:b] in carried for a, b in numbers(step))
        if not uses or "\\boxed" in step:
            break
        result = yield from _rewrite(step, carried, given)
        if result is None:
            break
        step, carried = result
        following.append(step)
    return head + tail, following


def _simple_point(
    candidate: Candidate, evidence: Evidence
) -> Generator[str, Value, tuple[str, str, str] | None]:
    """A small whole number for the unknowns of a refuted identity at which its two sides
    differ, with both values, as (where, value of the calculation, value of the wrong result);
    None when the verifier's refutation is not at a point or no small one separates them."""
    point = evidence.details.get("point")
    if not point:
        return None
    names = [part.split("=")[0].strip() for part in point.split(", ")]
    pattern = re.compile(rf"(?<![\\A-Za-z])(?:{'|'.join(map(re.escape, names))})(?![A-Za-z])")
    lhs = candidate.side(candidate.chain.lhs)
    for number in SIMPLE_POINTS:
        left = yield pattern.sub(f"({number})", lhs)
        value = yield pattern.sub(f"({number})", candidate.wrong)
        if left and value and "rational" in left and "rational" in value:
            a, b = fraction(left["rational"]), fraction(value["rational"])
            if a != b:
                where = f"{' and '.join(names)} as {number}"
                return where, show(a, ""), show(b, "")
    return None


def _choose(pending: list[Candidate], count: int, taken: list[Candidate]) -> list[Candidate]:
    """Up to `count` candidates, preferring a new operator on a new step, then a new operator."""
    picked: list[Candidate] = []
    for level in ("new operator and step", "new operator", "any"):
        for candidate in list(pending):
            used = taken + picked
            new_operator = candidate.slip.operator not in {u.slip.operator for u in used}
            new_step = candidate.step not in {u.step for u in used}
            wanted = {
                "new operator and step": new_operator and new_step,
                "new operator": new_operator,
                "any": True,
            }[level]
            if len(picked) < count and wanted:
                picked.append(candidate)
                pending.remove(candidate)
    return picked


def _mistake(candidate: Candidate, wrong_step: str) -> str:
    return candidate.solution[: candidate.spans[candidate.step - 1][0]] + wrong_step


def _refuted(pool: WorkerPool, batch: list[Candidate]) -> list[Candidate]:
    """The candidates whose wrong step the verifier refutes after the steps before it."""
    for candidate, wrong in zip(batch, drive(pool, [_resolve(c) for c in batch]), strict=True):
        candidate.wrong = wrong.strip()
    batch = [c for c in batch if c.wrong and c.wrong != c.side(c.chain.result).strip()]
    jobs = [(_answer(c.source), _mistake(c, c.bare_step())) for c in batch]
    for candidate, verdict in zip(batch, verify(pool, jobs), strict=True):
        if refuted_at(verdict, candidate.step) is not None:
            candidate.refutation = verdict
    return [c for c in batch if c.refutation is not None]


def _finish(pool: WorkerPool, batch: list[Candidate]) -> list[Correction | None]:
    """Carry each mistake, compose the example and judge it; None where it does not hold.

    The wrong step is judged again only when carrying the wrong value changed the rest of it.
    The rejected side needs no verdict of its own: its steps up to the mistake are exactly
    what the mistake verdict judged, and the verifier judges steps in order."""
    built = []
    evidence: list[Evidence] = []
    for candidate in batch:
        assert candidate.refutation is not None
        found = refuted_at(candidate.refutation, candidate.step)
        assert found is not None
        evidence.append(found)
    points = drive(pool, [_simple_point(c, e) for c, e in zip(batch, evidence, strict=True)])
    branches = drive(pool, [branch(c) for c in batch])
    for candidate, against, at, (wrong_step, following) in zip(
        batch, evidence, points, branches, strict=True
    ):
        lhs = candidate.side(candidate.chain.lhs)
        right = candidate.side(candidate.chain.result)
        check = check_line(lhs, right, candidate.wrong, candidate.slip.note, against, at)
        parts = compose_math(
            candidate.solution, candidate.spans, candidate.step, wrong_step, following, check
        )
        built.append((candidate, wrong_step, check, parts))
    again = [(c, wrong_step) for c, wrong_step, _, _ in built if wrong_step != c.bare_step()]
    again_verdicts = verify(pool, [(_answer(c.source), _mistake(c, w)) for c, w in again])
    rejudged = {id(c): v for (c, _), v in zip(again, again_verdicts, strict=True)}
    wholes = verify(pool, [(_answer(c.source), parts.without_mistake) for c, _, _, parts in built])
    made: list[Correction | None] = []
    for (candidate, wrong_step, check, parts), without in zip(built, wholes, strict=True):
        mistake = rejudged.get(id(candidate), candidate.refutation)
        assert mistake is not None
        refutation = refuted_at(mistake, candidate.step)
        if refutation is None or not without.passed:
            made.append(None)
            continue
        made.append(
            Correction(
                id=correction_id(candidate.source.trace_id, candidate.slip.operator, parts.text),
                domain="math",
                problem_id=candidate.source.problem.id,
                trace_id=candidate.source.trace_id,
                origin="injected",
                operator=candidate.slip.operator,
                position=candidate.step,
                wrong=wrong_step,
                corrected=candidate.step_text,
                check=check,
                refutation=refutation,
                text=parts.text,
                rejected=parts.rejected,
                mistake_verdict=mistake,
                verdict=without,
            )
        )
    return made


def inject_math(
    sources: Sequence[Source],
    pool: WorkerPool,
    per_trace: int,
    operators: Sequence[str] = tuple(OPERATORS),
) -> list[Correction]:
    """Up to `per_trace` proven corrected-mistake examples from each verified math trace.

    Candidates are tried in rounds, a few per trace that still needs examples, so a trace whose
    first mistakes hold costs a handful of verifier calls rather than all of its candidates."""
    verdicts = verify(pool, [(_answer(s), s.candidate) for s in sources])
    untried: dict[str, list[Candidate]] = {}
    for source, verdict in zip(sources, verdicts, strict=True):
        if verdict.passed:
            steps = {e.index: e.outcome for e in verdict.evidence if e.index is not None}
            untried[source.trace_id] = candidates(source, steps, operators)
    refuted: dict[str, list[Candidate]] = {trace_id: [] for trace_id in untried}
    made: dict[str, list[Candidate]] = {trace_id: [] for trace_id in untried}
    corrections: list[Correction] = []
    while True:
        need = {t: per_trace - len(made[t]) for t in untried if len(made[t]) < per_trace}
        batch = []
        for trace_id, count in need.items():
            batch.extend(untried[trace_id][: 2 * count])
            del untried[trace_id][: 2 * count]
        for candidate in _refuted(pool, batch):
            refuted[candidate.source.trace_id].append(candidate)
        chosen = [c for t, count in need.items() for c in _choose(refuted[t], count, made[t])]
        if not chosen and not any(untried[t] for t in need):
            return corrections
        for candidate, correction in zip(chosen, _finish(pool, chosen), strict=True):
            if correction is not None:
                made[candidate.source.trace_id].append(candidate)
                corrections.append(correction)
