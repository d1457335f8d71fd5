"""Small bugs people really make, by rewriting one node of a program's syntax tree.

Used to test verifiers (a mutant of a correct program should fail) and to build
corrected-mistake examples (a mutant that fails, then its fix). The operators are the slips
seen in real code: a loop bound, range or compared number off by one, `<` for `<=`, a slice
that stops one short or starts one late, a forgotten guard for an edge case (empty input), an
accumulator started at the wrong value, `/` for `//`, one variable for its partner (`i` for
`j`), `+ 1` for `- 1`, `and` for `or`, `min` for `max`. A mutant changes
only the text of the node it rewrites (layout and comments kept); one that cannot be written
back in place is not made, and no operator replaces a whole body or returns None.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass

_COMPARISON_FLIPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
}
_DIVISIONS: dict[type[ast.operator], type[ast.operator]] = {
    ast.FloorDiv: ast.Div,
    ast.Div: ast.FloorDiv,
}
_STEPS: dict[type[ast.operator], type[ast.operator]] = {ast.Add: ast.Sub, ast.Sub: ast.Add}
_PARTNERS = (
    ("i", "j"),
    ("j", "k"),
    ("lo", "hi"),
    ("low", "high"),
    ("left", "right"),
    ("l", "r"),
    ("start", "end"),
    ("first", "second"),
    ("a", "b"),
    ("x", "y"),
    ("m", "n"),
    ("row", "col"),
    ("r", "c"),
    ("prev", "curr"),
    ("prev", "cur"),
    ("best", "current"),
)
_TWINS = {"min": "max", "max": "min", "any": "all", "all": "any"}  # functions mixed up
_INFINITY = ("inf", "-inf", "infinity", "-infinity")


@dataclass(frozen=True)
class Mutant:
    operator: str  # "off-by-one", "flipped-comparison", "missed-edge-case", ...
    line: int
    description: str  # why the rewritten code is wrong, in words a programmer would use
    source: str  # the original text with only the rewritten code changed
    before: str  # the rewritten code as the original has it
    after: str  # and as the mutant has it ("" when a statement was left out)


Rewrite = Callable[[ast.AST], ast.AST]  # the node's replacement, built from a copy of it


def _one(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value == 1


def _shifted(expr: ast.expr) -> tuple[ast.expr, str]:
    """`e - 1` / `e + 1` as `e`, anything else as `e - 1`: a bound moved by one."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add | ast.Sub) and _one(expr.right):
        return expr.left, "one too far" if isinstance(expr.op, ast.Sub) else "one too short"
    return ast.BinOp(left=expr, op=ast.Sub(), right=ast.Constant(1)), "one too short"


def _range_stop(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.Call)
    at = 1 if len(node.args) >= 2 else 0
    node.args[at] = _shifted(node.args[at])[0]
    return node


def _range_start(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.Call) and isinstance(node.args[0], ast.Constant)
    start = node.args[0].value
    assert isinstance(start, int)
    node.args[0] = ast.Constant(1 - start)
    return node


def _slice_end(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice)
    assert node.slice.upper is not None
    node.slice.upper = _shifted(node.slice.upper)[0]
    return node


def _small(node: ast.expr | None) -> bool:
    """A small whole number written as such: a bound or a parity a slip moves by one."""
    return isinstance(node, ast.Constant) and type(node.value) is int and 0 <= node.value <= 9


def _divisibility(node: ast.Compare) -> bool:
    """`n % d == 0` for a `d` other than 2: a remainder test, where 1 for 0 is no one's bug (a
    parity test, `n % 2 == 0`, is: odd and even get mixed up)."""
    left = node.left
    return (
        isinstance(left, ast.BinOp)
        and isinstance(left.op, ast.Mod)
        and not (isinstance(left.right, ast.Constant) and left.right.value == 2)
    )


def _compared_bound(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.Compare) and isinstance(node.comparators[0], ast.Constant)
    bound = node.comparators[0].value
    assert isinstance(bound, int)
    node.comparators[0] = ast.Constant(bound + 1)
    return node


