"""The offline teacher: answers the bundled problems from bundled transcripts, so `factory run`
works on a fresh machine with no endpoint. About a quarter of the transcripts are deliberately
wrong (wrong answers, lucky wrong steps, broken code, unparseable output) for verifiers to catch.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from factory.teachers.base import Completion, TeacherRequest, TeacherResponse, Usage
from problems import Problem, bundled_paths, load_problems

UNKNOWN = "I can't solve this one."
Label = Literal[
    "correct", "wrong-answer", "lucky-step", "broken-code", "syntax-error", "unparseable"
]


class Transcript(BaseModel):
    """One canned answer; `label` says what a verifier should make of it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    problem_id: str = Field(min_length=1)
    sample: int = Field(ge=0)
    text: str
    reasoning: str | None = None
    label: Label


def bundled_transcripts_path() -> Path:
    return Path(str(files("factory") / "data" / "replay.jsonl"))


def load_transcripts(path: Path | None = None) -> list[Transcript]:
    """Every transcript in the file; a bad row is named by file and line."""
    source = path or bundled_transcripts_path()
    transcripts = []
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            transcripts.append(Transcript.model_validate_json(line))
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or "row"
            raise ValueError(f"{source}:{number}: field '{field}': {first['msg']}") from error
    return transcripts


def words(text: str | None) -> int:
    """The replay teacher's token count: whitespace-separated words."""
    return len(text.split()) if text else 0


class ReplayTeacher:
    """Finds the problem by its statement in the last user message and answers with its
    transcripts in sample order: completion k of sample s (n per request) is transcript
    s * n + k, cycling when the transcripts run out."""

    model = "replay"
    retried: dict[str, int] = {}  # noqa: RUF012 - bundled transcripts never fail

    def __init__(
        self,
        name: str = "replay",
        transcripts: Iterable[Transcript] | None = None,
        problems: Iterable[Problem] | None = None,
    ) -> None:
        self.name = name
        by_problem: dict[str, list[Transcript]] = {}
        for transcript in load_transcripts() if transcripts is None else transcripts:
            by_problem.setdefault(transcript.problem_id, []).append(transcript)
        self._transcripts = {
            key: sorted(group, key=lambda t: t.sample) for key, group in by_problem.items()
        }
        known = problems if problems is not None else _bundled_problems()
        # Longest first, so a statement that contains another one wins.
        self._statements = sorted(
            ((p.statement.strip(), p.id) for p in known), key=lambda item: -len(item[0])
        )

    def problem_id(self, prompt: str) -> str | None:
        """The problem whose statement the prompt contains, if any."""
        return next((pid for statement, pid in self._statements if statement in prompt), None)

    def unknown(self, problems: Iterable[Problem]) -> list[str]:
        """The ids of the problems this teacher has no transcripts for: it can only answer
        them with UNKNOWN."""
        return [
            problem.id
            for problem in problems
            if not self._transcripts.get(self.problem_id(problem.statement) or "")
        ]

    async def complete(self, request: TeacherRequest) -> TeacherResponse:
        prompt = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
        problem_id = self.problem_id(prompt)
        available = self._transcripts.get(problem_id, []) if problem_id else []
        completions = []
        for offset in range(request.n):
            if not available:
                completions.append(Completion(text=UNKNOWN, finish_reason="stop"))
                continue
            chosen = available[(request.sample * request.n + offset) % len(available)]
            completions.append(
                Completion(text=chosen.text, reasoning=chosen.reasoning, finish_reason="stop")
            )
        reasoning = sum(words(c.reasoning) for c in completions)
        usage = Usage(
            prompt_tokens=sum(words(m.content) for m in request.messages),
            completion_tokens=sum(words(c.text) for c in completions) + reasoning,
            reasoning_tokens=reasoning,
        )
        return TeacherResponse(completions=completions, usage=usage, model=self.model, seconds=0.0)

    async def close(self) -> None:
        return None


def _bundled_problems() -> list[Problem]:
    return [problem for result in load_problems(bundled_paths()) for problem in result.problems]
