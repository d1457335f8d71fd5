"""Decide whether two parsed answers are equal: proven equal, proven different, or undecided.

Only a proof makes two values equal: structural identity, exact rational arithmetic,
`simplify`/`cancel` reaching zero, or a minimal polynomial of the difference equal to `x`.
Numbers agreeing to many digits are never enough (1/2004! and 1/2006! agree to thousands);
a difference that high-precision evaluation shows to be nonzero proves them different.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import sympy
from sympy.core.relational import Relational

from verifiers.math import magnitude
from verifiers.math.budget import OutOfTime, budget
from verifiers.math.parse import Answer

Decision = Literal["equivalent", "different", "undecided"]
SIMPLIFY_SECONDS = 2.0
DIGITS = 40
_DUMMY = sympy.Symbol("_minpoly_x")


@dataclass(frozen=True)
class Finding:
    decision: Decision
    reason: str


EQUIVALENT = Finding("equivalent", "")


def _different(reason: str) -> Finding:
    return Finding("different", reason)


def _undecided(reason: str) -> Finding:
    return Finding("undecided", reason)


def show(value: sympy.Basic, limit: int = 80) -> str:
    """A short printable form; huge exact numbers are shown as a float, never printed in full."""
    if isinstance(value, sympy.Integer) and magnitude.digits(value) > 40:
        return str(sympy.sstr(sympy.Float(value, 15)))
    if not magnitude.exact_ok(value):
        return "(too large to print)"
    text = str(sympy.sstr(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def approximate(
    value: sympy.Basic, subs: dict[sympy.Symbol, sympy.Basic] | None = None
) -> sympy.Expr | None:
    """`value` evaluated to DIGITS significant digits, or None when it is not a finite number."""
    if not magnitude.numeric_ok(value):
        return None
    try:
        with budget(1.0):
            approx = value.evalf(DIGITS, subs=subs or {})
    except (OutOfTime, TypeError, ValueError, ZeroDivisionError, OverflowError, AttributeError):
        return None
    if not isinstance(approx, sympy.Expr) or not approx.is_number:
        return None
    if approx.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        return None
    return approx


def certainly_nonzero(approx: sympy.Expr) -> bool:
    """Whether an evaluated difference is nonzero with its digits known (not cancellation noise).

    SymPy's evalf keeps track of accuracy: a true zero comes back as `0.e-171` with one bit
    of precision, a true nonzero with all the requested bits.
    """
    real, imaginary = approx.as_real_imag()
    for part in (real, imaginary):
        if isinstance(part, sympy.Float) and part != 0 and part._prec >= 100:
            return True
        if isinstance(part, sympy.Rational) and part != 0:
            return True
    return False


def show_number(approx: sympy.Expr, digits: int = 12) -> str:
    return str(sympy.sstr(approx.evalf(digits)))


def zero_by_proof(diff: sympy.Basic) -> bool | None:
    """True when exact algebra shows `diff` is 0, False when it shows it is not, else None."""
    if not magnitude.exact_ok(diff):
        return None
    try:
        with budget(SIMPLIFY_SECONDS):
            diff = diff.doit()
            if isinstance(diff, sympy.Rational):
                return bool(diff == 0)
            if sympy.cancel(diff) == 0 or sympy.simplify(diff) == 0:
                return True
            if _positive_logs(diff) and sympy.simplify(sympy.expand_log(diff, force=True)) == 0:
                return True
            if diff.is_number and diff.is_algebraic and not diff.has(sympy.I):
                return bool(sympy.minimal_polynomial(diff, _DUMMY) == _DUMMY)
    except (OutOfTime, NotImplementedError, ValueError, TypeError, ZeroDivisionError):
        return None
    except (AttributeError, RecursionError, sympy.PolynomialError):
        return None
    return None


def _positive_logs(value: sympy.Basic) -> bool:
    """Logs of positive numbers only, where log(ab) = log a + log b holds unconditionally."""
    logs = value.atoms(sympy.log)
    return bool(logs) and all(arg.is_positive for log in logs for arg in log.args)


def _random_points(
    symbols: Sequence[sympy.Symbol], seed: int, count: int
) -> list[dict[sympy.Symbol, sympy.Basic]]:
    """Rationals in about (0.3, 3): inside the domain of sqrt and log, away from poles at 0, 1."""
    rng = random.Random(seed)
    return [
        {
            symbol: sympy.Rational(rng.randint(300, 2700), rng.randint(900, 1100))
            for symbol in symbols
        }
        for _ in range(count)
    ]


def counterexample(
    left: sympy.Basic, right: sympy.Basic, count: int = 6
) -> tuple[dict[sympy.Symbol, sympy.Basic], sympy.Expr, sympy.Expr] | None:
    """A point where `left` and `right` are both defined and provably differ, if one is found."""
    symbols = sorted(left.free_symbols | right.free_symbols, key=lambda symbol: symbol.name)
    diff = left - right
    points = _random_points(symbols, seed=7919 * len(symbols), count=count if symbols else 1)
    for point in points:
        left_value, right_value = approximate(left, point), approximate(right, point)
        gap = approximate(diff, point)
        if left_value is None or right_value is None or gap is None:
            continue
        if certainly_nonzero(gap):
            return point, left_value, right_value
    return None


_ORDERLESS = (sympy.Add, sympy.Mul, sympy.FiniteSet)


def _canonical(value: sympy.Basic) -> tuple[object, ...]:
    """A key equal for two trees that differ only in the order of terms and factors.

    latex2sympy keeps the written order of unevaluated sums and products, so `b a + c` and
    `c + a b` are different trees; comparing keys proves them equal without evaluating
    anything (no numeric search, no huge factorials built).
    """
    if not value.args:
        return (type(value).__name__, sympy.srepr(value))
    keys = [_canonical(arg) for arg in value.args]
    if isinstance(value, _ORDERLESS):
        keys.sort(key=repr)
    return (type(value).__name__, *keys)


def same_up_to_order(gold: sympy.Basic, candidate: sympy.Basic) -> bool:
    try:
        return _canonical(gold) == _canonical(candidate)
    except RecursionError:
        return False


def scalar_equal(gold: sympy.Basic, candidate: sympy.Basic) -> Finding:
    """Equality of two numbers or expressions, decided only by proof or by a counterexample.

    The exact proofs that cost nothing (same tree up to the order of terms) come before the
    numeric search for a counterexample, which comes before simplification.
    """
    if gold == candidate or same_up_to_order(gold, candidate):
        return EQUIVALENT
    if not isinstance(gold, sympy.Expr) or not isinstance(candidate, sympy.Expr):
        return _undecided(f"cannot compare {type(gold).__name__} with {type(candidate).__name__}")
    if gold.has(sympy.oo, -sympy.oo, sympy.zoo) or candidate.has(sympy.oo, -sympy.oo, sympy.zoo):
        return _different(f"{show(gold)} is not {show(candidate)}")
    found = counterexample(gold, candidate)
    if found is not None:
        point, gold_value, candidate_value = found
        where = ", ".join(f"{symbol}={show(value)}" for symbol, value in point.items())
        at = f" at {where}" if where else ""
        shown = [show_number(gold_value), show_number(candidate_value)]
        if shown[0] == shown[1]:
            shown = [show_number(gold_value, DIGITS), show_number(candidate_value, DIGITS)]
        return _different(f"values differ{at}: {shown[0]} vs {shown[1]}")
    if not (magnitude.exact_ok(gold) and magnitude.exact_ok(candidate)):
        return _undecided("too large to compare exactly")
    proof = zero_by_proof(gold - candidate)
    if proof is True:
        return EQUIVALENT
    if proof is False:
        return _different(f"{show(gold)} and {show(candidate)} differ exactly")
    return _undecided("equal at every point tried but not proven equal")


def _assignment(value: sympy.Basic) -> tuple[str, sympy.Basic] | None:
    """`x = 3`, `x \\in [1, 2]` or `x = 1, 2` as (variable, value)."""
    if isinstance(value, sympy.Eq) and isinstance(value.lhs, sympy.Symbol):
        return value.lhs.name, value.rhs
    if isinstance(value, sympy.FiniteSet) and len(value) > 0:
        items = list(value)
        if all(isinstance(item, sympy.Eq) and isinstance(item.lhs, sympy.Symbol) for item in items):
            names = {item.lhs.name for item in items}
            if len(names) == 1:
                return names.pop(), sympy.FiniteSet(*(item.rhs for item in items))
    return None


def _system(value: sympy.Basic) -> dict[str, sympy.Basic] | None:
    """`x = 1, y = 2` as {"x": 1, "y": 2}."""
    items = list(value.args) if isinstance(value, sympy.FiniteSet | sympy.And) else []
    pairs = [(item.lhs, item.rhs) for item in items if isinstance(item, sympy.Eq)]
    if not items or len(pairs) != len(items):
        return None
    if not all(isinstance(lhs, sympy.Symbol) for lhs, _ in pairs):
        return None
    names = [str(lhs) for lhs, _ in pairs]
    if len(set(names)) != len(names):
        return None
    return dict(zip(names, (rhs for _, rhs in pairs), strict=True))


def _all_pairs(
    golds: Sequence[sympy.Basic], candidates: Sequence[sympy.Basic], ordered: bool
) -> Finding:
    if len(golds) != len(candidates):
        return _different(f"{len(golds)} items expected, {len(candidates)} given")
    if ordered:
        findings = [values_equal(g, c) for g, c in zip(golds, candidates, strict=True)]
        return _combine(findings)
    return _match_unordered(list(golds), list(candidates))


def _combine(findings: Sequence[Finding]) -> Finding:
    for finding in findings:
        if finding.decision == "different":
            return finding
    for finding in findings:
        if finding.decision == "undecided":
            return finding
    return EQUIVALENT


def _match_unordered(golds: list[sympy.Basic], candidates: list[sympy.Basic]) -> Finding:
    """Every gold element proven equal to its own candidate element (a perfect matching)."""
    unmatched = list(range(len(candidates)))
    undecided: Finding | None = None
    for gold in golds:
        match = None
        for position in unmatched:
            finding = values_equal(gold, candidates[position])
            if finding.decision == "equivalent":
                match = position
                break
            if finding.decision == "undecided":
                undecided = finding
        if match is None:
            return undecided or _different(f"{show(gold)} is missing from the answer")
        unmatched.remove(match)
    return EQUIVALENT


def _as_set(value: sympy.Basic) -> sympy.Basic | None:
    """A one-variable inequality (or an open pair) as the set of reals it describes."""
    if isinstance(value, sympy.Tuple) and len(value) == 2:
        return sympy.Interval.open(value[0], value[1])
    if isinstance(value, Relational | sympy.And | sympy.Or) and len(value.free_symbols) == 1:
        try:
            with budget(SIMPLIFY_SECONDS):
                return value.as_set()
        except (OutOfTime, NotImplementedError, ValueError, TypeError):
            return None
    return value if isinstance(value, sympy.Set) else None


def _sets_equal(gold: sympy.Set, candidate: sympy.Set) -> Finding:
    if isinstance(gold, sympy.FiniteSet) and isinstance(candidate, sympy.FiniteSet):
        return _all_pairs(list(gold), list(candidate), ordered=False)
    if isinstance(gold, sympy.Interval) and isinstance(candidate, sympy.Interval):
        if (gold.left_open, gold.right_open) != (candidate.left_open, candidate.right_open):
            return _different("the interval ends differ in being open or closed")
        return _all_pairs([gold.start, gold.end], [candidate.start, candidate.end], ordered=True)
    if isinstance(gold, sympy.Union) and isinstance(candidate, sympy.Union):
        return _all_pairs(list(gold.args), list(candidate.args), ordered=False)
    if type(gold) is not type(candidate):
        return _different(f"a {type(gold).__name__} is not a {type(candidate).__name__}")
    return EQUIVALENT if gold == candidate else _undecided("these sets are not compared")


def _equations_equal(gold: sympy.Eq, candidate: sympy.Eq) -> Finding:
    """Equations are equivalent when one's `lhs - rhs` is a nonzero constant times the other's."""
    gold_zero = gold.lhs - gold.rhs
    candidate_zero = candidate.lhs - candidate.rhs
    try:
        with budget(SIMPLIFY_SECONDS):
            ratio = sympy.cancel(gold_zero / candidate_zero)
    except (OutOfTime, ZeroDivisionError, ValueError, TypeError, sympy.PolynomialError):
        return _undecided("could not relate the two equations")
    if ratio.is_number and ratio != 0 and ratio.is_finite:
        return EQUIVALENT
    return _undecided("the equations are not constant multiples of each other")


def _matrix_items(value: sympy.Basic) -> list[sympy.Basic] | None:
    if isinstance(value, sympy.MatrixBase) and 1 in value.shape:
        return list(value)
    if isinstance(value, sympy.Tuple):
        return list(value)
    return None


def values_equal(gold: sympy.Basic, candidate: sympy.Basic) -> Finding:
    """Equivalence of two parsed values of any shape (numbers, sets, tuples, equations...)."""
    if gold == candidate:
        return EQUIVALENT
    both_equations = isinstance(gold, sympy.Eq) and isinstance(candidate, sympy.Eq)
    if both_equations and not (_assignment(gold) and _assignment(candidate)):
        return _equations_equal(gold, candidate)
    gold_assigned, candidate_assigned = _assignment(gold), _assignment(candidate)
    if gold_assigned and candidate_assigned and gold_assigned[0] != candidate_assigned[0]:
        names = f"{gold_assigned[0]}, {candidate_assigned[0]}"
        return _undecided(f"the answers name different variables ({names})")
    if gold_assigned or candidate_assigned:
        return values_equal(
            gold_assigned[1] if gold_assigned else gold,
            candidate_assigned[1] if candidate_assigned else candidate,
        )
    gold_system, candidate_system = _system(gold), _system(candidate)
    if gold_system is not None or candidate_system is not None:
        if gold_system is None or candidate_system is None:
            return _undecided("one answer is a system of assignments, the other is not")
        if set(gold_system) != set(candidate_system):
            return _undecided("the answers assign different variables")
        return _combine([values_equal(gold_system[k], candidate_system[k]) for k in gold_system])
    return _by_shape(gold, candidate)


def _by_shape(gold: sympy.Basic, candidate: sympy.Basic) -> Finding:
    if isinstance(gold, sympy.MatrixBase) or isinstance(candidate, sympy.MatrixBase):
        if isinstance(gold, sympy.MatrixBase) and isinstance(candidate, sympy.MatrixBase):
            if gold.shape != candidate.shape:
                return _different(f"matrix shapes differ: {gold.shape} vs {candidate.shape}")
            return _all_pairs(list(gold), list(candidate), ordered=True)
        gold_items, candidate_items = _matrix_items(gold), _matrix_items(candidate)
        if gold_items is None or candidate_items is None:
            return _different("a matrix is not a single value")
        return _all_pairs(gold_items, candidate_items, ordered=True)
    if isinstance(gold, sympy.Tuple) and isinstance(candidate, sympy.Tuple):
        return _all_pairs(list(gold), list(candidate), ordered=True)
    if isinstance(gold, sympy.Eq) and isinstance(candidate, sympy.Eq):
        return _equations_equal(gold, candidate)
    if isinstance(gold, sympy.FiniteSet) != isinstance(candidate, sympy.FiniteSet):
        single = gold if isinstance(gold, sympy.FiniteSet) else candidate
        other = candidate if single is gold else gold
        if isinstance(single, sympy.FiniteSet) and len(single) == 1:
            element = single.args[0]
            return values_equal(element, other) if single is gold else values_equal(other, element)
    gold_set, candidate_set = _as_set(gold), _as_set(candidate)
    settish = (sympy.Set, Relational, sympy.And, sympy.Or)
    if isinstance(gold, settish) or isinstance(candidate, settish):
        if gold_set is None or candidate_set is None:
            kinds = f"{type(gold).__name__} with {type(candidate).__name__}"
            return _undecided(f"cannot compare {kinds}")
        return _sets_equal(gold_set, candidate_set)
    if isinstance(gold, sympy.Tuple) or isinstance(candidate, sympy.Tuple):
        return _different("a tuple is not a single value")
    return scalar_equal(gold, candidate)


def _either(options: Sequence[Callable[[], Finding]]) -> Finding:
    """Equivalent if any reading is; different only if every reading is."""
    findings = [option() for option in options]
    if any(finding.decision == "equivalent" for finding in findings):
        return EQUIVALENT
    undecided = [finding for finding in findings if finding.decision == "undecided"]
    return undecided[0] if undecided else findings[0]


def _permuted(value: sympy.Basic, order: list[int]) -> sympy.Basic:
    """A named tuple (or a set of them) with its items put in another answer's name order."""
    if isinstance(value, sympy.Tuple) and len(value) == len(order):
        return sympy.Tuple(*(value[position] for position in order))
    if isinstance(value, sympy.FiniteSet):
        return sympy.FiniteSet(*(_permuted(item, order) for item in value))
    return value


