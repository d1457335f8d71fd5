"""Bound how many digits an expression can need before SymPy is allowed to evaluate it.

latex2sympy leaves `10^{10^{10}}` or `99999999!` unevaluated; the first `doit`, `simplify`,
`evalf` or `str` would then try to build a number with billions of digits. Walking the tree
and bounding log10 of every value first lets us refuse those in microseconds.
"""

from __future__ import annotations

import math

import sympy

EXACT_DIGITS = 5_000  # larger exact values are compared numerically or left undecided
NUMERIC_DIGITS = 10**12  # beyond this even a floating-point exponent is unmanageable
MAX_TERMS = 10_000  # sums and products with more terms are never expanded

_INF = math.inf


def _int_digits(value: int) -> float:
    return abs(value).bit_length() * 0.30103


def digits(expr: sympy.Basic) -> float:
    """An upper bound on |log10| of the magnitude of `expr` and of every subexpression."""
    if isinstance(expr, sympy.Integer):
        return _int_digits(int(expr))
    if isinstance(expr, sympy.Rational):
        return max(_int_digits(int(expr.p)), _int_digits(int(expr.q)))
    if isinstance(expr, sympy.Float):
        mantissa, exponent = expr._mpf_[1], expr._mpf_[2]
        return _int_digits(int(mantissa)) + abs(int(exponent)) * 0.30103
    if not expr.args:
        return 1.0  # symbols, pi, E, I, oo: evaluated at modest points or kept symbolic
    inner = [digits(arg) for arg in expr.args if isinstance(arg, sympy.Basic)]
    worst = max(inner, default=1.0)
    if worst == _INF:
        return _INF
    if isinstance(expr, sympy.Pow):
        return _power_digits(digits(expr.base), expr.exp)
    if isinstance(expr, sympy.Mul):
        return sum(inner)
    if isinstance(expr, sympy.Add):
        return worst + math.log10(len(inner))
    if isinstance(expr, sympy.exp):
        return _power_digits(0.4343, expr.args[0])
    if isinstance(expr, sympy.factorial | sympy.factorial2 | sympy.gamma | sympy.binomial):
        count = _value_bound(expr.args[0])
        return _INF if count > 1e15 else max(worst, count * max(1.0, math.log10(count + 1)))
    if isinstance(expr, sympy.Sum | sympy.Product):
        return _sum_digits(expr, worst)
    return worst


def _value_bound(expr: sympy.Basic) -> float:
    """An upper bound on |expr| itself (not its digit count), inf when it cannot be small."""
    size = digits(expr)
    return _INF if size > 300 else 10.0**size


def _power_digits(base_digits: float, exponent: sympy.Basic) -> float:
    power = _value_bound(exponent)
    return _INF if power == _INF else max(base_digits, 1.0) * power


def _sum_digits(expr: sympy.Sum | sympy.Product, term_digits: float) -> float:
    terms = 1.0
    for limit in expr.limits:
        if len(limit) != 3:
            return _INF
        lower, upper = limit[1], limit[2]
        span = _value_bound(lower) + _value_bound(upper)
        terms *= span + 1
    if terms > MAX_TERMS:
        return _INF
    if isinstance(expr, sympy.Product):
        return term_digits * terms
    return term_digits + math.log10(terms)


def exact_ok(expr: sympy.Basic) -> bool:
    """Whether exact evaluation (doit, simplify, ==) of `expr` stays small."""
    return digits(expr) <= EXACT_DIGITS


def numeric_ok(expr: sympy.Basic) -> bool:
    """Whether `evalf` of `expr` can represent it at all."""
    return digits(expr) <= NUMERIC_DIGITS
