"""Hypothesis strategies for differential testing, from an entry point's signature and given tests.

Read with `ast` only (no import, no exec): signature and tests come from problem text. The type
hint (or, without one, the type of the given tests' arguments) fixes an argument's shape; the
values the given tests pass fix its range, alphabet and sizes. A problem's preconditions are
unwritten ("n > 1 and not a prime", "balanced groups of parentheses"), and inputs like the
given ones keep to them where broad type-wide ranges find "bugs" outside them.
"""

from __future__ import annotations

import ast
from typing import Any

_DEFAULTS = {
    "int": "st.integers(-20, 100)",
    "float": "st.floats(-100, 100, allow_nan=False)",
    "str": "st.text(alphabet='abcdefghijklmnopqrstuvwxyzABCDEFG0123456789 ', max_size=12)",
    "bool": "st.booleans()",
}
_MAX_TOKENS = 60
_MAX_SIZE = 8  # drawn lists may be this long even if the given ones are all shorter


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):  # typing.List
        return node.attr
    return None


def _args(node: ast.expr) -> list[ast.expr]:
    return list(node.elts) if isinstance(node, ast.Tuple) else [node]


def _of_type(name: str, seen: list[Any]) -> list[Any]:
    kinds: dict[str, type | tuple[type, ...]] = {
        "int": int,
        "float": (int, float),
        "str": str,
        "bool": bool,
    }
    wanted = kinds[name]
    return [v for v in seen if isinstance(v, wanted) and (name == "bool" or type(v) is not bool)]


def _scalar(name: str, seen: list[Any]) -> str:
    values = _of_type(name, seen)
    if not values or name == "bool":
        return _DEFAULTS[name]
    return _text(values) if name == "str" else _number(name, values)


def _number(name: str, values: list[Any]) -> str:
    # The smallest given value is likely a precondition's edge (n > 1, a non-negative list), so
    # it holds unless the given values go below zero; upward there is room for bugs to hide.
    low, high = min(values), max(values)
    pad = max(100, high - low)
    low, high = (low - pad if low < 0 else low), high + pad
    if name == "int":
        return f"st.integers({low}, {high})"
    return f"st.floats({float(low)!r}, {float(high)!r}, allow_nan=False, allow_infinity=False)"


def _text(values: list[str]) -> str:
    # Strings are recombined from the given ones' space-separated tokens: words stay words,
    # balanced groups stay balanced, numbers stay numbers.
    separator = " " if any(" " in v for v in values) else ""
    tokens = list(dict.fromkeys(t for v in values for t in v.split(" ") if t))[:_MAX_TOKENS]
    if not tokens:
        return "st.just('')"
    low = 0 if "" in values else 1
    high = max(1, max(len(v.split(" ")) for v in values)) if separator else 3
    drawn = f"st.lists(st.sampled_from({tokens!r}), min_size={low}, max_size={high})"
    return f"{drawn}.map({separator!r}.join)"


def _items(seen: list[Any], kind: type | tuple[type, ...]) -> tuple[list[Any], list[Any]]:
    """The given containers of `kind`, and all their elements."""
    containers: list[Any] = [v for v in seen if isinstance(v, kind)]
    return containers, [item for c in containers for item in c]


def _sequence(item: str, containers: list[Any]) -> str:
    """Lists of `item` sized like the given ones, and, when every given list of three or more
    is free of repeats or sorted, so too."""
    sizes = [len(c) for c in containers] or [0]
    shaped = [c for c in containers if len(c) >= 3]
    scalars = all(isinstance(x, int | float | str) for c in containers for x in c)

    def every(invariant: Any) -> bool:
        return bool(shaped) and scalars and all(invariant(list(c)) for c in shaped)

    unique = every(lambda c: len(set(c)) == len(c))
    ordered = every(lambda c: c == sorted(c))
    drawn = f"st.lists({item}, min_size={min(sizes)}, max_size={max(*sizes, _MAX_SIZE)}"
    drawn += ", unique=True)" if unique else ")"
    return drawn + ".map(sorted)" if ordered else drawn


