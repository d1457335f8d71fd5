"""The replay teacher and its bundled transcripts: every bundled problem is covered, every label
agrees with the real verifiers, and the teacher answers by sample index."""

from __future__ import annotations

import asyncio
import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from factory.teachers.base import Message, Sampling, TeacherRequest, TeacherResponse
from factory.teachers.replay import UNKNOWN, ReplayTeacher, Transcript, load_transcripts, words
from problems import bundled_paths, load_problems
from sandbox import SandboxUnavailable
from verifiers.math.final_answer import extract
from verifiers.plugins import Verifier, load_verifier

TRANSCRIPTS = load_transcripts()
PROBLEMS = {p.id: p for r in load_problems(bundled_paths()) for p in r.problems}
FENCED = re.compile(r"```python\n(.*?)```", re.S)
MATH_LABELS = {"correct", "wrong-answer", "lucky-step", "unparseable"}
CODE_LABELS = {"correct", "broken-code", "syntax-error", "unparseable"}


def program(text: str) -> str | None:
    """The one fenced Python block a code answer must hold, else None."""
    blocks = FENCED.findall(text)
    return str(blocks[0]) if len(blocks) == 1 else None


def of_domain(domain: str) -> list[Transcript]:
    return [t for t in TRANSCRIPTS if PROBLEMS[t.problem_id].domain == domain]


def test_every_bundled_problem_has_numbered_transcripts() -> None:
    by_problem: dict[str, list[int]] = {}
    for transcript in TRANSCRIPTS:
        by_problem.setdefault(transcript.problem_id, []).append(transcript.sample)
    assert set(by_problem) == set(PROBLEMS)
    for problem_id, samples in by_problem.items():
        assert sorted(samples) == list(range(len(samples))), problem_id
        assert len(samples) >= 2, problem_id
    assert {t.label for t in of_domain("math")} == MATH_LABELS
    assert {t.label for t in of_domain("code")} == CODE_LABELS


def test_about_a_quarter_is_wrong_and_sample_zero_is_mostly_right() -> None:
    labels = Counter(t.label for t in TRANSCRIPTS)
    assert 0.2 <= 1 - labels["correct"] / len(TRANSCRIPTS) <= 0.3
    first = [t for t in TRANSCRIPTS if t.sample == 0]
    assert sum(t.label == "correct" for t in first) >= 0.85 * len(first)
    assert sum(t.reasoning is not None for t in TRANSCRIPTS) >= 10


def test_math_labels_agree_with_the_math_verifier() -> None:
    transcripts = of_domain("math")
    verifier = load_verifier("math", {"workers": 2})
    try:
        verdicts = verifier.verify([(PROBLEMS[t.problem_id], t.text) for t in transcripts])
    finally:
        verifier.close()
    disagreements = {}
    for transcript, verdict in zip(transcripts, verdicts, strict=True):
        answer = {e.outcome for e in verdict.evidence if e.check == "answer"}
        refuted = any(e.check == "step" and e.outcome == "refuted" for e in verdict.evidence)
        agrees = {
            "correct": verdict.passed,
            "wrong-answer": not verdict.passed and answer != {"equivalent"},
            "lucky-step": not verdict.passed and answer == {"equivalent"} and refuted,
            "unparseable": not verdict.passed and extract(transcript.text) is None,
        }[transcript.label]
        if not agrees:
            key = f"{transcript.problem_id}#{transcript.sample} ({transcript.label})"
            disagreements[key] = [e.model_dump() for e in verdict.evidence if e.outcome != "proved"]
    assert disagreements == {}


@pytest.fixture(scope="module")
def code_verifier() -> Iterator[Verifier]:
    try:
        verifier = load_verifier("code", {"backend": "bwrap"})
    except SandboxUnavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"bwrap backend unavailable in CI: {error}")
        pytest.skip(f"bwrap backend unavailable: {error}")
    yield verifier
    verifier.close()


