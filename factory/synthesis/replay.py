"""The offline teacher for `factory synthesize`: bundled synthesis transcripts, good and bad.

A transcript answers the prompts that contain its `key`: a generation prompt holds its first
seed as "Problem 1:\\n<statement>", a solve prompt holds the new problem's statement. The
longest key found wins; sample s gets the key's transcript s (cycling). The bundled ones
(`factory/data/synthesis_replay.jsonl`) exercise every rejection path: a wrong proposed answer,
split solvers, a lucky step, a leaked answer, a near-duplicate, unparseable answers, weak tests,
a wrong reference, an ambiguous statement.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from factory.teachers.base import Completion, TeacherRequest, TeacherResponse, Usage

UNKNOWN = "I have no transcript for this prompt."


class SynthesisTranscript(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(min_length=1)  # text the prompt must contain
    sample: int = Field(ge=0)
    text: str
    label: str = ""  # what the transcript is meant to exercise (e.g. "leaked-answer")


def bundled_path() -> Path:
    return Path(str(files("factory") / "data" / "synthesis_replay.jsonl"))


def load(path: Path | None = None) -> list[SynthesisTranscript]:
    """Every transcript of the file; a bad row is named by file and line."""
    source = path or bundled_path()
    rows = []
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(SynthesisTranscript.model_validate_json(line))
            except ValidationError as error:
                raise ValueError(f"{source}:{number}: {error.errors()[0]['msg']}") from error
    return rows


def seed_key(statement: str) -> str:
    """The key of a generation transcript for the seed with this statement."""
    return f"Problem 1:\n{statement.strip()}"


class SynthesisReplay:
    """Answers generation and solve prompts from transcripts, by key, in sample order."""

    model = "synthesis-replay"
    retried: dict[str, int] = {}  # noqa: RUF012 - bundled transcripts never fail

    def __init__(
        self, name: str = "replay", transcripts: Iterable[SynthesisTranscript] | None = None
    ) -> None:
        self.name = name
        grouped: dict[str, list[SynthesisTranscript]] = {}
        for row in load() if transcripts is None else transcripts:
            grouped.setdefault(row.key, []).append(row)
        self._by_key = {k: sorted(rows, key=lambda r: r.sample) for k, rows in grouped.items()}
        self._keys = sorted(self._by_key, key=len, reverse=True)

    def covers(self, statement: str) -> bool:
        """Whether a seed with this statement has generation transcripts."""
        return seed_key(statement) in self._by_key

    async def complete(self, request: TeacherRequest) -> TeacherResponse:
        prompt = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
        key = next((k for k in self._keys if k in prompt), None)
        rows = self._by_key[key] if key is not None else []
        texts = [
            rows[(request.sample * request.n + k) % len(rows)].text if rows else UNKNOWN
            for k in range(request.n)
        ]
        usage = Usage(
            prompt_tokens=len(prompt.split()),
            completion_tokens=sum(len(text.split()) for text in texts),
        )
        completions = [Completion(text=text, finish_reason="stop") for text in texts]
        return TeacherResponse(completions=completions, usage=usage, model=self.model, seconds=0.0)

    async def close(self) -> None:
        return None
