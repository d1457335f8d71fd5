"""Traces (what a teacher wrote, parsed) and Records (what is exported, with its evidence)."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from factory.parse import Parsed
from factory.teachers.base import Message, Sampling, TeacherRequest, TeacherResponse, Usage
from problems import Lineage, MathProblem, Problem
from verifiers.verdict import Evidence, Verdict

RecordKind = Literal["verified", "rejected", "preference"]
# Where a record's answer came from: a teacher (`synthetic`), a person (`human`: a reference
# solution, verified like any trace), or a corrected mistake (`corrected`).
RecordOrigin = Literal["human", "synthetic", "corrected"]
FORMAT = "format"  # the rejection reason of a trace that could not be parsed


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Trace(_Frozen):
    """One completion of one request: raw text, parse, and who wrote it with which settings."""

    id: str  # problem, request key and completion index: the same completion of the same
    # problem always has the same id; problems sharing a prompt share its request, not its traces
    problem_id: str
    domain: str
    request_key: str
    sample: int  # which ask of this prompt (the request's `sample`)
    completion: int  # position among the request's n completions
    teacher: str
    model: str  # as requested
    endpoint_model: str  # as the endpoint reported it
    sampling: Sampling
    prompt: list[Message]
    prompt_hash: str
    text: str
    reasoning: str | None = None
    finish_reason: str | None = None
    usage: Usage  # of the whole request, shared by its n completions
    steps: list[str]
    final_answer: str | None = None
    code: str | None = None
    format_error: str | None = None

    @property
    def candidate(self) -> str:
        """What the verifier judges: the program for code, the whole solution for math."""
        return self.code if self.code is not None else self.text


class VerifierInfo(_Frozen):
    """The verifier plugin a domain ran with, and where its code ran."""

    name: str
    version: str
    sandbox_backend: str | None = None
    sandbox_image: str | None = None  # image digest when the code ran in Docker

    @property
    def key(self) -> str:
        return f"{self.name}@{self.version}"


class Provenance(_Frozen):
    """Everything needed to reproduce and audit one trace's place in the dataset."""

    trace_id: str
    request_key: str
    teacher: str
    model: str
    endpoint_model: str
    sampling: Sampling  # includes the seed sent
    sample: int
    prompt_hash: str
    usage: Usage
    problem_source: str
    problem_license: str | None
    lineage: Lineage | None
    tests_hash: str  # of what the verifier judged against: the tests, or the reference answer
    verifier: str
    verifier_version: str
    sandbox_backend: str | None
    sandbox_image: str | None


class Record(_Frozen):
    """An exported row. `messages` is the conversation; for a preference it is the prompt, and
    `chosen` and `rejected` are the assistant turns that follow it."""

    id: str
    kind: RecordKind
    problem_id: str
    domain: str
    messages: list[Message]
    reasoning: str | None = None
    chosen: list[Message] | None = None
    rejected: list[Message] | None = None
    reason: str | None = None  # rejected: `format`, or the first failed check as check:outcome
    verdicts: list[Verdict] = Field(default_factory=list)
    provenance: list[Provenance]  # one per trace used, chosen first for a preference
    origin: RecordOrigin = "synthetic"  # stored records from before origins were a teacher's


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def make_traces(
    problem: Problem,
    request: TeacherRequest,
    response: TeacherResponse,
    parsed: list[Parsed],
    prompt_hash: str,
) -> list[Trace]:
    key = request.key()
    owner = _digest(problem.id, key)[:24]
    return [
        Trace(
            id=f"{owner}.{index}",
            problem_id=problem.id,
            domain=problem.domain,
            request_key=key,
            sample=request.sample,
            completion=index,
            teacher=request.teacher,
            model=request.model,
            endpoint_model=response.model,
            sampling=request.sampling,
            prompt=request.messages,
            prompt_hash=prompt_hash,
            text=completion.text,
            reasoning=completion.reasoning,
            finish_reason=completion.finish_reason,
            usage=response.usage,
            steps=result.steps,
            final_answer=result.final_answer,
            code=result.code,
            format_error=result.error,
        )
        # `parsed` covers the completions asked for; an endpoint may have returned more.
        for index, (completion, result) in enumerate(
            zip(response.completions, parsed, strict=False)
        )
    ]


