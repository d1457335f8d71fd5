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

from factory.inject.compose import Branch, MathParts, check_line, compose_math
from factory.inject.controls import rotated
from factory.inject.dedup import mistake_key
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
    segment_end,
    show,
    step_spans,
)
from factory.inject.model import Correction, Source, correction_id
from factory.inject.plausible import check_step, implausible
from problems import MathProblem
from verifiers.math import WorkerPool
from verifiers.verdict import Evidence, Verdict

MAX_ATTEMPTS = 24  # candidates tried per trace: enough for one that is refuted and re-verifies
MAX_FOLLOWING = 2  # later steps the wrong value is carried through
SIMPLE_POINTS = (2, 3, 1, 0, -1)  # values tried for a readable counterexample to an identity
_ENUMERATOR = re.compile(r"\s*(?:\*\*)?(?:step\s*)?\d+\s*[.):]\s*(?:\*\*)?", re.I)


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
        if verdict_steps.get(index) != "verified" or "\\boxed" in text or check_step(text):
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


def _blocked(text: str, carried: dict[str, str]) -> bool:
    """Whether `text` mentions a value that changed but cannot be carried ("" in `carried`):
    a number, or a written form such as `\\frac{4}{5}` (the rest of a step that still uses it
    would snap back to the right value)."""
    if any(carried.get(text[a:b]) == "" for a, b in numbers(text)):
        return True
    return any(old and not new and not literal(old) and old in text for old, new in carried.items())


def _blocking(right: str, carried: dict[str, str]) -> None:
    """Mark a changed result that cannot be carried: a later step naming it cannot be told
    apart from one using the right value, so the wrong branch stops there."""
    for key in {right.strip(), right.strip().lstrip("-").strip()}:
        carried.setdefault(key, "")


def _rewrite(
    text: str, carried: dict[str, str], given: set[str]
) -> Generator[str, Value, tuple[str, dict[str, str]] | None]:
    """`text` with the carried wrong values put in and each `=` chain that used one recomputed
    (plain arithmetic only); None when a chain that used one cannot be recomputed, a whole
    result would become a fraction, or it names a value that changed but cannot be carried.
    The step's own number ("3.") is never taken for a value."""
    enumerator = _ENUMERATOR.match(text)
    lead, text = (text[: enumerator.end()], text[enumerator.end() :]) if enumerator else ("", text)
    carried = dict(carried)
    if _blocked(text, carried):
        return None
    out: list[str] = [lead]
    cursor = 0
    for chain in chains(text):
        sides = [text[a:b] for a, b in chain.sides]
        changed = [_substitute(side, carried) for side in sides[:-1]]
        out.append(_substitute(text[cursor : chain.sides[0][0]], carried))
        if changed == sides[:-1]:
            out.append(text[chain.sides[0][0] : chain.end])
            cursor = chain.end
            continue
        if any(new != old and not plain(new) for new, old in zip(changed, sides, strict=False)):
            return None
        found = []
        for side in (side for side in changed if plain(side)):
            value = yield side
            if value is None or "rational" not in value:
                return None
            found.append(fraction(value["rational"]))
        whole = re.fullmatch(r"\s*\d+\s*", sides[-1]) is not None
        if len(set(found)) != 1 or (whole and found[0].denominator != 1):  # also none plain
            return None  # "92/11 = 92/11" where "44/11 = 4" was is no calculation
        result = show(found[0], sides[-1])
        if implausible(sides[-1], result, changed[-1], carried=True):
            return None  # the wrong value leads on to something no one would write down
        if _carriable(sides[-1], result, given):
            carried[sides[-1].strip()] = result
        else:
            _blocking(sides[-1], carried)
            if _blocked(text[chain.end :], carried):
                return None
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


def branch(candidate: Candidate) -> Generator[str, Value, Branch | None]:
    """The wrong step (its later relations recomputed from the wrong value) and every later step
    as the wrong value makes it, recomputed; None when the rest of the wrong step uses the value
    in a way that cannot be recomputed (it would snap back to the right one).

    The example carries the value through at most MAX_FOLLOWING steps right after the mistake;
    the rejected side carries it to the final answer, leaving out the solution's own checks
    that use it (a check would have caught the mistake)."""
    text = candidate.step_text
    right = candidate.side(candidate.chain.result)
    statement = candidate.source.problem.statement
    given = {statement[a:b] for a, b in numbers(statement)}
    wrong = candidate.wrong
    carried = {right.strip(): wrong} if _carriable(right, wrong, given) else {}
    head = text[: candidate.chain.result[0]] + wrong
    segment = segment_end(text, candidate.chain.result[0])
    if not carried:
        if chains(text[segment:]):  # more math in the step that cannot pick the value up
            return None  # ("product -32 ..., namely 6 + (-5) = 1" where 6 and -5 give -30)
        _blocking(right, carried)
    rewritten = yield from _rewrite(text[candidate.chain.end :], carried, given)
    if rewritten is None:
        return None
    tail, carried = rewritten
    split = len(head) + max(0, segment - candidate.chain.end)
    following: list[str] = []
    later: dict[int, str | None] = {}
    carrying = True
    for index in range(candidate.step + 1, len(candidate.spans) + 1):
        start, end = candidate.spans[index - 1]
        step = candidate.solution[start:end]
        if not any(carried.get(step[a:b]) for a, b in numbers(step)) and not _blocked(
            step, carried
        ):
            carrying = False
            continue
        if check_step(step):
            later[index] = None
            carrying = False
            continue
        result = yield from _rewrite(step, carried, given)
        if result is None:
            return Branch(head + tail, split, following, later, continued=False)
        step, carried = result
        later[index] = step
        carrying = carrying and len(following) < MAX_FOLLOWING and "\\boxed" not in step
        if carrying:
            following.append(step)
    return Branch(head + tail, split, following, later, continued=True)


