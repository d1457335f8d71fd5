"""Judge the relations of each step, in a worker: arithmetic, identities and solution sets.

Every link `A op B` of a chain is one of: plain arithmetic (no unknowns), a claimed identity
(an inner link of a chain, or a factorisation/expansion shape), or an equation. Arithmetic and
identities are proven by exact simplification or refuted by a high-precision counterexample
at random points. Equations are judged together: the system a step states must have the same
solutions as the last system in the same unknowns, unless the step announces squaring,
multiplying by something that can be zero, a case split or a side condition. A step that
follows from the earlier steps (every solution of them solves it: `r = 5` then `r^2 = 25`) is
never refuted, even when a value solving it alone (`r = -5`) contradicts an earlier step.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import sympy
from sympy.core.function import AppliedUndef

from verifiers.math import magnitude, screen
from verifiers.math.budget import OutOfTime, budget
from verifiers.math.equivalence import (
    approximate,
    certainly_nonzero,
    counterexample,
    show,
    show_number,
    zero_by_proof,
)
from verifiers.math.parse import Unreadable, exact, is_complex, plain_to_latex, to_sympy

Status = Literal["verified", "refuted", "unchecked"]
Payload = dict[str, Any]
Solution = dict[sympy.Symbol, sympy.Basic]
RELATION_SECONDS = 2.0
SOLVE_SECONDS = 2.0
KNOWLEDGE_SYSTEMS = 6  # earlier systems combined to decide whether a step follows from them
KNOWLEDGE_ALTERNATIVES = 8

_TRIG = re.compile(r"\\(?:sin|cos|tan|cot|sec|csc)")
_DEGREE = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|°")
_DECIMAL_LITERAL = re.compile(r"^\s*-?\d+\.(\d+)\s*$")


@dataclass
class Judgement:
    status: Status
    reason: str
    details: dict[str, str] = field(default_factory=dict)


@dataclass
class _System:
    """Equations a step states: alternatives (joined by "or") of conjunctions."""

    index: int
    alternatives: list[list[sympy.Eq]]

    @property
    def symbols(self) -> set[sympy.Symbol]:
        found: set[sympy.Symbol] = set()
        for conjunction in self.alternatives:
            for equation in conjunction:
                found |= {s for s in equation.free_symbols if isinstance(s, sympy.Symbol)}
        return found


def read_side(text: str) -> sympy.Basic:
    """One side of a relation as an exact SymPy value; degrees become radians under trig."""
    refusal = screen.refuse(text, screen.MAX_RELATION_CHARS)
    if refusal is not None:
        raise Unreadable(refusal)
    if _DEGREE.search(text):
        replacement = r"\\cdot\\frac{\\pi}{180}" if _TRIG.search(text) else ""
        text = _DEGREE.sub(replacement, text)
    latex = plain_to_latex(text)
    value = to_sympy(latex)
    if not magnitude.numeric_ok(value):
        raise Unreadable("a number too large to evaluate")
    return exact(value, is_complex(latex))


def _is_polynomial_product(value: sympy.Basic) -> bool:
    """`(x-2)(x-3)`, `2(x+1)^2`: a factorised form with at least one non-monomial factor."""
    factors = value.args if isinstance(value, sympy.Mul) else (value,)
    compound = [
        f for f in factors if not f.is_number and (f.is_Add or (f.is_Pow and f.base.is_Add))
    ]
    symbolic = [f for f in factors if not f.is_number]
    return bool(compound) and (len(symbolic) >= 2 or any(f.is_Pow for f in symbolic))


def _identity_shape(left: sympy.Basic, right: sympy.Basic) -> bool:
    """One side factorised, the other expanded, same degree: a claimed (de)factorisation."""
    for product, expanded in ((left, right), (right, left)):
        if _is_polynomial_product(product) and isinstance(expanded, sympy.Add):
            symbols = sorted(product.free_symbols | expanded.free_symbols, key=str)
            if not symbols:
                return False
            try:
                if not (product.is_polynomial(*symbols) and expanded.is_polynomial(*symbols)):
                    return False
                degree_product = sympy.Poly(product, *symbols).total_degree()
                degree_expanded = sympy.Poly(expanded, *symbols).total_degree()
            except (sympy.PolynomialError, ValueError):
                return False
            return bool(degree_product == degree_expanded)
    return False


def _decimal_places(text: str) -> int | None:
    match = _DECIMAL_LITERAL.match(text.replace(",", ""))
    return len(match.group(1)) if match else None


def _rounded(exact_value: sympy.Basic, places: int, written: sympy.Basic) -> bool | None:
    """Whether `written` (a decimal with `places` digits) is `exact_value` rounded or truncated.

    When the exact value itself has at most `places` decimals, only equality counts: a slip
    in `2.5 + 1.3 = 3.9` is not a rounding.
    """
    scaled = exact_value * 10**places
    if scaled.is_Rational and scaled.is_Integer:
        return False
    gap = approximate(sympy.Abs(exact_value - written))
    if gap is None:
        return None
    return bool(gap <= sympy.Rational(1, 10**places))


def _arithmetic(left: sympy.Basic, right: sympy.Basic, texts: tuple[str, str]) -> Judgement:
    proof = zero_by_proof(left - right)
    if proof is True:
        return Judgement("verified", "exact arithmetic")
    pairs = ((left, right, texts[0], texts[1]), (right, left, texts[1], texts[0]))
    for exact_side, written_side, exact_text, written_text in pairs:
        places = _decimal_places(written_text)
        plain = places is not None and _decimal_places(exact_text) is None
        if plain and places is not None and _rounded(exact_side, places, written_side):
            return Judgement("verified", f"equal when rounded to {places} decimal places")
    left_value, right_value = approximate(left), approximate(right)
    gap = approximate(left - right)
    if proof is False or (gap is not None and certainly_nonzero(gap)):
        values = {
            "left": show_number(left_value) if left_value is not None else show(left),
            "right": show_number(right_value) if right_value is not None else show(right),
        }
        return Judgement("refuted", f"{values['left']} is not {values['right']}", values)
    return Judgement("unchecked", "could not evaluate both sides")


def _identity(left: sympy.Basic, right: sympy.Basic) -> Judgement:
    if zero_by_proof(left - right) is True:
        return Judgement("verified", "identity proven by simplification")
    found = counterexample(left, right)
    if found is None:
        return Judgement("unchecked", "equal at random points but not proven")
    point, left_value, right_value = found
    where = ", ".join(f"{symbol}={value}" for symbol, value in point.items())
    details = {
        "point": where,
        "left": show_number(left_value),
        "right": show_number(right_value),
    }
    reason = f"not an identity: at {where} the sides are {details['left']} and {details['right']}"
    return Judgement("refuted", reason, details)


def _order(left: sympy.Basic, right: sympy.Basic, op: str) -> Judgement:
    """A constant inequality or approximation; with unknowns it is left unchecked."""
    if left.free_symbols or right.free_symbols:
        return Judgement("unchecked", "an inequality with unknowns")
    gap = approximate(left - right)
    if gap is None or not gap.is_real:
        return Judgement("unchecked", "could not evaluate both sides as real numbers")
    zero = not certainly_nonzero(gap)
    if op == "~":
        scale = max(abs(approximate(right) or 1), 1)
        close = zero or abs(gap) <= sympy.Rational(5, 100) * scale
        return Judgement(
            "verified" if close else "refuted", f"approximation off by {show_number(gap)}"
        )
    if zero and op in ("<", ">", "!="):
        return Judgement("unchecked", "the sides may be equal; cannot decide a strict relation")
    holds = {
        "<": gap < 0,
        "<=": zero or gap < 0,
        ">": gap > 0,
        ">=": zero or gap > 0,
        "!=": not zero,
    }[op]
    if holds:
        return Judgement("verified", "numeric comparison")
    return Judgement("refuted", f"{show(left)} {op} {show(right)} is false")


def _plain(value: sympy.Basic) -> bool:
    return isinstance(value, sympy.Expr) and not value.atoms(AppliedUndef)


def _equation(left: sympy.Basic, right: sympy.Basic) -> list[list[sympy.Eq]]:
    """`x = {2, 3}` (from ±) as two alternatives, anything else as one equation."""
    if isinstance(right, sympy.FiniteSet) and isinstance(left, sympy.Symbol):
        return [[sympy.Eq(left, item, evaluate=False)] for item in right]
    return [[sympy.Eq(left, right, evaluate=False)]]


def _check_relation(relation: Payload) -> tuple[list[Judgement], list[list[sympy.Eq]]]:
    """Judgements for every link of one chain, and the equation the chain states (if any)."""
    texts: list[str] = relation["sides"]
    ops: list[str] = relation["ops"]
    sides = [read_side(text) for text in texts]
    judgements: list[Judgement] = []
    states_equation = False
    for position, op in enumerate(ops):
        left, right = sides[position], sides[position + 1]
        if op != "=":
            judgements.append(
                _order(left, right, op)
                if _plain(left) and _plain(right)
                else Judgement("unchecked", "not a comparison of numbers")
            )
            continue
        if not (_plain(left) and _plain(right)):
            if isinstance(right, sympy.FiniteSet) and isinstance(left, sympy.Symbol):
                states_equation = True
            else:
                judgements.append(Judgement("unchecked", "function notation or a non-number"))
            continue
        if not left.free_symbols and not right.free_symbols:
            judgements.append(_arithmetic(left, right, (texts[position], texts[position + 1])))
        elif (
            left.free_symbols
            and right.free_symbols
            and (
                (len(ops) > 1 and not (left.is_Symbol or right.is_Symbol))
                or _identity_shape(left, right)
            )
        ):
            judgements.append(_identity(left, right))
        elif zero_by_proof(left - right) is True:
            judgements.append(Judgement("verified", "identity proven by simplification"))
        else:
            states_equation = True
    if not states_equation:
        return judgements, []
    return judgements, _equation(sides[0], sides[-1])


def _residual_zero(equation: sympy.Eq, solution: Solution) -> bool | None:
    """Whether `solution` satisfies `equation`: True, False, or None when undecidable."""
    residual = (equation.lhs - equation.rhs).subs(solution)
    if not isinstance(residual, sympy.Expr):
        return None
    proof = zero_by_proof(residual)
    if proof is not None:
        return proof
    if residual.free_symbols:
        return False if counterexample(residual, sympy.Integer(0)) is not None else None
    gap = approximate(residual)
    return None if gap is None else not certainly_nonzero(gap)


def _satisfies(system: _System, solution: Solution) -> bool | None:
    """Whether `solution` satisfies some alternative of `system`."""
    unknown = False
    for conjunction in system.alternatives:
        results = [_residual_zero(equation, solution) for equation in conjunction]
        if all(result is True for result in results):
            return True
        if not any(result is False for result in results):
            unknown = True
    return None if unknown else False


def _solve(system: _System, symbols: Sequence[sympy.Symbol]) -> list[Solution] | None:
    solutions: list[Solution] = []
    try:
        with budget(SOLVE_SECONDS):
            for conjunction in system.alternatives:
                found = sympy.solve(conjunction, list(symbols), dict=True)
                if not isinstance(found, list):
                    return None
                solutions.extend(found)
    except (OutOfTime, NotImplementedError, ValueError, TypeError, sympy.PolynomialError):
        return None
    return solutions


def _describe(solution: Solution) -> str:
    return ", ".join(f"{symbol} = {show(value)}" for symbol, value in solution.items()) or "(none)"


def _compare_systems(old: _System, new: _System, flags: dict[str, bool]) -> Judgement:
    """Does `new` keep exactly the solutions of `old` (projected onto the unknowns it mentions)?

    A step that states only a consequence (one equation out of a system, a family of solutions)
    is fine as long as every earlier solution still satisfies it.
    """
    symbols = sorted(new.symbols, key=str)
    new_solutions = _solve(new, symbols)
    old_solutions = _solve(old, sorted(old.symbols, key=str))
    if new_solutions is None or old_solutions is None:
        return Judgement("unchecked", "could not solve the equations to compare them")
    lost: Solution | None = None
    undecided = False
    projections: list[Solution] = []
    for old_solution in old_solutions:
        projection = _project(old_solution, symbols)
        if projection is None:
            undecided = True
            continue
        projections.append(projection)
        member = _satisfies(new, projection)
        if member is False and lost is None:
            lost = projection
        undecided = undecided or member is None
    gained: Solution | None = None
    for solution in new_solutions:
        if len(solution) < len(symbols) or any(v.free_symbols for v in solution.values()):
            continue  # a family of solutions: the step states a consequence
        if old.symbols == new.symbols:
            member = _satisfies(old, solution)
        elif len(projections) < len(old_solutions):
            member = None
        else:
            member = any(_same_point(solution, projection) for projection in projections)
        if member is False and gained is None:
            gained = solution
        undecided = undecided or member is None
    return _verdict_on_change(old, gained, lost, undecided, bool(new_solutions), flags)


def _same_point(solution: Solution, projection: Solution) -> bool:
    return all(zero_by_proof(solution[s] - projection[s]) is True for s in solution)


def _project(solution: Solution, symbols: Sequence[sympy.Symbol]) -> Solution | None:
    """`solution` on `symbols` (unknowns it leaves free stay free), or None if it needs others."""
    projected: Solution = {symbol: solution.get(symbol, symbol) for symbol in symbols}
    if any(value.free_symbols - set(symbols) for value in projected.values()):
        return None
    return projected


def _verdict_on_change(
    old: _System,
    gained: Solution | None,
    lost: Solution | None,
    undecided: bool,
    new_has_solutions: bool,
    flags: dict[str, bool],
) -> Judgement:
    if gained is None and lost is None:
        if undecided:
            return Judgement("unchecked", "could not decide whether the solutions are the same")
        return Judgement("verified", f"same solutions as step {old.index}")
    if gained is None and lost is not None and not new_has_solutions:
        reason = f"this step has no solution, but {_describe(lost)} solves step {old.index}"
        return Judgement("refuted", reason, {"counterexample": _describe(lost)})
    if flags.get("case_split"):
        return Judgement("unchecked", "a case split keeps only part of the solutions")
    if gained is not None:
        if flags.get("squaring") or flags.get("multiplying"):
            return Judgement("unchecked", "squaring or multiplying both sides can add solutions")
        reason = f"{_describe(gained)} solves this step but not step {old.index}"
        return Judgement("refuted", reason, {"counterexample": _describe(gained)})
    assert lost is not None
    if flags.get("side_condition"):
        return Judgement("unchecked", f"drops {_describe(lost)}; the step gives a condition")
    reason = f"{_describe(lost)} solves step {old.index} but not this step"
    return Judgement("refuted", reason, {"counterexample": _describe(lost)})


def _candidates(history: list[_System], new: _System) -> list[_System]:
    """Recent earlier systems whose unknowns include all of the new system's, newest first."""
    found = [s for s in reversed(history) if new.symbols and new.symbols <= s.symbols]
    return found[:3]


