"""What a problem is: the one shape every loader produces and every later stage consumes."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, TypeAdapter, model_validator

NonEmpty = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    # Unknown keys are typos in hand-written files; refusing them beats silently ignoring them.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Lineage(_Strict):
    """Where an evolved problem came from, so every derived record can be traced to its root."""

    parent_id: NonEmpty
    operation: NonEmpty  # e.g. "evol-instruct:add-constraint", "self-instruct"


class StdioCase(_Strict):
    """One run of a whole program: feed `input` on stdin, expect `output` on stdout."""

    input: str
    output: str


class PropertySpec(_Strict):
    """A property-based test: `code` defines `prop(candidate, **args)` that asserts what must hold.

    `strategies` maps each argument to a hypothesis strategy expression (e.g. `st.integers(0, 99)`);
    the code verifier draws the arguments from them inside the sandbox.
    """

    name: NonEmpty
    code: NonEmpty
    strategies: dict[str, NonEmpty] = Field(default_factory=dict)


class AssertTests(_Strict):
    """Test code that calls the candidate's entry point.

    `style="check"`: `code` defines `check(candidate)`, called with the entry point (HumanEval).
    `style="asserts"`: `code` is top-level asserts calling the entry point by name (MBPP).
    `style="pytest"`: `code` defines `test_*` functions calling the entry point by name.
    """

    code: NonEmpty
    style: Literal["check", "asserts", "pytest"]
    setup: str = ""


class CodeTests(_Strict):
    asserts: AssertTests | None = None
    stdio: list[StdioCase] = Field(default_factory=list)
    properties: list[PropertySpec] = Field(default_factory=list)
    # Strategy per entry-point argument for differential tests against the reference solution;
    # when empty, the code verifier derives them from the signature's type hints.
    input_strategies: dict[str, NonEmpty] = Field(default_factory=dict)
    # Compare stdio outputs token by token, numbers within this relative/absolute tolerance.
    float_tolerance: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _has_a_test(self) -> CodeTests:
        if self.asserts is None and not self.stdio and not self.properties:
            raise ValueError(
                "a code problem needs at least one test (asserts, stdio or properties)"
            )
        return self


class _ProblemBase(_Strict):
    id: NonEmpty
    statement: NonEmpty
    source: NonEmpty = "unknown"  # dataset or file the problem was read from
    license: str | None = None
    topic: str | None = None
    level: str | None = None
    lineage: Lineage | None = None
    # A row's own columns we do not use (difficulty, url, tags...), kept as they came. Only the
    # top level: keys inside `tests` or `lineage` are ours, and a typo there is still refused.
    metadata: dict[str, JsonValue] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys_are_metadata(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        unknown = {key: value for key, value in data.items() if key not in cls.model_fields}
        own = data.get("metadata")
        if not unknown and (own is None or isinstance(own, dict)):
            return data
        kept = own if isinstance(own, dict) else {} if own is None else {"metadata": own}
        # Parquet columns may hold dates, decimals or bytes: kept as their JSON text.
        unknown = json.loads(json.dumps(unknown, default=str))
        known = {key: value for key, value in data.items() if key in cls.model_fields}
        return {**known, "metadata": {**kept, **unknown}}


class MathProblem(_ProblemBase):
    """A math problem whose final answer a verifier can compare with `answer` (LaTeX or plain)."""

    domain: Literal["math"] = "math"
    answer: NonEmpty
    solution: str | None = None  # a worked reference solution, when the source has one


class CodeProblem(_ProblemBase):
    """A programming problem judged by running its tests against a candidate program.

    A program that serves both assert and stdio tests defines `entry_point` and reads stdin only
    under `if __name__ == "__main__":`, so the assert tests can import it without blocking.
    """

    domain: Literal["code"] = "code"
    tests: CodeTests
    entry_point: str | None = None  # function the assert and property tests call
    starter_code: str | None = None  # signature and docstring shown to the model, if any
    reference_solution: str | None = None  # a complete program that passes every test

    @model_validator(mode="after")
    def _entry_point_when_called(self) -> CodeProblem:
        if (self.tests.asserts or self.tests.properties) and not self.entry_point:
            raise ValueError("entry_point is required for assert and property tests")
        return self


Problem = Annotated[MathProblem | CodeProblem, Field(discriminator="domain")]
problem_adapter: TypeAdapter[MathProblem | CodeProblem] = TypeAdapter(Problem)
