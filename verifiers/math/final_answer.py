"""Find the final answer(s) a solution text states, as text only (safe on the host).

Rules, first that finds something wins (the rule's name goes into the evidence):
1. `boxed`: every `\\boxed{}` / `\\fbox{}`;
2. `hashes`: every GSM8K `#### value` line;
3. `statement`: every final-answer statement ("Final answer: X", "**Answer:** X", "The answer
   is X"), X being the rest of its sentence or, when that is empty, the display block or line after;
4. `display`: the last display block (`$$...$$`, `\\[...\\]`), when nothing but punctuation follows;
5. `last-line`: the last line, when it is a bare value (no words), e.g. `42` or `$x = 3$`.
All the answers a rule finds are kept, identical ones once, and rules 1 and 2 also keep the
values that statements give: a text that offers two different final answers (two boxes, a box
and "The answer is 3.") is a hedge and must not pass for either of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verifiers.math.latex_text import all_boxed, split_top_level

_JOINED = re.compile(r"\\(?:text|quad|qquad|lor|vee|mbox)|;|\b(?:or|and)\b", re.I)
_BOX = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])")
_HASHES = re.compile(r"^\s*####\s*(.+?)\s*$", re.M)
_STATEMENT = re.compile(
    r"(?:^|(?<=[\s*.:]))\**\s*(?:(?:the\s+)?final\s+answer|the\s+answer|(?<![A-Za-z])answer)"
    r"\s*\**\s*(?:is\b|:|\uff1a)\s*\**\s*(?=(?P<value>[^\n]{0,1000}))",
    re.I,
)
_DISPLAY = re.compile(r"\$\$((?:(?!\$\$).)+?)\$\$|\\\[((?:(?!\\\[).)+?)\\\]", re.S)
_SENTENCE_END = re.compile(r"\.(?=\s|$)")
_COMMAND = re.compile(r"\\[A-Za-z]+")
_WORD = re.compile(r"[A-Za-z]{2,}")
_ANSWER_LIKE = re.compile(r"[\d$\\]|^\(?[A-E]\)?$")
_LIST_MARKER = re.compile(r"^\s*(?:\*\*)?(?:step\s*)?\d+[.):](?:\*\*)?\s*$", re.I)
_MARKUP = re.compile(r"^\s*(?:[-*>]\s+|\d+[.)]\s+)?")
_NAME = re.compile(r"^\s*(?:[A-Za-z](?:_\{?\w+\}?)?'*|\\[A-Za-z]+|[A-Z]{2,4})\s*$")
BARE_LINE_CHARS = 80
LOOKAHEAD_CHARS = 2_000  # how far after "Final answer:" its display block may start
FORMAT_REASON = "no recognisable final answer"


@dataclass(frozen=True)
class Extracted:
    """The distinct final answers a text states, in order, and the rule that found them."""

    parts: tuple[str, ...]
    rule: str


NONE = Extracted((), "none")


def _distinct(parts: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for part in parts:
        part = part.strip()
        key = re.sub(r"\s+", "", part)
        if part and key not in seen:
            seen[key] = part
    return tuple(seen.values())


def _clean(value: str) -> str:
    """Markdown bold and a sentence's full stop are not part of the answer."""
    value = value.strip().strip("*").strip()
    return re.sub(r"[.;,]\s*$", "", value).strip().strip("*").strip()


def _final_side(math: str) -> str:
    """What a display or last line states: `x = 2 + 3 = 5` -> `x = 5`, `840 / 28 = 30` -> `30`.

    An equation in unknowns (`2x = 4`) stays whole: its right side is not an answer.
    """
    sides = split_top_level(math, "=")
    if len(sides) < 2 or _JOINED.search(math) or len(split_top_level(math)) > 1:
        return math.strip()  # `x = 5 \\text{ or } x = 6`: not a chain, read it whole
    first, last = sides[0].strip(), sides[-1].strip()
    if _NAME.match(first):
        return f"{first} = {last}"
    if not re.search(r"[A-Za-z]", _COMMAND.sub(" ", math)):
        return last
    return math.strip()


def _statements(text: str) -> list[str]:
    found = []
    for match in _STATEMENT.finditer(text):
        if _STATEMENT.match(match.group("value")):
            continue  # "Final Answer: The final answer is 36": the inner statement says it
        value = _SENTENCE_END.split(match.group("value"), maxsplit=1)[0]
        value = _clean(value)
        if not value:
            after = text[match.end() : match.end() + LOOKAHEAD_CHARS].lstrip()
            display = _DISPLAY.match(after)
            if display:
                value = display.group(0)
            else:
                value = _clean(after.split("\n", 1)[0]) if after else ""
        if value:
            found.append(value)
    return found


def _last_display(text: str) -> str | None:
    matches = list(_DISPLAY.finditer(text))
    if not matches or text[matches[-1].end() :].strip(" \t\n.,;:*"):
        return None
    last = matches[-1]
    return _final_side(last.group(1) or last.group(2) or "")


def _bare(line: str) -> str | None:
    """A line with a value and no words (`42`, `$x = 3$`, `**-1/2**`), else None."""
    if _LIST_MARKER.match(line):
        return None  # "3." alone starts an item that never came
    line = _clean(_MARKUP.sub("", line))
    if not line or len(line) > BARE_LINE_CHARS:
        return None
    inner = line
    for opening, closing in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if inner.startswith(opening) and inner.endswith(closing) and len(inner) > 2 * len(opening):
            inner = inner[len(opening) : len(inner) - len(closing)]
            break
    if "$" in inner or _WORD.search(_COMMAND.sub(" ", inner)):
        return None
    if not re.search(r"[\d\\]", inner):
        return None
    return _final_side(inner)


def _answer_like(statement: str) -> bool:
    """A stated value (`5`, `$x$`, `(C)`) rather than words; one holding a box is not counted
    again, its box already is."""
    return "\\boxed" not in statement and bool(_ANSWER_LIKE.search(statement))


def extract(text: str) -> Extracted | None:
    """The final answers of a solution by the first rule that finds any, else None.

    A box or `####` line also collects the values stated by the lower explicit rules, so
    `\\boxed{5}` followed by "The answer is 3." is a hedge, not 5.
    """
    boxed = all_boxed(text)
    hashes = [_clean(value) for value in _HASHES.findall(text)]
    stated = _statements(text)
    if boxed or hashes:
        also = [statement for statement in stated if _answer_like(statement)]
        parts = _distinct([*boxed, *hashes, *also])
        if parts:
            return Extracted(parts, "boxed" if _distinct(boxed) else "hashes")
    if stated:
        return Extracted(_distinct(stated), "statement")
    display = _last_display(text)
    if display:
        return Extracted((display,), "display")
    lines = [line for line in text.splitlines() if line.strip()]
    bare = _bare(lines[-1]) if lines else None
    return Extracted((bare,), "last-line") if bare else None


def answer_parts(text: str) -> Extracted:
    """A `verify answers` cell: a whole solution's final answers, or the cell itself as one."""
    single_line = "\n" not in text.strip()
    explicit = _BOX.search(text) or _HASHES.search(text) or _STATEMENT.search(text)
    if single_line and not explicit:
        return Extracted((text,), "whole")
    return extract(text) or (Extracted((text,), "whole") if single_line else NONE)


def gold_parts(gold: str) -> tuple[str, ...]:
    """A gold answer's parts: each distinct box of `\\boxed{2} pens and \\boxed{7} boxes`."""
    return _distinct(all_boxed(gold)) or (gold,)
