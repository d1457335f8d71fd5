"""The bundled synthesis transcripts, made from the labelled sets: two new problems per seed
(one for each of the first samples) and every candidate's solutions.

    .venv/bin/python -m tests.synthesis.replay_data   # rewrites factory/data/synthesis_replay.jsonl
"""

from __future__ import annotations

import json

from factory.synthesis.model import CodeCandidate
from factory.synthesis.replay import SynthesisTranscript, bundled_path, seed_key
from problems import CodeProblem, MathProblem, bundled_paths, load_problems
from tests.synthesis import labelled_code, labelled_math

PER_SEED = 2


def _fenced(reply: dict[str, object]) -> str:
    return "Here is the new problem.\n\n```json\n" + json.dumps(reply, indent=1) + "\n```\n"


def rows() -> list[SynthesisTranscript]:
    problems = [p for result in load_problems(bundled_paths()) for p in result.problems]
    math_seeds = [p for p in problems if isinstance(p, MathProblem)]
    code_seeds = [p for p in problems if isinstance(p, CodeProblem)]
    return _math_rows(math_seeds) + _code_rows(code_seeds)


def _math_rows(math_seeds: list[MathProblem]) -> list[SynthesisTranscript]:
    made: list[SynthesisTranscript] = []
    math = [i for i in labelled_math.LABELLED if i.candidate.program_answer is None]
    for number, item in enumerate(math):
        candidate = item.candidate
        reply: dict[str, object] = {"statement": candidate.statement}
        if candidate.proposed_answer is not None:
            reply["answer"] = candidate.proposed_answer
        seed = math_seeds[number // PER_SEED]
        label = item.reason or "good"
        made.append(SynthesisTranscript(key=seed_key(seed.statement), sample=number % PER_SEED,
                                        text=_fenced(reply), label=label))  # fmt: skip
        made += [
            SynthesisTranscript(key=candidate.statement, sample=n, text=text, label=label)
            for n, text in enumerate(candidate.solutions)
        ]
    return made


def _code_reply(candidate: CodeCandidate) -> dict[str, object]:
    """The generator's reply that makes `candidate`: whichever kinds of tests it has."""
    tests = candidate.tests
    reply: dict[str, object] = {"statement": candidate.statement}
    if candidate.entry_point is not None:
        reply["entry_point"] = candidate.entry_point
        reply["signature"] = candidate.starter_code or ""
    reply["reference"] = candidate.reference
    if tests.asserts is not None:
        reply["tests"] = tests.asserts.code
    if tests.stdio:
        reply["stdio"] = [case.model_dump() for case in tests.stdio]
    if tests.properties:
        reply["properties"] = [spec.model_dump() for spec in tests.properties]
    return reply


def _code_rows(code_seeds: list[CodeProblem]) -> list[SynthesisTranscript]:
    made: list[SynthesisTranscript] = []
    for number, item in enumerate(labelled_code.LABELLED):
        candidate = item.candidate
        seed = code_seeds[number // PER_SEED]
        label = item.reason or "good"
        text = _fenced(_code_reply(candidate))
        made.append(SynthesisTranscript(key=seed_key(seed.statement), sample=number % PER_SEED,
                                        text=text, label=label))  # fmt: skip
        made += [
            SynthesisTranscript(
                key=candidate.statement,
                sample=n,
                text=f"From the statement alone.\n\n```python\n{program}```\n",
                label=label,
            )
            for n, program in enumerate(candidate.independent)
        ]
    return made


if __name__ == "__main__":
    text = "".join(row.model_dump_json() + "\n" for row in rows())
    bundled_path().write_text(text, encoding="utf-8")
