"""Input rows of `factory verify code`: a candidate program with the problem it answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from problems import CodeProblem
from problems.formats import FieldError, RowContext, detect
from verifiers.code.verify import program_for


class CandidateRow(BaseModel):
    """Ours (`id`, `problem`, `completion`), or a row of any code dataset format plus
    `completion` (HumanEval: `task_id`, `prompt`, `test`, `entry_point`, `completion`).
    `completion` may be a function body to append to the prompt, or a whole program."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(min_length=1)
    problem: CodeProblem
    completion: str

    @model_validator(mode="before")
    @classmethod
    def _from_dataset_row(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "problem" in data:
            return data
        if "id" in data:  # HumanEval names it task_id; accept either
            data = {"task_id": data["id"], **data}
        fmt = detect(data)
        if fmt is None:
            raise ValueError("needs 'problem', or the fields of a code dataset row (HumanEval...)")
        try:
            problem = fmt.convert(data, RowContext(dataset=fmt.name, line=0))
        except FieldError as error:
            raise ValueError(f"{fmt.name} field '{error.field}': {error}") from error
        if not isinstance(problem, CodeProblem):
            raise ValueError(f"a {fmt.name} row is not a code problem")
        return {"id": data.get("id", problem.id), "problem": problem, **data}

    @property
    def program(self) -> str:
        return program_for(self.problem, self.completion)
