"""Hypothesis strategies derived from an entry point's type hints, for differential testing.

Read with `ast` only (no import, no exec): the signature comes from problem text. Ranges are kept
small and tame, since the problem's implicit preconditions are unknown; an input the reference
rejects by raising is discarded by the harness.
"""

from __future__ import annotations

import ast

_SCALARS = {
    "int": "st.integers(-20, 100)",
    "float": "st.floats(-100, 100, allow_nan=False)",
    "str": "st.text(alphabet='abcdefghijklmnopqrstuvwxyzABCDEFG0123456789 ', max_size=12)",
    "bool": "st.booleans()",
}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):  # typing.List
        return node.attr
    return None


def _args(node: ast.expr) -> list[ast.expr]:
    return list(node.elts) if isinstance(node, ast.Tuple) else [node]


def strategy_for(node: ast.expr) -> str | None:
    """A strategy expression (using `st`) for the annotation `node`, or None if unsupported."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return strategy_for(ast.parse(node.value, mode="eval").body)
        except SyntaxError:
            return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = strategy_for(node.left), strategy_for(node.right)
        return f"st.one_of({left}, {right})" if left and right else None
    if isinstance(node, ast.Constant) and node.value is None:
        return "st.none()"
    name = _name(node)
    if name in _SCALARS:
        return _SCALARS[name]
    if not isinstance(node, ast.Subscript):
        return None
    outer = _name(node.value)
    inner = _args(node.slice)
    if outer in ("Tuple", "tuple") and len(inner) == 2 and isinstance(inner[1], ast.Constant):
        item = strategy_for(inner[0])  # tuple[int, ...]
        return f"st.lists({item}, max_size=6).map(tuple)" if item else None
    parts = [strategy_for(arg) for arg in inner]
    if any(part is None for part in parts):
        return None
    joined = ", ".join(str(part) for part in parts)
    shapes = {
        ("List", 1): f"st.lists({joined}, max_size=8)",
        ("list", 1): f"st.lists({joined}, max_size=8)",
        ("Set", 1): f"st.sets({joined}, max_size=6)",
        ("set", 1): f"st.sets({joined}, max_size=6)",
        ("Dict", 2): f"st.dictionaries({joined}, max_size=5)",
        ("dict", 2): f"st.dictionaries({joined}, max_size=5)",
        ("Optional", 1): f"st.one_of(st.none(), {joined})",
        ("Union", len(parts)): f"st.one_of({joined})",
        ("Tuple", len(parts)): f"st.tuples({joined})",
        ("tuple", len(parts)): f"st.tuples({joined})",
    }
    return shapes.get((outer or "", len(parts)))


def signature_strategies(source: str, entry_point: str) -> dict[str, str]:
    """One strategy per parameter of `entry_point` in `source`; empty if any cannot be derived."""
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
    strategies: dict[str, str] = {}
    for arg in [*function.args.args, *function.args.kwonlyargs]:
        strategy = strategy_for(arg.annotation) if arg.annotation else None
        if strategy is None:
            return {}
        strategies[arg.arg] = strategy
    return strategies