def _assigns(value: sympy.Basic) -> bool:
    return isinstance(value, sympy.Eq) or (
        isinstance(value, sympy.FiniteSet) and any(isinstance(v, sympy.Eq) for v in value)
    )


def _unnamed(gold: Answer, candidate: Answer) -> tuple[sympy.Basic, sympy.Basic] | Finding:
    """The two values to compare once names are matched: a name on one side only is dropped
    (`(a, b) = (4, 1)` vs `(4, 1)`), the same names in another order are reordered."""
    assert gold.value is not None and candidate.value is not None
    gold_value, candidate_value = gold.value, candidate.value
    if gold.names and candidate.names:
        if gold.names == candidate.names:
            return gold_value, candidate_value
        if sorted(gold.names) != sorted(candidate.names) or len(gold.names) < 2:
            return _undecided(f"the answers name {gold.names} and {candidate.names}")
        order = [candidate.names.index(name) for name in gold.names]
        return gold_value, _permuted(candidate_value, order)
    if gold.names or candidate.names:
        named, other = (gold, candidate) if gold.names else (candidate, gold)
        assert other.value is not None
        if _assigns(other.value):
            return _undecided(f"the answers name {named.names} and an equation's variable")
        if isinstance(named.value, sympy.Tuple) and other.ordered is not None:
            return (
                (other.ordered, candidate_value) if other is gold else (gold_value, other.ordered)
            )
    return gold_value, candidate_value


