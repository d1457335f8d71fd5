"""Split a solution into steps and pull out every relation it states, as text only.

This runs on the host and never parses math: it finds numbered lines, paragraphs and display
math, cuts each into relations (`A = B = C`, `x < 3`, plain `3 + 4 = 7`), and notes what the
surrounding words say the step does (squaring, a case split, dropping a root), because that
decides whether a changed solution set is an error or an announced move.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from verifiers.math.latex_text import split_top_level, unbox

_DISPLAY = re.compile(  # contents never hold their own opener: linear on unclosed openers
    r"\$\$((?:(?!\$\$).)+?)\$\$|\\\[((?:(?!\\\[).)+?)\\\]"
    r"|\\begin\{(align|aligned|equation|gather|eqnarray|multline)\*?\}"
    r"((?:(?!\\begin\{\3\*?\}).)+?)\\end\{\3\*?\}",
    re.S,
)
_INLINE = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$|\\\(((?:(?!\\\().)+?)\\\)", re.S)
_NUMBERED = re.compile(
    r"^\s*(?:\*\*)?(?:step\s*\d+\s*[:.)]?|\d+[.)]\s|\(\d+\)\s|[-*\u2022]\s)", re.I
)
_CALCULATOR = re.compile(r"<<([^<>]*)>>")
_RELATION_OPS = re.compile(
    r"\\(?:neq|ne|leq|le|geq|ge|leqslant|geqslant|approx|lt|gt)(?![A-Za-z])|<=|>=|!=|=|<|>|≤|≥|≠|≈"
)
_OP_NAMES = {
    "\\neq": "!=", "\\ne": "!=", "!=": "!=", "≠": "!=",
    "\\leq": "<=", "\\le": "<=", "\\leqslant": "<=", "<=": "<=", "≤": "<=",
    "\\geq": ">=", "\\ge": ">=", "\\geqslant": ">=", ">=": ">=", "≥": ">=",
    "\\approx": "~", "≈": "~", "\\lt": "<", "\\gt": ">", "=": "=", "<": "<", ">": ">",
}  # fmt: skip
_CONNECTIVE = (
    r"(?:and|or|so|thus|hence|therefore|then|since|because|where|which|with|gives?|giving|get"
    r"|if|for|is|are|we|implies|when)"
)
_SPLITTERS = re.compile(
    r"\\(?:Rightarrow|Longrightarrow|implies|iff|Leftrightarrow|therefore|because|quad|qquad"
    r"|land|wedge|lor|vee)(?![A-Za-z])|;|\\\\"
    rf"|\\(?:text|textbf|mbox|textrm)\s*\{{[^{{}}]*\b{_CONNECTIVE}\b[^{{}}]*\}}"
)
_OR_WORD = re.compile(r"\bor\b|\\lor|\\vee", re.I)
_THEN_WORD = re.compile(
    r"\b(?:so|thus|hence|therefore|then|gives?|giving|get|gets|yields?|implies|becomes)\b"
    r"|\\(?:implies|Rightarrow|Longrightarrow|therefore|iff|Leftrightarrow)|\\\\",
    re.I,
)
_UNIT_TEXT = re.compile(
    r"\\(?:text|mathrm|textrm|mbox)\s*\{\s*([A-Za-z][A-Za-z .]+?)\s*\}(?:\s*\^\s*\{?[23]\}?)?"
)
_RUN_CHAR = r"(?:[\d.+\-*/^()\u00d7\u00f7=<>\u2264\u2265 ]|(?<![A-Za-z])[A-Za-z](?![A-Za-z]))"
_PLAIN_RUN = re.compile(f"{_RUN_CHAR}*={_RUN_CHAR}*")
_MONEY = re.compile(r"(?<![\\A-Za-z{])[A-Za-z]{3,}")  # "$5 and $": dollar signs, not math
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_FLAG_WORDS = {
    "squaring": r"squar|raise both sides|\^2 both sides",
    "multiplying": r"multiply(?:ing)? (?:both sides|through|each side)|cross[- ]multipl"
    r"|clear(?:ing)? (?:the )?(?:denominator|fraction)",
    "case_split": r"\bcase\b|\bcases\b|\bsuppose\b|\bassume\b|\beither\b|\botherwise\b|\bif\b",
    "side_condition": r"reject|discard|extraneous|not valid|invalid|\bonly\b|\bmust\b|cannot"
    r"|can't|\bdomain\b|exclud|impossible|positive|negative|non-?negative|\binteger|\bsince\b"
    r"|\bbecause\b|\blength\b|\bdistance\b|\bage\b|\breal\b|natural|satisf|\bcheck",
    "point": r"\b(?:at|when|plug(?:ging)?\s+in|evaluat\w*)\b",
    "fresh": r"\blet\b|\bconsider\b|\bpart\b|\bsimilarly\b|\banother\b|\bdefine\b"
    r"|\bgiven\b|\bsecond\b|\bnew equation\b|\bsuppose\b",
}


@dataclass
class Step:
    """One step of a solution: where it is, its text, and the relations it states."""

    index: int
    text: str
    relations: list[dict[str, object]] = field(default_factory=list)
    flags: dict[str, bool] = field(default_factory=dict)

    def payload(self) -> dict[str, object]:
        return {"index": self.index, "relations": self.relations, "flags": self.flags}


def split_steps(solution: str) -> list[str]:
    """Lines (numbered or not, so also paragraphs) and display-math blocks, in order."""
    pieces: list[str] = []
    cursor = 0
    for match in _DISPLAY.finditer(solution):
        pieces.extend(_split_prose(solution[cursor : match.start()]))
        pieces.append(match.group(0))
        cursor = match.end()
    pieces.extend(_split_prose(solution[cursor:]))
    return [piece.strip() for piece in pieces if piece.strip()]


def _split_prose(text: str) -> list[str]:
    """Each line is a step: teacher models write one step per line and never hard-wrap."""
    return [line for line in text.splitlines() if line.strip()]


def _clean_math(math: str) -> str:
    math = unbox(math)
    math = re.sub(r"\\(?:displaystyle|left|right|nonumber|notag|,|;|!|:)(?![A-Za-z])", " ", math)
    math = re.sub(r"\\label\{[^{}]*\}|\\tag\{[^{}]*\}", " ", math)
    return math.replace("\\$", "").replace("&", " ")


def _relation(piece: str, previous: dict[str, object] | None) -> dict[str, object] | None:
    """`A = B < C` as {"sides": [A, B, C], "ops": ["=", "<"]}, or None if no relation."""
    parts: list[str] = []
    ops: list[str] = []
    cursor = 0
    for match in _RELATION_OPS.finditer(piece):
        if _depth(piece, match.start()) != 0:
            continue
        parts.append(piece[cursor : match.start()].strip())
        ops.append(_OP_NAMES[match.group(0)])
        cursor = match.end()
    parts.append(piece[cursor:].strip())
    if not ops:
        return None
    units = [{name.lower() for name in _UNIT_TEXT.findall(part)} for part in parts]
    named = [names for names in units if names]
    if any(names != named[0] for names in named):
        return None  # a unit conversion ("5 cm = 50 mm") is not an equality of numbers
    parts = [_UNIT_TEXT.sub(" ", part).rstrip(".,;: ").strip() for part in parts]
    if not parts[0] and len(parts) > 2:
        parts, ops = parts[1:], ops[1:]  # "\\text{Area} = 5 \\times 3 = 15": a label, then math
    if not parts[0] and previous is not None:
        previous_sides = previous["sides"]
        assert isinstance(previous_sides, list)
        parts[0] = str(previous_sides[-1])
    if any(not part for part in parts):
        return None
    return {"sides": parts, "ops": ops, "joiner": "and"}


def _depth(text: str, position: int) -> int:
    depth = 0
    for char in text[:position]:
        if char in "{([":
            depth += 1
        elif char in "})]":
            depth -= 1
    return depth


def _joiner(between: str) -> str:
    """How a relation connects to the one before it: `or`, `then` (derived from it) or `and`."""
    if _OR_WORD.search(between):
        return "or"
    if _THEN_WORD.search(between):
        return "then"
    return "and"


def _pieces(math: str, first: str) -> list[tuple[str, str]]:
    """Cut math into relation-sized pieces, each with its joiner to the piece before."""
    out: list[tuple[str, str]] = []
    cursor = 0
    joiner = first
    for match in _SPLITTERS.finditer(math):
        out.append((math[cursor : match.start()], joiner))
        joiner = _joiner(match.group(0))
        cursor = match.end()
    out.append((math[cursor:], joiner))
    pieces: list[tuple[str, str]] = []
    for text, piece_joiner in out:
        protected = _THOUSANDS.sub("\x01", text)
        for position, part in enumerate(split_top_level(protected)):
            pieces.append((part.replace("\x01", ""), piece_joiner if position == 0 else "and"))
    return pieces


def math_relations(math: str, first: str = "and") -> list[dict[str, object]]:
    """Every relation in one math segment, with align rows continuing a chain."""
    relations: list[dict[str, object]] = []
    joiner = first
    for piece, piece_joiner in _pieces(_clean_math(math), first):
        joiner = piece_joiner if joiner == "and" else joiner
        relation = _relation(piece, relations[-1] if relations else None)
        if relation is not None:
            relation["joiner"] = joiner
            relations.append(relation)
            joiner = "and"
    return relations


def _plain_relations(prose: str, found_before: bool) -> list[dict[str, object]]:
    """Relations written without LaTeX ("3 + 4 = 7 apples", "<<48/2=24>>")."""
    relations: list[dict[str, object]] = []
    for calculation in _CALCULATOR.findall(prose):
        relations.extend(math_relations(calculation))
    prose = _CALCULATOR.sub(" ", prose)
    cursor = 0
    for match in _PLAIN_RUN.finditer(prose):
        run = match.group(0).strip()
        if not re.search(r"\d", run) or len(run) < 3:
            continue
        between = prose[cursor : match.start()]
        cursor = match.end()
        joiner = _joiner(between) if (relations or found_before) else "and"
        relations.extend(math_relations(run, joiner))
    return relations


def step_relations(text: str) -> list[dict[str, object]]:
    """All relations of one step, in reading order: display, inline and plain-text math."""
    relations: list[dict[str, object]] = []
    cursor = 0
    for match in _DISPLAY.finditer(text):
        relations.extend(_prose_relations(text[cursor : match.start()], bool(relations)))
        display = match.group(1) or match.group(2) or match.group(4)
        joiner = _joiner(text[cursor : match.start()]) if relations else "and"
        relations.extend(math_relations(display, joiner))
        cursor = match.end()
    relations.extend(_prose_relations(text[cursor:], bool(relations)))
    return relations


def _prose_relations(prose: str, found_before: bool) -> list[dict[str, object]]:
    relations: list[dict[str, object]] = []
    cursor = 0
    for match in _INLINE.finditer(prose):
        if _MONEY.search(match.group(1) or ""):
            continue
        between = prose[cursor : match.start()]
        relations.extend(_plain_relations(between, found_before or bool(relations)))
        joiner = _joiner(between) if (relations or found_before) else "and"
        relations.extend(math_relations(match.group(1) or match.group(2), joiner))
        cursor = match.end()
    relations.extend(_plain_relations(prose[cursor:], found_before or bool(relations)))
    return relations


def flags(text: str) -> dict[str, bool]:
    """What the step's words announce (squaring, a case split, a dropped root, a fresh start)."""
    words = _INLINE.sub(" ", _DISPLAY.sub(" ", text)).lower()
    return {name: bool(re.search(pattern, words)) for name, pattern in _FLAG_WORDS.items()}


def parse_solution(solution: str) -> list[Step]:
    """The solution's steps with their relations; a display block also gets its lead-in's flags."""
    steps: list[Step] = []
    for index, text in enumerate(split_steps(solution), start=1):
        step = Step(index=index, text=text, relations=step_relations(text), flags=flags(text))
        if steps and _DISPLAY.fullmatch(text.strip()):
            lead_in = steps[-1].flags
            step.flags = {name: step.flags[name] or lead_in[name] for name in step.flags}
        steps.append(step)
    return steps
