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
    source: str  # the original text with only the rewritten code changed
    before: str  # the rewritten code as the original has it
    after: str  # and as the mutant has it


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


def _splice(source: str, node: ast.expr | ast.stmt, text: str) -> str:
    """`source` with the code of `node` (its original position) replaced by `text`."""
    lines = source.splitlines(keepends=True)
    assert node.end_lineno is not None and node.end_col_offset is not None
    start = sum(len(line.encode()) for line in lines[: node.lineno - 1]) + node.col_offset
    end = sum(len(line.encode()) for line in lines[: node.end_lineno - 1]) + node.end_col_offset
    data = source.encode()
    return (data[:start] + text.encode() + data[end:]).decode()


def _in_place(source: str, node: ast.expr | ast.stmt, tree: ast.Module) -> tuple[str, str]:
    """The mutant as `source` changed only where `node` was (keeping comments and layout), and
    the new code there; parenthesised when precedence needs it, the whole tree unparsed when
    no splice reads back as the mutated tree."""
    after = ast.unparse(node)
    wanted = ast.dump(tree)
    for text in (after, f"({after})"):
        spliced = _splice(source, node, text)
        try:
            if ast.dump(ast.parse(spliced)) == wanted:
                return spliced, text
        except SyntaxError:
            continue
    return ast.unparse(tree), after


def mutants(source: str, function: str | None = None) -> Iterator[Mutant]:
    """One mutant per rewritable node of `source` (only inside `function` if named), in order."""
    try:
        scope = _scope(ast.parse(source), function)
    except SyntaxError:
        return
    count = sum(1 for _ in _sites(scope)) if scope else 0
    original = ast.dump(ast.parse(source))
    for index in range(count):
        tree = ast.parse(source)  # a fresh tree per mutant: _apply edits in place
        operator, node, description = list(_sites(_scope(tree, function) or tree))[index]
        assert isinstance(node, ast.expr | ast.stmt)
        before = ast.get_source_segment(source, node) or ast.unparse(node)
        _apply(operator, node)
        if ast.dump(tree) == original:
            continue
        mutated, after = _in_place(source, node, tree)
        yield Mutant(operator, node.lineno, description, mutated, before, after)
