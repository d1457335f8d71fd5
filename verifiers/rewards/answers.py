"""`math_reward`: 1.0 when a completion's final answer is proven equal to the gold, else 0.0.

The answer is found by the math verifier's own rules (boxes, `####`, "The answer is ..."), so a
hedge (several different answers), an approximation, a value within rounding of the gold, a
false `a = b = c` chain or an answer buried in extra words gets 0. Gold comes from the `answer`
column, else the boxed / `####` answer of a `solution` column; a row with neither gets None.
"""

from __future__ import annotations

from typing import Any

from verifiers.math import screen
from verifiers.math.final_answer import extract, gold_parts
from verifiers.math.rounding import asked_places
from verifiers.math.traces import trace_payload
from verifiers.math.workers import Outcome
from verifiers.rewards.base import Reward, column
from verifiers.rewards.texts import completion_text, prompt_text


def math_gold(answer: Any, solution: Any) -> tuple[str, ...] | None:
    """The gold answer's parts from a row's `answer` or (boxed / `####`) `solution`."""
    if isinstance(answer, str | int | float) and str(answer).strip():
        return gold_parts(str(answer))
    if isinstance(solution, str) and solution.strip():
        found = extract(solution)
        if found is not None:
            return found.parts
    return None


def _score(outcome: Outcome, partial_credit: float, task: str) -> float:
    assert outcome.result is not None
    answer = outcome.result["answer"] if task == "trace" else outcome.result
    right = answer["decision"] == "equivalent"
    if task == "answer":
        return 1.0 if right else 0.0
    steps = outcome.result["steps"]
    checked = [step for step in steps if step["status"] in ("verified", "refuted")]
    refuted = any(step["status"] == "refuted" for step in checked)
    if right and not refuted:
        return 1.0
    verified = sum(step["status"] == "verified" for step in checked)
    return partial_credit * verified / len(checked) if checked else 0.0


class MathReward(Reward):
    """`partial_credit` (off: 0) checks every step too: a proven answer with no refuted step
    earns 1.0, anything else `partial_credit` times the share of checked steps proven."""

    name = "math_reward"

    def __init__(self, *, partial_credit: float = 0.0, **options: Any) -> None:
        super().__init__(**options)
        if not 0.0 <= partial_credit < 1.0:
            raise ValueError("partial_credit must be in [0, 1)")
        self.partial_credit = partial_credit

    def __call__(
        self, prompts: list[Any] | None = None, completions: list[Any] | None = None, **columns: Any
    ) -> list[float | None]:
        completions = list(completions or [])
        size = len(completions)
        answers, solutions = column(columns, "answer", size), column(columns, "solution", size)
        asked = list(prompts) if prompts is not None else [None] * size
        task = "trace" if self.partial_credit else "answer"
        rewards: list[float | None] = [None] * size
        jobs: list[int] = []
        payloads: list[dict[str, object]] = []
        for index, completion in enumerate(completions):
            golds = math_gold(answers[index], solutions[index])
            if golds is None:
                continue  # not a math row: no reward from this function
            text = completion_text(completion)
            readable = screen.refuse(text, screen.MAX_SOLUTION_CHARS) is None
            found = extract(text) if readable else None
            parts = found.parts if found else ()
            too_big = any(screen.refuse(p, screen.MAX_ANSWER_CHARS) for p in (*golds, *parts))
            if not parts or too_big:
                rewards[index] = 0.0  # no final answer, or one too big to read: judged wrong
                continue
            places = asked_places(prompt_text(asked[index]))
            payload: dict[str, object] = {
                "golds": list(golds),
                "answers": list(parts),
                "places": places,
            }
            if task == "trace":
                payload = {**trace_payload("", text, found), **payload}
            jobs.append(index)
            payloads.append(payload)
        outcomes = self.service.judge_math(task, payloads) if payloads else []
        lost: list[str] = []
        for index, outcome in zip(jobs, outcomes, strict=True):
            if outcome.status == "ok":
                rewards[index] = _score(outcome, self.partial_credit, task)
            elif outcome.status in ("timeout", "limit"):
                rewards[index] = 0.0  # the answer itself needs more than the bounds: judged
            else:
                lost.append(outcome.error)
        if lost:
            self.unjudged(lost)
        return rewards


math_reward = MathReward()