def hash_of_tests(problem: Problem) -> str:
    """A hash of what decides a verdict, so a row can be re-judged when the tests change."""
    if isinstance(problem, MathProblem):
        return _digest("answer", problem.answer)
    return _digest("tests", json.dumps(problem.tests.model_dump(mode="json"), sort_keys=True))


def rejection_reason(verdict: Verdict) -> str:
    """`format` for unparsed text; else the first check that did not hold, as check:outcome."""
    if verdict.evidence and verdict.evidence[0].check == FORMAT:
        return FORMAT
    if verdict.status in ("error", "timeout"):
        return verdict.status
    held = {"equivalent", "verified", "passed", "unchecked", "skipped"}
    for evidence in verdict.evidence:
        if evidence.outcome not in held:
            return f"{evidence.check}:{evidence.outcome}"
    return verdict.status


def format_verdict(trace: Trace, verifier: VerifierInfo) -> Verdict:
    """The verdict of a trace that never reached its verifier: what made it unparseable."""
    evidence = Evidence(check=FORMAT, outcome="unparseable", reason=trace.format_error or "")
    return Verdict(
        status="fail",
        verifier=verifier.name,
        version=verifier.version,
        evidence=[evidence],
        seconds=0.0,
    )


def provenance(problem: Problem, trace: Trace, verifier: VerifierInfo) -> Provenance:
    return Provenance(
        trace_id=trace.id,
        request_key=trace.request_key,
        teacher=trace.teacher,
        model=trace.model,
        endpoint_model=trace.endpoint_model,
        sampling=trace.sampling,
        sample=trace.sample,
        prompt_hash=trace.prompt_hash,
        usage=trace.usage,
        problem_source=problem.source,
        problem_license=problem.license,
        lineage=problem.lineage,
        tests_hash=hash_of_tests(problem),
        verifier=verifier.name,
        verifier_version=verifier.version,
        sandbox_backend=verifier.sandbox_backend,
        sandbox_image=verifier.sandbox_image,
    )


def _assistant(trace: Trace) -> Message:
    return Message(role="assistant", content=trace.text)


def trace_record_id(trace_id: str, verdict: Verdict, verifier: VerifierInfo) -> str:
    """The id of `trace_record`'s row, without building the row."""
    kind: RecordKind = "verified" if verdict.passed else "rejected"
    return _digest(kind, trace_id, verifier.key)[:32]


def trace_record(
    problem: Problem, trace: Trace, verdict: Verdict, verifier: VerifierInfo
) -> Record:
    """The verified (SFT) or rejected row for one judged trace."""
    kind: RecordKind = "verified" if verdict.passed else "rejected"
    return Record(
        id=trace_record_id(trace.id, verdict, verifier),
        kind=kind,
        problem_id=problem.id,
        domain=problem.domain,
        messages=[*trace.prompt, _assistant(trace)],
        reasoning=trace.reasoning,
        reason=None if verdict.passed else rejection_reason(verdict),
        verdicts=[verdict],
        provenance=[provenance(problem, trace, verifier)],
    )


def preference_record(
    problem: Problem,
    chosen: tuple[Trace, Verdict],
    rejected: tuple[Trace, Verdict],
    verifier: VerifierInfo,
) -> Record:
    """A verified and a failed trace of the same prompt, as chosen and rejected."""
    (good, good_verdict), (bad, bad_verdict) = chosen, rejected
    return Record(
        id=_digest("preference", good.id, bad.id, verifier.key)[:32],
        kind="preference",
        problem_id=problem.id,
        domain=problem.domain,
        messages=good.prompt,
        chosen=[_assistant(good)],
        rejected=[_assistant(bad)],
        reason=rejection_reason(bad_verdict),
        verdicts=[good_verdict, bad_verdict],
        provenance=[provenance(problem, good, verifier), provenance(problem, bad, verifier)],
    )