def _slice_start(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice)
    assert isinstance(node.slice.lower, ast.Constant)
    start = node.slice.lower.value
    assert isinstance(start, int)
    node.slice.lower = ast.Constant(start + 1)
    return node


def _other_bool(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.BoolOp)
    node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    return node


def _twin(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    node.func.id = _TWINS[node.func.id]
    return node


def _left(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.BinOp)
    return node.left


def _flip(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.Compare)
    node.ops[0] = _COMPARISON_FLIPS[type(node.ops[0])]()
    return node


def _divide(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.BinOp)
    node.op = _DIVISIONS[type(node.op)]()
    return node


def _step(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.BinOp)
    node.op = _STEPS[type(node.op)]()
    return node


def _initial(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.Assign)
    value = node.value
    start = value.value if isinstance(value, ast.Constant) else 1
    assert isinstance(start, int)
    node.value = ast.Constant(1 - start)
    return node


def _renamer(name: str) -> Rewrite:
    def rename(node: ast.AST) -> ast.AST:
        assert isinstance(node, ast.Name)
        node.id = name
        return node

    return rename


def _descending(step: ast.expr) -> bool:
    return isinstance(step, ast.UnaryOp) and isinstance(step.op, ast.USub)


def _is_range(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "range"
        and 1 <= len(node.args) <= 3
        and not node.keywords
    )


def _is_len_minus_one(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Sub)
        and _one(node.right)
        and isinstance(node.left, ast.Call)
        and isinstance(node.left.func, ast.Name)
        and node.left.func.id == "len"
    )