def _summarise(index: int, judgements: list[Judgement], relations: int) -> Payload:
    refuted = [j for j in judgements if j.status == "refuted"]
    verified = [j for j in judgements if j.status == "verified"]
    unchecked = [j for j in judgements if j.status == "unchecked"]
    base: Payload = {
        "index": index,
        "relations": relations,
        "checked": len(verified) + len(refuted),
    }
    if refuted:
        return base | {
            "status": "refuted",
            "reason": refuted[0].reason,
            "details": refuted[0].details,
        }
    if verified:
        note = f"; {len(unchecked)} unchecked ({unchecked[0].reason})" if unchecked else ""
        return base | {
            "status": "verified",
            "reason": f"{len(verified)} verified{note}",
            "details": {},
        }
    reason = unchecked[0].reason if unchecked else "no relation to check"
    return base | {"status": "unchecked", "reason": reason, "details": {}}


def _close(
    alternatives: list[list[sympy.Eq]], step: Payload, history: list[_System], since: int
) -> Judgement | None:
    """Judge a finished system against the last one in the same unknowns, then remember it.

    `since` hides the systems of earlier steps when this step starts afresh ("Let ...").
    """
    if not alternatives:
        return None
    flags: dict[str, bool] = step["flags"]
    if flags.get("point"):
        return Judgement("unchecked", "evaluation at a point, not a derived equation")
    system = _System(step["index"], alternatives)
    candidates = _candidates(history[since:], system)
    history.append(system)
    if not candidates:
        return Judgement("unchecked", "first equation in these unknowns")
    judgement = Judgement("unchecked", "ran out of time comparing solutions")
    for previous in candidates:
        try:
            with budget(SOLVE_SECONDS * 3):
                judgement = _compare_systems(previous, system, flags)
        except OutOfTime:
            continue
        if judgement.status != "unchecked":
            break
    if judgement.status != "refuted":
        return judgement
    try:
        with budget(SOLVE_SECONDS * 3):
            follows = _follows(history[since:-1], system)
    except OutOfTime:
        return judgement
    if follows is None:
        return judgement
    implied, same = follows
    if not same:
        history.pop()  # weaker than what came before: the earlier steps stay the reference
    return implied


