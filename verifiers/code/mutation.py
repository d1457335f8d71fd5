"""Mutation testing: how strong are a problem's tests? The share of a reference's mutants they kill.

`verifiers.code.mutate` makes the slips people make, chosen to be plausible; test strength needs
the classic mutation operators too, each changing one node: an arithmetic operator for another,
a comparison relaxed or negated, `and` for `or`, a `not` dropped, an integer constant moved by
one, a boolean flipped. Only code inside functions is mutated (when the program has functions),
never the `if __name__ == "__main__":` block, which assert tests do not run. Mutants are whole
programs, compared by syntax tree so no two are the same program.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from verifiers.code.mutate import mutants as plausible_mutants
from verifiers.code.mutate import program_key

_ARITHMETIC: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Add, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult, ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult,
}  # fmt: skip
_COMPARISONS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}  # fmt: skip
Rewrite = Callable[[ast.AST], ast.AST | None]  # None: the node cannot be rewritten so


def _arithmetic(node: ast.AST) -> ast.AST | None:
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        node.op = _ARITHMETIC[type(node.op)]()
        return node
    if isinstance(node, ast.AugAssign) and type(node.op) in _ARITHMETIC:
        node.op = _ARITHMETIC[type(node.op)]()
        return node
    return None


def _comparison(node: ast.AST) -> ast.AST | None:
    if isinstance(node, ast.Compare) and type(node.ops[0]) in _COMPARISONS:
        node.ops[0] = _COMPARISONS[type(node.ops[0])]()
        return node
    return None


def _boolean(node: ast.AST) -> ast.AST | None:
    if isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        return node
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return node.operand
    return None


def _constant(node: ast.AST) -> ast.AST | None:
    if not isinstance(node, ast.Constant):
        return None
    if isinstance(node.value, bool):
        return ast.Constant(not node.value)
    if isinstance(node.value, int):
        return ast.Constant(node.value + 1)
    return None


_REWRITES: tuple[Rewrite, ...] = (_arithmetic, _comparison, _boolean, _constant)


def _main_guard(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
    )


def _nodes(tree: ast.Module) -> list[ast.AST]:
    """The nodes a mutant may change, in source order."""
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    roots: list[ast.AST] = list(functions) or [n for n in tree.body if not _main_guard(n)]
    found: list[ast.AST] = []
    for root in roots:
        for node in ast.walk(root):
            if isinstance(node, ast.arguments | ast.arg) or (
                isinstance(node, ast.Constant) and isinstance(node.value, str)
            ):
                continue
            found.append(node)
    return found


def _classic(source: str) -> Iterator[str]:
    tree = ast.parse(source)
    count = len(_nodes(tree))
    for rewrite in _REWRITES:
        for index in range(count):
            fresh = ast.parse(source)
            target = _nodes(fresh)[index]
            new = rewrite(target)
            if new is None:
                continue
            if new is not target:
                _replace(fresh, target, new)
            yield ast.unparse(ast.fix_missing_locations(fresh))


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, new)
            elif isinstance(value, list) and any(item is old for item in value):
                value[[id(item) for item in value].index(id(old))] = new


def strength_mutants(source: str, function: str | None = None, limit: int = 40) -> list[str]:
    """Up to `limit` distinct mutant programs of `source`: the plausible slips first, then the
    classic operators, spread evenly over the program when there are more."""
    try:
        original = program_key(source)
        made = [m.source for m in plausible_mutants(source, function)] + list(_classic(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    seen = {original}
    distinct = []
    for mutant in made:
        key = program_key(mutant)
        if key not in seen:
            seen.add(key)
            distinct.append(mutant)
    if len(distinct) <= limit:
        return distinct
    step = len(distinct) / limit
    return [distinct[int(i * step)] for i in range(limit)]
