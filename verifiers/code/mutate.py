"""Small, plausible bugs made by rewriting one node of a program's syntax tree.

Used to test verifiers (a mutant of a correct program should fail) and to build
corrected-mistake examples (a mutant that fails, then its fix).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

_OPERATOR_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Add,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
}
_COMPARISON_FLIPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
}


@dataclass(frozen=True)
class Mutant:
    operator: str  # "wrong-operator", "flipped-comparison", "off-by-one", "wrong-return", ...
    line: int
    description: str
    source: str


def _sites(tree: ast.AST) -> Iterator[tuple[str, ast.AST, str]]:
    """Every node one operator can rewrite, with the operator's name and what it will do."""
    nodes = sorted(
        (node for node in ast.walk(tree) if isinstance(node, ast.expr | ast.stmt)),
        key=lambda node: (node.lineno, node.col_offset),
    )
    for node in nodes:
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATOR_SWAPS:
            yield "wrong-operator", node, "swap the arithmetic operator"
        elif isinstance(node, ast.Compare) and type(node.ops[0]) in _COMPARISON_FLIPS:
            yield "flipped-comparison", node, "flip the comparison"
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            yield "off-by-one", node, f"change {node.value} to {node.value + 1}"
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            if node.slice.upper is not None:
                yield "wrong-boundary", node, "shorten the slice's upper bound by one"
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Name | ast.Call):
            yield "wrong-return", node, "return None instead"


def _apply(operator: str, node: ast.AST) -> None:
    if isinstance(node, ast.BinOp):
        node.op = _OPERATOR_SWAPS[type(node.op)]()
    elif isinstance(node, ast.Compare):
        node.ops[0] = _COMPARISON_FLIPS[type(node.ops[0])]()
    elif isinstance(node, ast.Constant) and type(node.value) is int:
        node.value = node.value + 1
    elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        upper = node.slice.upper
        assert upper is not None
        node.slice.upper = ast.BinOp(left=upper, op=ast.Sub(), right=ast.Constant(1))
    elif isinstance(node, ast.Return):
        node.value = ast.Constant(None)


def _scope(tree: ast.Module, function: str | None) -> ast.AST | None:
    if function is None:
        return tree
    return next(
        (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function), None
    )


def mutants(source: str, function: str | None = None) -> Iterator[Mutant]:
    """One mutant per rewritable node of `source` (only inside `function` if named), in order."""
    try:
        scope = _scope(ast.parse(source), function)
    except SyntaxError:
        return
    count = sum(1 for _ in _sites(scope)) if scope else 0
    for index in range(count):
        tree = ast.parse(source)  # a fresh tree per mutant: _apply edits in place
        operator, node, description = list(_sites(_scope(tree, function) or tree))[index]
        line = getattr(node, "lineno", 0)
        _apply(operator, node)
        mutated = ast.unparse(tree)
        if mutated != ast.unparse(ast.parse(source)):
            yield Mutant(operator, line, description, mutated)