def answers_equal(gold: Answer, candidate: Answer) -> Finding:
    """Compare two final answers, including their units, percent signs and degree marks."""
    if gold.kind != candidate.kind:
        return _different(f"expected a {gold.kind} answer, got a {candidate.kind} answer")
    if gold.kind != "math":
        if gold.text == candidate.text:
            return EQUIVALENT
        return _different(f"{gold.text!r} is not {candidate.text!r}")
    if gold.unit and candidate.unit and gold.unit != candidate.unit:
        return _undecided(f"different units ({gold.unit} vs {candidate.unit})")
    if gold.ratio != candidate.ratio:
        return _undecided("a ratio is compared only with a ratio")
    assert gold.value is not None and candidate.value is not None
    if gold.oversized or candidate.oversized:
        if gold.value == candidate.value and gold.names == candidate.names:
            return EQUIVALENT
        return _undecided("too large to evaluate")
    values = _unnamed(gold, candidate)
    if isinstance(values, Finding):
        return values
    gold_value, candidate_value = values
    if gold.degrees != candidate.degrees and isinstance(gold_value, sympy.Expr):
        in_radians = gold_value * sympy.pi / 180 if gold.degrees else gold_value * 180 / sympy.pi
        return _either(
            [
                lambda: values_equal(gold_value, candidate_value),
                lambda: values_equal(in_radians, candidate_value),
            ]
        )
    if gold.percent == candidate.percent:
        return values_equal(gold_value, candidate_value)
    percent_value = gold_value if gold.percent else candidate_value
    if not isinstance(percent_value, sympy.Expr):
        return _undecided("a percent sign on a non-number")
    fraction = percent_value / 100
    return _either(
        [
            lambda: values_equal(gold_value, candidate_value),
            lambda: values_equal(
                fraction if gold.percent else gold_value,
                fraction if candidate.percent else candidate_value,
            ),
        ]
    )