def _infinite(node: ast.expr) -> bool:
    """`float("inf")`, `float("-inf")`, `-float("inf")`, `math.inf`, `-math.inf`."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    if isinstance(node, ast.Attribute):
        return node.attr == "inf"
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "float"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
        and str(node.args[0].value).lower() in _INFINITY
    )


def _accumulators(function: ast.AST) -> set[str]:
    """Names changed inside a loop (`total += x`, `best = max(best, x)`): accumulators."""
    names: set[str] = set()
    for loop in ast.walk(function):
        if not isinstance(loop, ast.For | ast.While):
            continue
        for node in ast.walk(loop):
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _bound_since(function: ast.AST) -> dict[str, int]:
    """The line from which each name of `function` holds a value (its parameters: from the
    start), so a swapped-in variable is one that already exists where it is read."""
    lines: dict[str, int] = {a.arg: 0 for a in ast.walk(function) if isinstance(a, ast.arg)}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            lines[node.id] = min(lines.get(node.id, node.lineno), node.lineno)
    return lines


def _guard(statement: ast.stmt) -> bool:
    """`if <edge case>: return ...` / `raise ...`, with no else: a guard for an edge case."""
    return (
        isinstance(statement, ast.If)
        and not statement.orelse
        and len(statement.body) == 1
        and isinstance(statement.body[0], ast.Return | ast.Raise)
    )


def _sites(scope: ast.AST) -> Iterator[tuple[str, ast.AST, str, Rewrite | None]]:
    """Every node one operator can rewrite: the operator's name, the node, why the rewritten
    code is wrong, and the rewrite (None: the statement is left out)."""
    nodes = sorted(
        (node for node in ast.walk(scope) if isinstance(node, ast.expr | ast.stmt)),
        key=lambda node: (node.lineno, node.col_offset),
    )
    accumulators = _accumulators(scope)
    bound = _bound_since(scope)
    body = getattr(scope, "body", [])
    guards = {id(s) for s in body[:-1] if _guard(s)}
    bounds = {id(a) for n in nodes if _is_range(n) for a in getattr(n, "args", [])}
    for node in nodes:
        if id(node) in guards:
            yield "missed-edge-case", node, "the guard for this edge case is missing", None
        if _is_range(node):
            assert isinstance(node, ast.Call)
            stop = node.args[1 if len(node.args) >= 2 else 0]
            where = _shifted(stop)[1]
            if len(node.args) == 3 and _descending(node.args[2]):  # counting down: the other way
                where = "one too short" if where == "one too far" else "one too far"
            yield "off-by-one", node, f"the loop bound stops {where}", _range_stop
            first = node.args[0]
            if len(node.args) >= 2 and isinstance(first, ast.Constant) and first.value in (0, 1):
                why = (
                    "the range starts one too late"
                    if first.value == 0
                    else ("the range starts one too early")
                )
                yield "off-by-one", node, why, _range_start
        elif _is_len_minus_one(node):
            yield "off-by-one", node, "the last index is one past the end", _left
        elif isinstance(node, ast.Compare) and type(node.ops[0]) in _COMPARISON_FLIPS:
            strict = isinstance(node.ops[0], ast.Lt | ast.Gt)
            why = (
                "the comparison lets the equal case through"
                if strict
                else "the comparison leaves out the equal case"
            )
            yield "flipped-comparison", node, why, _flip
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            if node.slice.upper is not None:
                yield (
                    "wrong-boundary",
                    node,
                    (f"the slice ends {_shifted(node.slice.upper)[1]}"),
                    _slice_end,
                )
        elif isinstance(node, ast.BinOp) and type(node.op) in _DIVISIONS:
            why = (
                "`/` divides exactly and gives a float where a whole number is needed"
                if isinstance(node.op, ast.FloorDiv)
                else "`//` rounds down where the exact quotient is needed"
            )
            yield "integer-division", node, why, _divide
        elif (
            isinstance(node, ast.BinOp)
            and type(node.op) in _STEPS
            and _one(node.right)
            and id(node) not in bounds  # a range bound moved by two: off-by-one covers it
        ):
            yield "wrong-operator", node, "it steps by one the wrong way", _step
        elif isinstance(node, ast.Assign) and node in body and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in accumulators:
                value = node.value
                if isinstance(value, ast.Constant) and type(value.value) is int:
                    if value.value in (0, 1):
                        why = f"`{target.id}` starts at the wrong value"
                        yield "wrong-initial-value", node, why, _initial
                elif _infinite(value):
                    why = f"`{target.id}` starts at 0 instead of a value every input beats"
                    yield "wrong-initial-value", node, why, _initial
        if (
            isinstance(node, ast.Compare)
            and len(node.ops) == 1
            and not isinstance(node.ops[0], ast.Is | ast.IsNot | ast.In | ast.NotIn)
            and _small(node.comparators[0])
            and not _divisibility(node)
        ):
            why = "the number it compares with is off by one"
            yield "off-by-one", node, why, _compared_bound
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.slice, ast.Slice)
            and _small(node.slice.lower)
            and node.slice.step is None
        ):
            yield "wrong-boundary", node, "the slice starts one too late", _slice_start
        if isinstance(node, ast.BoolOp) and len(node.values) == 2:  # `a or b or c` as all `and`: no
            why = "`and` and `or` are mixed up"
            yield "wrong-logic", node, why, _other_bool
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _TWINS
        ):
            why = f"it calls `{_TWINS[node.func.id]}` where it means `{node.func.id}`"
            yield "wrong-function", node, why, _twin
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            for one, other in _PARTNERS:
                for name, partner in ((one, other), (other, one)):
                    if node.id == name and bound.get(partner, node.lineno) < node.lineno:
                        why = f"it uses `{partner}` where it means `{name}`"
                        yield "wrong-variable", node, why, _renamer(partner)


def _scope(tree: ast.Module, function: str | None) -> ast.AST | None:
    if function is None:
        return tree
    return next(
        (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function), None
    )


def _replaced_dump(tree: ast.Module, node: ast.AST, new: ast.AST) -> str:
    """The dump of `tree` with `node` swapped for `new` (the tree is left as it was)."""
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is node:
                setattr(parent, field, new)
                try:
                    return ast.dump(tree)
                finally:
                    setattr(parent, field, node)
            if isinstance(value, list) and any(item is node for item in value):
                at = next(i for i, item in enumerate(value) if item is node)
                value[at] = new
                try:
                    return ast.dump(tree)
                finally:
                    value[at] = node
    return ast.dump(tree)


def _splice(source: str, node: ast.expr | ast.stmt, text: str) -> str:
    """`source` with the code of `node` (its original position) replaced by `text`."""
    lines = source.splitlines(keepends=True)
    assert node.end_lineno is not None and node.end_col_offset is not None
    start = sum(len(line.encode()) for line in lines[: node.lineno - 1]) + node.col_offset
    end = sum(len(line.encode()) for line in lines[: node.end_lineno - 1]) + node.end_col_offset
    data = source.encode()
    return (data[:start] + text.encode() + data[end:]).decode()


def _keyword_swapped(source: str, node: ast.expr | ast.stmt) -> list[str]:
    """For `a or b` on one line: its own text with only the keyword swapped (layout kept)."""
    if not isinstance(node, ast.BoolOp) or node.lineno != node.end_lineno:
        return []
    first, second = node.values[0], node.values[1]
    assert first.end_col_offset is not None
    line = source.splitlines()[node.lineno - 1].encode()
    between = line[first.end_col_offset : second.col_offset].decode()
    old, new = ("or", "and") if isinstance(node.op, ast.Or) else ("and", "or")
    text = line[node.col_offset : first.end_col_offset].decode()
    rest = line[second.col_offset : node.end_col_offset or 0].decode()
    return [text + between.replace(old, new, 1) + rest]


def _in_place(
    source: str, node: ast.expr | ast.stmt, new: ast.AST, wanted: str
) -> tuple[str, str] | None:
    """`source` changed only where `node` was (comments and layout kept), parenthesised when
    precedence needs it, and the new text there; None when no such text reads back as the
    wanted tree."""
    after = ast.unparse(new)
    for text in (*_keyword_swapped(source, node), after, f"({after})"):
        spliced = _splice(source, node, text)
        try:
            if ast.dump(ast.parse(spliced)) == wanted:
                return spliced, text
        except SyntaxError:
            continue
    return None


def _same_sides(tree: ast.AST) -> int:
    """How many operations and comparisons have the same thing on both sides."""
    count = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp):
            count += ast.dump(node.left) == ast.dump(node.right)
        elif isinstance(node, ast.Compare):
            count += ast.dump(node.left) == ast.dump(node.comparators[0])
    return count


def _left_out(source: str, node: ast.stmt) -> str | None:
    """`source` without the lines of statement `node`, when it still parses."""
    lines = source.splitlines(keepends=True)
    assert node.end_lineno is not None
    text = "".join(lines[: node.lineno - 1] + lines[node.end_lineno :])
    try:
        ast.parse(text)
    except SyntaxError:
        return None
    return text


def mutants(source: str, function: str | None = None) -> Iterator[Mutant]:
    """One mutant per rewritable node of `source` (only inside `function` if named), in order,
    each program different from the original and from every earlier mutant."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    scope = _scope(tree, function)
    if scope is None:
        return
    original = ast.dump(tree)
    same_sides = _same_sides(tree)
    made: set[str] = set()
    for operator, node, why, rewrite in list(_sites(scope)):
        assert isinstance(node, ast.expr | ast.stmt)
        before = ast.get_source_segment(source, node)
        if not before:
            continue
        if rewrite is None:
            assert isinstance(node, ast.stmt)
            mutated, after = _left_out(source, node), ""
        else:
            new = rewrite(copy.deepcopy(node))
            placed = _in_place(source, node, new, _replaced_dump(tree, node, new))
            mutated, after = placed if placed is not None else (None, "")
        if mutated is None or mutated in made:
            continue
        changed = ast.parse(mutated)
        if ast.dump(changed) == original or _same_sides(changed) > same_sides:
            continue  # no change, or a relation of a thing to itself (`hi < hi`): no one writes it
        made.add(mutated)
        yield Mutant(operator, node.lineno, why, mutated, before, after)


def program_key(source: str) -> str:
    """What two programs share when they differ only in layout and comments."""
    try:
        return ast.dump(ast.parse(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return source