def test_code_labels_agree_with_the_code_verifier(code_verifier: Verifier) -> None:
    transcripts = of_domain("code")
    for transcript in transcripts:
        code = program(transcript.text)
        where = f"{transcript.problem_id}#{transcript.sample}"
        if transcript.label == "unparseable":
            assert code is None, where
            continue
        assert code is not None, where
        if transcript.label == "syntax-error":
            with pytest.raises(SyntaxError):
                compile(code, where, "exec")
        else:
            compile(code, where, "exec")
    jobs = sorted(
        {(t.problem_id, program(t.text) or "") for t in transcripts if t.label != "unparseable"}
    )
    verdicts = code_verifier.verify([(PROBLEMS[pid], code) for pid, code in jobs])
    passed = {job: verdict.passed for job, verdict in zip(jobs, verdicts, strict=True)}
    disagreements = [
        f"{t.problem_id}#{t.sample} ({t.label})"
        for t in transcripts
        if t.label != "unparseable"
        and passed[(t.problem_id, program(t.text) or "")] != (t.label == "correct")
    ]
    assert disagreements == []


def ask(teacher: ReplayTeacher, prompt: str, sample: int = 0, n: int = 1) -> TeacherResponse:
    request = TeacherRequest(
        teacher="replay",
        model="replay",
        messages=[
            Message(role="system", content="You are a careful solver."),
            Message(role="user", content=prompt),
        ],
        sampling=Sampling(),
        n=n,
        sample=sample,
    )
    return asyncio.run(teacher.complete(request))


def prompt_for(problem_id: str) -> str:
    statement = PROBLEMS[problem_id].statement
    return f"Solve the problem below step by step.\n\n{statement}\n\nShow your work."


def test_the_teacher_answers_by_sample_index_and_cycles() -> None:
    teacher = ReplayTeacher()
    mine = [t for t in TRANSCRIPTS if t.problem_id == "math/arithmetic-03"]
    for sample in range(2 * len(mine) + 1):
        response = ask(teacher, prompt_for("math/arithmetic-03"), sample=sample)
        assert [c.text for c in response.completions] == [mine[sample % len(mine)].text]
        assert response.seconds == 0 and response.model == "replay"
    pair = ask(teacher, prompt_for("math/arithmetic-03"), sample=1, n=2)
    assert [c.text for c in pair.completions] == [
        mine[2 % len(mine)].text,
        mine[3 % len(mine)].text,
    ]


def test_usage_counts_words_and_reasoning_is_returned() -> None:
    teacher = ReplayTeacher()
    transcript = next(t for t in TRANSCRIPTS if t.reasoning is not None)
    prompt = prompt_for(transcript.problem_id)
    response = ask(teacher, prompt, sample=transcript.sample)
    completion = response.completions[0]
    assert (completion.text, completion.reasoning) == (transcript.text, transcript.reasoning)
    assert response.usage.prompt_tokens == words("You are a careful solver.") + words(prompt)
    assert response.usage.reasoning_tokens == words(transcript.reasoning) > 0
    assert response.usage.completion_tokens == words(transcript.text) + words(transcript.reasoning)


def test_every_bundled_problem_is_recognised_inside_a_prompt() -> None:
    teacher = ReplayTeacher()
    assert {pid: teacher.problem_id(prompt_for(pid)) for pid in PROBLEMS} == {
        pid: pid for pid in PROBLEMS
    }


def test_an_unknown_prompt_gets_a_polite_unparseable_answer() -> None:
    response = ask(ReplayTeacher(), "Prove the Riemann hypothesis.", n=2)
    assert [c.text for c in response.completions] == [UNKNOWN, UNKNOWN]
    assert extract(UNKNOWN) is None and program(UNKNOWN) is None


def test_a_bad_transcript_row_is_named_by_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "replay.jsonl"
    good = '{"problem_id": "p", "sample": 0, "text": "x", "label": "correct"}'
    path.write_text(f'{good}\n{{"problem_id": "p", "sample": 1, "text": "y", "label": "meh"}}\n')
    with pytest.raises(ValueError, match=r"replay\.jsonl:2: field 'label': Input should be"):
        load_transcripts(path)