def _related(history: list[_System], symbols: set[sympy.Symbol]) -> list[_System]:
    """Earlier systems linked to `symbols` through shared unknowns (`y = 2x + 1` links `x = 3`
    to a step about `y`), newest first."""
    chosen: list[_System] = []
    reach = set(symbols)
    grew = True
    while grew:
        grew = False
        for system in reversed(history):
            if system not in chosen and system.symbols & reach:
                chosen.append(system)
                reach |= system.symbols
                grew = True
    return chosen


def _follows(history: list[_System], new: _System) -> tuple[Judgement, bool] | None:
    """Whether every solution of the earlier steps solves `new` (and whether `new` also keeps
    exactly those solutions); None when it cannot be shown. Earlier steps with no solution at
    all prove nothing: they never make a step follow."""
    related = _related(history, new.symbols)
    if not related or len(related) > KNOWLEDGE_SYSTEMS:
        return None
    alternatives: list[list[sympy.Eq]] = [[]]
    for system in related:
        alternatives = [kept + more for kept in alternatives for more in system.alternatives]
        if len(alternatives) > KNOWLEDGE_ALTERNATIVES:
            return None
    knowledge = _System(0, alternatives)
    solutions = _solve(knowledge, sorted(knowledge.symbols, key=str))
    if not solutions:
        return None
    symbols = sorted(new.symbols, key=str)
    projections = [_project(solution, symbols) for solution in solutions]
    points = [p for p in projections if p is not None]
    if len(points) < len(projections) or any(_satisfies(new, p) is not True for p in points):
        return None
    steps = ", ".join(str(system.index) for system in sorted(related, key=lambda s: s.index))
    own = _solve(new, symbols)
    same = own is not None and all(
        len(solution) == len(symbols)
        and not any(value.free_symbols for value in solution.values())
        and any(_same_point(solution, point) for point in points)
        for solution in own
    )
    return Judgement("verified", f"follows from step(s) {steps}"), same


