"""Turn an answer or one side of a relation into SymPy, in a worker only (parsing is evaluation).

The LaTeX grammar is latex2sympy2_extended's; what lives here is the text around it that it
does not handle: boxed answers, units, currency, degrees, percent, thousands separators,
scientific notation, plain mixed numbers, multiple-choice letters and word answers. Anything
it cannot read as a whole is refused rather than salvaged from a fragment, because a fragment
("1" out of "1 - \\frac{1}{\\mathrm{e}}") is how outcome graders accept wrong answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import sympy
from math_verify.grader import should_treat_as_complex

from verifiers.math import magnitude
from verifiers.math.latex_parser import parse_latex
from verifiers.math.latex_text import last_boxed, split_top_level, wrapped_in
from verifiers.math.names import (
    geometry_name,
    has_point_names,
    is_name,
    named_items,
    named_value,
)

_FUNCTION_WORDS = {
    "sin", "cos", "tan", "cot", "sec", "csc", "log", "ln", "exp", "sqrt", "pi", "arcsin",
    "arccos", "arctan", "sinh", "cosh", "tanh", "max", "min", "gcd", "lcm", "mod", "det",
}  # fmt: skip
_WORD = re.compile(r"(?<![A-Za-z\\])[a-z]{3,}")
_COMMANDS = re.compile(r"\\[A-Za-z]+(?:\s*\{[^{}]*\})?")


class Unreadable(ValueError):
    """The text is not an answer we can read in full; the reason says what stopped us."""


@dataclass(frozen=True)
class Answer:
    """A final answer read as a choice letter, a word answer or a math value with its unit."""

    kind: Literal["math", "choice", "text", "name"]
    text: str  # the answer after normalisation, for evidence
    value: sympy.Basic | None = None
    unit: str = ""
    percent: bool = False
    degrees: bool = False
    oversized: bool = False  # too large to evaluate: only structural equality can decide
    names: tuple[str, ...] = ()  # what a named left side names: `(a, b) = ...`, `g(x) = ...`
    ordered: sympy.Basic | None = None  # a comma list's items in written order, as a Tuple
    ratio: bool = False  # `2:3`, `09:30`: a Tuple compared only with another ratio


@dataclass(frozen=True)
class _Read:
    value: sympy.Basic
    names: tuple[str, ...] = ()
    ordered: sympy.Basic | None = None
    ratio: bool = False


_DELIMITERS = re.compile(r"^\s*(\$\$|\$|\\\[|\\\()\s*(.*?)\s*(\$\$|\$|\\\]|\\\))\s*$", re.S)
_PREFIX = re.compile(
    r"^\s*\**\s*(?:the\s+)?(?:final\s+)?answer\s*\**\s*(?:is)?\s*[:=]?\s*\**\s*", re.I
)
_TEXT_WRAP = re.compile(
    r"\\(?:text|textbf|textit|mathrm|mathbf|textrm|mbox|textnormal)\s*\{([^{}]*)\}"
)
_UNIT_WRAPPED = re.compile(
    r"^(?P<body>.*?)(?:\s|\\[,;! ])*"
    r"\\(?:text|mathrm|textrm|mbox|textnormal|textbf|textit|mathbf|mathit|emph|operatorname)\s*"
    r"\{\s*(?P<unit>[A-Za-z][A-Za-z .]*?)\s*\}\s*(?P<power>\^\s*\{?\s*[23]\s*\}?)?\s*$"
)
_UNIT_PLAIN = re.compile(
    r"^(?P<body>.*[\d}\)\]])\s+(?P<unit>[A-Za-z][A-Za-z.]*(?:\s+[A-Za-z][A-Za-z.]*)*)"
    r"\s*(?P<power>\^\s*\{?\s*[23]\s*\}?)?\s*$"
)
_IMAGINARY = re.compile(r"(?<![A-Za-z\\])i(?![A-Za-z])")
_ABBREVIATIONS = {"cm", "mm", "km", "kg", "mg", "ml", "ft", "m", "g", "s", "mph", "kmh", "hr"}
_CURRENCY = re.compile(r"^\s*(?:\\\$|\$|€|£|¥|₹|USD|Rs\.?)\s*")
_DEGREES = re.compile(r"\s*(?:\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|°|\\degree)\s*(?:[CF])?\s*$")
_PERCENT = re.compile(r"\s*(?:\\%|%|\\text\{\s*percent\s*\}|percent)\s*$")
_THOUSANDS_BRACED = re.compile(r"(?<=\d)(?:\{,\}|\\,|\\ |\\;|\\!)(?=\d{3}(?!\d))")
_THOUSANDS_SPACED = re.compile(r"^-?\d{1,3}(?: \d{3})+(?:\.\d+)?$")
_SCIENTIFIC = re.compile(r"(?<![A-Za-z\\])(\d+(?:\.\d+)?)[eE]([+-]?\d+)(?![A-Za-z\d])")
_MIXED_PLAIN = re.compile(r"^(-?)(\d+)\s+(\d+)\s*/\s*(\d+)$")
_CHOICE = re.compile(r"^\(?\s*([A-E])\s*\)?(?:\s.*)?$")
_WORDS = re.compile(r"^[A-Za-z][A-Za-z\s\-']*$")
_SQRT_PLAIN = re.compile(r"\\?sqrt\s*\(([^()]*)\)")
_SEPARATORS = re.compile(
    r"\s*,?\s*(?:\\text\{\s*(?:and|or)\s*\}|\\quad|\\qquad|\b(?:and|or)\b|;)\s*,?\s*", re.I
)
_RATIO = re.compile(
    r"^(?:(?P<names>[A-Za-z](?:\s*:\s*[A-Za-z])+)\s*=\s*)?"
    r"(?P<parts>[^:=<>]+(?:\s*:\s*[^:=<>]+)+)$"
)
_CHAIN = re.compile(
    r"^(?P<low>[^<>=]+?)\s*(?P<left><|\\le(?:q)?|\\lt)\s*(?P<middle>[^<>=\\]+?|\\[a-z]+)\s*"
    r"(?P<right><|\\le(?:q)?|\\lt)\s*(?P<high>[^<>=]+)$"
)
_PLUS_MINUS = re.compile(r"\\(?:pm|mp)(?![A-Za-z])")
_OTHER_CHOICE = re.compile(r"\b(?:or|and)\b|(?<![A-Za-z\\])[A-E](?![A-Za-z])")
_REFUSED = [
    (re.compile(r"\\ldots|\\cdots|\\dots|\.\.\.|…"), "an elided sequence is a pattern"),
    (re.compile(r"\\approx|≈|\\sim(?![a-z])"), "an approximation is not an exact answer"),
    (re.compile(r"\\(?:forall|exists|mid)\b|\{\s*[a-z]\s*\|"), "a set-builder or quantifier"),
]
_UNIT_SYNONYMS = {"dollar": "$", "usd": "$", "degree": "°", "deg": "°", "percent": "%"}


def _strip_wrappers(text: str) -> str:
    """Boxes, math delimiters and an "Answer:" prefix, in any order (`Answer: $$x = 3$$`)."""
    previous = None
    while text != previous:
        previous = text
        boxed = last_boxed(text)
        if boxed is not None:
            text = boxed
        text = text.strip()
        match = _DELIMITERS.match(text)
        if match:
            text = match.group(2)
        text = _PREFIX.sub("", text).strip().strip("*").strip()
    text = re.sub(r"\\(?:displaystyle|left|right|big|Big|bigl|bigr)(?![A-Za-z])", "", text)
    return text.strip().rstrip(".").strip()


def _unit_key(unit: str) -> str:
    key = re.sub(r"[\s.]", "", unit.lower())
    if len(key) > 3 and key.endswith("s"):
        key = key[:-1]
    return _UNIT_SYNONYMS.get(key, key)


def plain_to_latex(text: str) -> str:
    text = text.replace("**", "^").replace("\u00d7", "\\times ").replace("\u00f7", "\\div ")
    text = text.replace("\u2212", "-").replace("\u03c0", "\\pi ").replace("\u221a", "\\sqrt")
    text = _SQRT_PLAIN.sub(r"\\sqrt{\1}", text)
    text = re.sub(r"(?<![\\A-Za-z])pi(?![A-Za-z])", r"\\pi ", text)
    text = re.sub(r"\\(?:mathrm|text|mathit|operatorname)\{\s*([ei])\s*\}", r"\1", text)
    text = re.sub(r"\\(?:text|textbf|mathrm|mbox)\s*\{\s*([-\d.,\s]+)\}", r"\1", text)
    text = _SCIENTIFIC.sub(r"\1\\times 10^{\2}", text)
    text = _THOUSANDS_BRACED.sub("", text)
    if _THOUSANDS_SPACED.match(text):
        text = text.replace(" ", "")
    mixed = _MIXED_PLAIN.match(text)
    if mixed:
        sign, whole, numerator, denominator = mixed.groups()
        text = f"{sign}{whole}\\frac{{{numerator}}}{{{denominator}}}"
    return text


def _choice(text: str) -> str | None:
    inner = _TEXT_WRAP.sub(r"\1", text).strip()
    match = _CHOICE.match(inner)
    if match and (inner.startswith("(") or len(inner) == 1 or inner != text):
        rest = inner[match.end(1) :].lstrip(" )")
        if _OTHER_CHOICE.search(rest):
            raise Unreadable("the answer offers several choices")
        return match.group(1)
    return None


def _word_answer(text: str) -> str | None:
    inner = _TEXT_WRAP.sub(r"\1", text).strip()
    if not _WORDS.match(inner):
        return None
    words = inner.lower().split()
    if any(len(word) >= 3 and word not in _FUNCTION_WORDS for word in words):
        return " ".join(words)
    return None


def is_complex(text: str) -> bool:
    """Whether `i` in `text` is the imaginary unit (a bare `i`, as in `3+4i` or `2i`)."""
    return should_treat_as_complex(text) or bool(_IMAGINARY.search(text))


def _split_unit(text: str) -> tuple[str, str]:
    """Separate a trailing unit ("5 \\text{ cm}^2", "12 apples") from the value it follows."""
    match = _UNIT_WRAPPED.match(text)
    if not (match and match.group("body").strip()):
        match = _UNIT_PLAIN.match(text)
    if match is None:
        return text, ""
    word = match.group("unit").replace(" ", "").lower()
    if word in _FUNCTION_WORDS or (
        word not in _ABBREVIATIONS and (len(word) < 3 or not re.search("[aeiouy]", word))
    ):
        return text, ""
    power = (match.group("power") or "").replace(" ", "").replace("{", "").replace("}", "")
    return match.group("body").strip(), _unit_key(match.group("unit")) + power


def to_sympy(latex: str) -> sympy.Basic:
    """Parse one LaTeX (or plain) expression with latex2sympy; never falls back to a fragment."""
    try:
        value = parse_latex(latex)
    except RecursionError:
        raise
    except Exception as error:
        raise Unreadable(f"LaTeX parser: {str(error).splitlines()[0][:80]}") from None
    if not isinstance(value, sympy.Basic):
        raise Unreadable(f"parsed to {type(value).__name__}, not a math value")
    return value


def exact(value: sympy.Basic, complex_numbers: bool) -> sympy.Basic:
    """Decimals become the rationals they spell, `i` becomes I, percent wrappers go away.

    Call only after `magnitude.numeric_ok`: rebuilding the tree lets SymPy evaluate it.
    """
    replacements: dict[sympy.Basic, sympy.Basic] = {}
    for atom in value.atoms(sympy.Float):
        replacements[atom] = sympy.Rational(str(atom))
    for wrapped in value.atoms(sympy.UnevaluatedExpr):
        replacements[wrapped] = wrapped.args[0]
    if complex_numbers:
        for symbol in value.atoms(sympy.Symbol):
            if symbol.name == "i":
                replacements[symbol] = sympy.I
    return value.xreplace(replacements) if replacements else value


def _read_value(text: str) -> sympy.Basic:
    """Parse an answer; "(a, b)" is read as an ordered pair, not latex2sympy's open interval.

    As an interval "(3, 1)" would silently become the empty set and equal every other
    reversed pair, so pairs stay pairs and become intervals only when compared with a set.
    """
    if has_point_names(text):
        raise Unreadable("point names inside an expression are not compared")
    words = [w for w in _WORD.findall(_COMMANDS.sub(" ", text)) if w not in _FUNCTION_WORDS]
    if words:  # "not 0" would be the product n·o·t·0 = 0
        raise Unreadable(f"a word ({words[0]!r}) inside an expression")
    if ":" in text.replace(":=", ""):
        raise Unreadable("a colon outside a ratio is not compared")
    inner = wrapped_in(text, "(", ")")
    if inner is not None:
        items = split_top_level(inner)
        if len(items) == 2:
            return sympy.Tuple(*(to_sympy(item) for item in items))
    value = to_sympy(text)
    if value == sympy.S.EmptySet and not re.search(r"emptyset|varnothing|\\\{\s*\\\}", text):
        raise Unreadable("an interval with its ends reversed")
    return value


def _read_group(text: str) -> _Read:
    """One answer without alternatives: a ratio, named values, a chain around a name, a value."""
    ratio = _RATIO.match(text)
    if ratio:
        parts = split_top_level(ratio.group("parts"), ":")
        label: tuple[str, ...] = (ratio["names"].replace(" ", ""),) if ratio["names"] else ()
        return _Read(sympy.Tuple(*(to_sympy(part) for part in parts)), label, ratio=True)
    named = named_items(text)
    if named is not None:
        names, values = named
        if len(values) == 1:
            return _Read(_read_value(values[0]), names)
        return _Read(sympy.Tuple(*(_read_value(value) for value in values)), names)
    single = named_value(text)
    if single is not None:
        return _Read(_read_value(single[1]), (single[0],))
    chain = _CHAIN.match(text)
    if chain and is_name(chain.group("middle")):
        text = f"{chain['low']} {chain['left']} x {chain['right']} {chain['high']}"
    value = _read_value(text)
    items = split_top_level(text)
    ordered = None
    if len(items) > 1 and all(item.strip() for item in items):
        try:
            ordered = sympy.Tuple(*(_read_value(item.strip()) for item in items))
        except Unreadable:
            ordered = None  # compared as a whole only
    return _Read(value, ordered=ordered)


def _read_alternatives(text: str) -> _Read:
    """Solutions joined by `;`, `\\quad`, `and`, `or`: one value when each is a single value
    (`x = 2 or x = -2` is a set), a set of tuples when they are tuples (`p=3,q=1; p=5,q=1`)."""
    groups = [group for group in _SEPARATORS.split(text) if group.strip(" ,")]
    groups = [group.strip(" ,") for group in groups]
    if len(groups) < 2:
        return _read_group(text.strip(" ,"))
    tuples = [named_items(group) is not None or len(split_top_level(group)) > 1 for group in groups]
    if not any(tuples):
        return _read_group(", ".join(groups))
    reads = [_read_group(group) for group in groups]
    names = {read.names for read in reads if read.names}
    if len(names) > 1 or (names and not reads[0].names):
        raise Unreadable("the alternatives name different things")
    return _Read(sympy.FiniteSet(*(read.value for read in reads)), reads[0].names)


def _read_math(text: str) -> _Read:
    """A math answer; one `\\pm` anywhere (`\\frac{1 \\pm \\sqrt{5}}{2}`) gives both values."""
    signs = _PLUS_MINUS.findall(text)
    if len(signs) != 1:
        return _read_alternatives(text)
    plus = _read_alternatives(_PLUS_MINUS.sub("+" if signs[0] == "\\pm" else "-", text))
    minus = _read_alternatives(_PLUS_MINUS.sub("-" if signs[0] == "\\pm" else "+", text))
    if plus.names != minus.names or plus.ratio or minus.ratio:
        raise Unreadable("cannot read this \\pm")
    return _Read(sympy.FiniteSet(plus.value, minus.value), plus.names)


def read_answer(raw: str) -> Answer:
    """Read a final answer (gold or candidate) into an `Answer`, or raise `Unreadable`."""
    text = _strip_wrappers(raw)
    if not text:
        raise Unreadable("empty answer")
    name = geometry_name(text)
    if name is not None:
        return Answer(kind="name", text=name)
    choice = _choice(text)
    if choice is not None:
        return Answer(kind="choice", text=choice)
    words = _word_answer(text)
    if words is not None:
        return Answer(kind="text", text=words)
    for pattern, reason in _REFUSED:
        if pattern.search(text):
            raise Unreadable(reason)
    text = _CURRENCY.sub("", text)
    unit = ""
    degrees = bool(_DEGREES.search(text))
    text = _DEGREES.sub("", text)
    percent = bool(_PERCENT.search(text))
    text = _PERCENT.sub("", text)
    text, unit = _split_unit(text)
    if unit == "°":
        unit, degrees = "", True
    if unit == "%":
        unit, percent = "", True
    text = plain_to_latex(text).strip(", ")
    complex_numbers = is_complex(text)
    read = _read_math(text)
    value = read.value
    if not magnitude.numeric_ok(value):
        return Answer(
            "math", text, value, unit, percent, degrees, True, read.names, ratio=read.ratio
        )
    ordered = read.ordered
    if ordered is not None:
        ordered = exact(ordered, complex_numbers) if magnitude.numeric_ok(ordered) else None
    value = exact(value, complex_numbers)
    return Answer(
        "math", text, value, unit, percent, degrees, False, read.names, ordered, read.ratio
    )