def strategy_for(node: ast.expr, seen: list[Any]) -> str | None:
    """A strategy expression (using `st`) for the annotation `node`, shaped like the values
    `seen` in the given tests, or None if the annotation is unsupported."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return strategy_for(ast.parse(node.value, mode="eval").body, seen)
        except SyntaxError:
            return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = strategy_for(node.left, seen), strategy_for(node.right, seen)
        return f"st.one_of({left}, {right})" if left and right else None
    if isinstance(node, ast.Constant) and node.value is None:
        return "st.none()"
    name = _name(node)
    if name in _DEFAULTS:
        return _scalar(name, seen)
    if not isinstance(node, ast.Subscript):
        return None
    outer = (_name(node.value) or "").lower()
    inner = _args(node.slice)
    if outer == "tuple" and len(inner) == 2 and isinstance(inner[1], ast.Constant):
        containers, items = _items(seen, tuple)  # tuple[int, ...]
        item = strategy_for(inner[0], items)
        return f"{_sequence(item, containers)}.map(tuple)" if item else None
    if outer == "list" and len(inner) == 1:
        containers, items = _items(seen, list)
        item = strategy_for(inner[0], items)
        return _sequence(item, containers) if item else None
    if outer == "set" and len(inner) == 1:
        _, items = _items(seen, (set, frozenset))
        item = strategy_for(inner[0], items)
        return f"st.sets({item}, max_size={_MAX_SIZE})" if item else None
    if outer == "dict" and len(inner) == 2:
        dicts = [v for v in seen if isinstance(v, dict)]
        keys = strategy_for(inner[0], [k for d in dicts for k in d])
        values = strategy_for(inner[1], [v for d in dicts for v in d.values()])
        return f"st.dictionaries({keys}, {values}, max_size=5)" if keys and values else None
    if outer == "tuple":
        columns = [
            [v[i] for v in seen if isinstance(v, tuple) and len(v) == len(inner)]
            for i in range(len(inner))
        ]
        parts = [strategy_for(arg, column) for arg, column in zip(inner, columns, strict=True)]
        return f"st.tuples({', '.join(map(str, parts))})" if all(parts) else None
    if outer in ("optional", "union"):
        parts = [strategy_for(arg, seen) for arg in inner]
        optional = "st.none(), " if outer == "optional" else ""
        return f"st.one_of({optional}{', '.join(map(str, parts))})" if all(parts) else None
    return None


def _hint(values: list[Any]) -> ast.expr | None:
    """An annotation for an unannotated argument, from the types of the values given to it."""
    if not values:
        return None
    kinds = {type(v) for v in values}
    if kinds in ({int}, {float}, {int, float}, {bool}, {str}):
        return ast.Name(id="float" if float in kinds else type(values[0]).__name__)
    if kinds == {list}:
        item = _hint([item for v in values for item in v])
        return ast.Subscript(value=ast.Name(id="list"), slice=item) if item else None
    return None


def given_arguments(tests: str, entry_point: str, parameters: list[str]) -> dict[str, list[Any]]:
    """The literal values the given tests pass to each parameter of the entry point, called by
    name or as HumanEval's `candidate`."""
    try:
        module = ast.parse(tests)
    except SyntaxError:
        return {}
    seen: dict[str, list[Any]] = {name: [] for name in parameters}
    for node in ast.walk(module):
        if not (isinstance(node, ast.Call) and _name(node.func) in (entry_point, "candidate")):
            continue
        keywords = [(k.arg, k.value) for k in node.keywords]
        named = [*zip(parameters, node.args, strict=False), *keywords]
        for parameter, expression in named:
            if parameter not in seen:
                continue
            try:
                seen[str(parameter)].append(ast.literal_eval(expression))
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                continue
    return seen


def signature_strategies(source: str, entry_point: str, tests: str = "") -> dict[str, str]:
    """One strategy per parameter of `entry_point` in `source`, ranged on the arguments `tests`
    pass it; empty if any cannot be derived."""
    try:
        module = ast.parse(source)
    except SyntaxError:
        return {}
    function = next(
        (
            node
            for node in ast.walk(module)
            if isinstance(node, ast.FunctionDef) and node.name == entry_point
        ),
        None,
    )
    if function is None or function.args.vararg or function.args.kwarg:
        return {}
    if function.args.posonlyargs:  # drawn arguments are passed by name
        return {}
    parameters = [*function.args.args, *function.args.kwonlyargs]
    seen = given_arguments(tests, entry_point, [p.arg for p in parameters])
    strategies: dict[str, str] = {}
    for parameter in parameters:
        values = seen.get(parameter.arg, [])
        hint = parameter.annotation or _hint(values)
        strategy = strategy_for(hint, values) if hint else None
        if strategy is None:
            return {}
        strategies[parameter.arg] = strategy
    return strategies
