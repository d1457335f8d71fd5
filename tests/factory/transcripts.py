"""A scripted teacher endpoint for pipeline tests: right and deliberately wrong replies to
bundled problems, and HTTP faults, chosen per problem and sample.

A plan maps a problem id to one entry per sample (the request's seed is its sample number, so
teachers here use seed 0). An entry such as "429>500>right" is the reply to each ask of that
sample in turn, the last one repeating: a 429, then a 500, then the right solution.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Sequence
from typing import Any

from problems import CodeProblem, MathProblem, Problem, bundled_paths, load_problems
from tests.factory.fake_openai import Reply, completion
from verifiers.math.latex_text import last_boxed

LUCKY = {  # right final answer, a false step: only a step checker catches it
    "math/arithmetic-01": "1. Muffins sold: $19 \\cdot 6 = 104$.\n"
    "2. Muffins remaining: $150 - 104 = 36$.\n3. Final answer: \\boxed{36}",
}


def bundled(*ids: str) -> list[Problem]:
    every = {p.id: p for result in load_problems(bundled_paths()) for p in result.problems}
    return [every[problem_id] for problem_id in ids]


def write_problems(path: Any, problems: Sequence[Problem]) -> None:
    lines = [json.dumps(p.model_dump(mode="json", exclude_none=True)) for p in problems]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def text(problem: Problem, variant: str) -> str:
    """The reply text of one variant: right, wrong, lucky, broken, noanswer, twoblocks."""
    if isinstance(problem, MathProblem):
        solution = problem.solution or f"1. So $x = {problem.answer}$.\n\\boxed{{{problem.answer}}}"
        if variant == "right":
            return solution
        boxed = f"\\boxed{{{last_boxed(solution)}}}"
        if variant == "wrong":
            return solution.replace(boxed, boxed[:-1] + " + 1}")
        if variant == "lucky":
            return LUCKY[problem.id]
        if variant == "noanswer":
            return solution.replace(boxed, "")
    if isinstance(problem, CodeProblem):
        reasoning = "Read the input, compute the result, print it.\n\n"
        if variant == "right":
            return f"{reasoning}```python\n{problem.reference_solution}```\n"
        if variant == "broken":
            return (
                f"{reasoning}```python\ndef {problem.entry_point}(*args):\n    return None\n```\n"
            )
        if variant == "twoblocks":
            block = f"```python\n{problem.reference_solution}```\n"
            return reasoning + block + "Or equally:\n" + block
        if variant == "noanswer":
            return reasoning + "I would write a loop over the input."
    raise ValueError(f"no {variant!r} reply for {problem.id}")


class Endpoint:
    """The `respond` of a FakeOpenAI: answers by plan, counting what it answered."""

    def __init__(self, problems: Sequence[Problem], plan: dict[str, list[str]]) -> None:
        self.problems = list(problems)
        self.plan = plan
        self.asks: Counter[tuple[str, int]] = Counter()
        self.answered: list[str] = []  # canonical bodies of the requests answered with a 200
        self.lock = threading.Lock()

    def problem_of(self, body: dict[str, Any]) -> Problem:
        prompt = body["messages"][-1]["content"]
        return next(p for p in self.problems if p.statement in prompt)

    def __call__(self, body: dict[str, Any]) -> Reply:
        problem = self.problem_of(body)
        sample = int(body.get("seed", 0))
        entries = self.plan.get(problem.id, ["right"])
        with self.lock:
            steps = entries[min(sample, len(entries) - 1)].split(">")
            ask = self.asks[(problem.id, sample)]
            self.asks[(problem.id, sample)] += 1
        step = steps[min(ask, len(steps) - 1)]
        reply = fault(step) or Reply(body=completion(text(problem, step)))
        if reply.status == 200 and isinstance(reply.body, dict) and reply.body.get("choices"):
            with self.lock:
                self.answered.append(json.dumps(body, sort_keys=True))
        return reply


def fault(step: str) -> Reply | None:
    """HTTP-level misbehaviour by name, or None for a real reply."""
    if step == "429":
        return Reply(
            status=429, body={"error": {"message": "slow down"}}, headers={"Retry-After": "0"}
        )
    if step == "500":
        return Reply(status=500, body={"error": {"message": "boom"}})
    if step == "slow":
        return Reply(body=completion("too late"), delay=3.0)
    if step == "truncated":
        return Reply(body=json.dumps(completion("cut"))[:40])
    if step == "empty":
        return Reply(body=completion())
    if step == "null":  # a 200 whose message has no content
        body = completion("placeholder")
        body["choices"][0]["message"]["content"] = None
        return Reply(body=body)
    if step == "length":  # cut off at max_tokens: a partial solution
        body = completion("1. First, $19 \\cdot 6")
        body["choices"][0]["finish_reason"] = "length"
        return Reply(body=body)
    if step == "huge":  # 5 MB of text
        return Reply(body=completion("1 + 1 = 2. " * 500_000))
    return None