def check_step(step: Payload, history: list[_System]) -> Payload:
    since = len(history) if step["flags"].get("fresh") else 0
    judgements: list[Judgement] = []
    alternatives: list[list[sympy.Eq]] = []
    for relation in step["relations"]:
        try:
            with budget(RELATION_SECONDS):
                found, equation = _check_relation(relation)
        except Unreadable as error:
            judgements.append(Judgement("unchecked", f"could not read: {error}"))
            continue
        except OutOfTime:
            judgements.append(Judgement("unchecked", "ran out of time"))
            continue
        except (RecursionError, ValueError, TypeError, AttributeError, ZeroDivisionError) as error:
            judgements.append(
                Judgement("unchecked", f"could not evaluate ({type(error).__name__})")
            )
            continue
        judgements.extend(found)
        if not equation:
            continue
        joiner = relation.get("joiner", "and")
        if joiner == "then" and alternatives:
            closed = _close(alternatives, step, history, since)
            judgements.extend([closed] if closed else [])
            alternatives = equation
        elif joiner == "or" and alternatives:
            alternatives = alternatives + equation
        elif alternatives:
            alternatives = [conj + eq for conj in alternatives for eq in equation]
        else:
            alternatives = equation
    closed = _close(alternatives, step, history, since)
    judgements.extend([closed] if closed else [])
    return _summarise(step["index"], judgements, len(step["relations"]))


def check_steps(steps: list[Payload]) -> list[Payload]:
    """Judge each step in order; the equations of earlier steps are the reference for later ones."""
    history: list[_System] = []
    return [check_step(step, history) for step in steps]