def _at(unknowns: re.Pattern[str], number: int, text: str) -> str:
    """`text` with `number` put in for its unknowns, an explicit product sign where one
    multiplies (`5x` as `5 \\cdot (2)`: the parser reads `5(2)` as 5 + 2)."""

    def put(found: re.Match[str]) -> str:
        before = text[: found.start()].rstrip()
        command = re.search(r"\\[A-Za-z]+$", before) is not None  # `\cdot x`: no second sign
        product = bool(before) and not command and (before[-1].isalnum() or before[-1] in ")}")
        return f" \\cdot ({number})" if product else f"({number})"

    return unknowns.sub(put, text)


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
        left = yield _at(pattern, number, lhs)
        value = yield _at(pattern, number, candidate.wrong)
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


def refuted_steps(verdict: Verdict) -> list[int]:
    return [
        e.index
        for e in verdict.evidence
        if e.check == "step" and e.outcome == "refuted" and e.index is not None
    ]


def proven_different(verdict: Verdict) -> bool:
    """Whether the verifier proved the trace's final answer different from the gold one."""
    return any(e.check == "answer" and e.outcome == "different" for e in verdict.evidence)


def _refuted(pool: WorkerPool, batch: list[Candidate]) -> list[Candidate]:
    """The candidates whose wrong step the verifier refutes after the steps before it."""
    for candidate, wrong in zip(batch, drive(pool, [_resolve(c) for c in batch]), strict=True):
        candidate.wrong = wrong.strip()
    batch = [
        c
        for c in batch
        if c.wrong
        and c.wrong != c.side(c.chain.result).strip()
        and implausible(c.side(c.chain.result), c.wrong, c.side(c.chain.lhs)) is None
    ]
    jobs = [(_answer(c.source), _mistake(c, c.bare_step())) for c in batch]
    for candidate, verdict in zip(batch, verify(pool, jobs), strict=True):
        if refuted_at(verdict, candidate.step) is not None:
            candidate.refutation = verdict
    return [c for c in batch if c.refutation is not None]


def _finish(pool: WorkerPool, batch: list[Candidate]) -> list[Correction | None]:
    """Carry each mistake, compose the example and judge it; None where it does not hold.

    Three verdicts decide: the wrong branch (the rejected side when the wrong value reaches the
    final answer) must have exactly the wrong step refuted, so every carried step is coherent;
    the same with the rest of the wrong step as a step of its own, so its later relations hold
    with the wrong value too; the example without the wrong step must pass. The pair is kept
    only when the rejected side's answer is proven different from the gold one."""
    evidence: list[Evidence] = []
    for candidate in batch:
        assert candidate.refutation is not None
        found = refuted_at(candidate.refutation, candidate.step)
        assert found is not None
        evidence.append(found)
    points = drive(pool, [_simple_point(c, e) for c, e in zip(batch, evidence, strict=True)])
    branches = drive(pool, [branch(c) for c in batch])
    built: list[tuple[Candidate, str, str, MathParts] | None] = []
    for candidate, against, at, wrong_branch in zip(batch, evidence, points, branches, strict=True):
        if wrong_branch is None:
            built.append(None)
            continue
        lhs = candidate.side(candidate.chain.lhs)
        right = candidate.side(candidate.chain.result)
        check = check_line(lhs, right, candidate.wrong, candidate.slip.note, against, at)
        parts = compose_math(
            candidate.solution, candidate.spans, candidate.step, wrong_branch, check
        )
        built.append((candidate, wrong_branch.wrong_step, check, parts))
    jobs = []
    for item in built:
        if item is not None:
            candidate, _, _, parts = item
            answer = _answer(candidate.source)
            jobs += [
                (answer, parts.wrong_branch),
                (answer, parts.probe),
                (answer, parts.without_mistake),
            ]
    verdicts = iter(verify(pool, jobs))
    made: list[Correction | None] = []
    for item in built:
        if item is None:
            made.append(None)
            continue
        candidate, wrong_step, check, parts = item
        mistake, probe, without = next(verdicts), next(verdicts), next(verdicts)
        coherent = refuted_steps(mistake) == refuted_steps(probe) == [candidate.step]
        refutation = refuted_at(mistake, candidate.step)
        if not coherent or refutation is None or not without.passed:
            made.append(None)
            continue
        negative = parts.rejected if proven_different(mistake) else None
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
                rejected=negative,
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
    seen: set[tuple[str, str, str]] = set()  # a mistake another sample already gave is no new one
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
            if correction is not None and mistake_key(correction) not in seen:
                seen.add(mistake_key(correction))
                made[candidate.source.trace_id].append(candidate)
                corrections.append(correction)
