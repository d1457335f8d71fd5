"""Judge a candidate program: all of a problem's tests in one sandbox run, a `Verdict` out."""

from __future__ import annotations

import ast
import hashlib
import json
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from importlib.resources import files
from typing import Any

from problems import CodeProblem
from sandbox import ExecRequest, ExecResult, Limits, Sandbox
from verifiers.code.strategies import signature_strategies
from verifiers.verdict import Evidence, Verdict

NAME = "code"
VERSION = "0.1.0"
HARNESS = (files("verifiers.code") / "harness.py").read_text(encoding="utf-8")
# CPython 3.11's ast.parse is not thread-safe ("AST constructor recursion depth mismatch"), and
# verify_many may be called from several threads at once (the pipeline, error injection).
_AST_LOCK = threading.Lock()
DEFAULT_TEST_TIMEOUT = 3.0  # seconds per test
# Candidates judged in one sandbox run at most: a run's start and teardown cost more than
# judging most candidates, and one that cannot be cleared after a candidate is redone alone.
BATCH = 16
# Problems whose drawn inputs stay in memory: a run's traces of one problem arrive close together.
DRAWS_KEPT = 512
_DRAWS: OrderedDict[str, Future[tuple[dict[str, Any] | None, ExecResult]]] = OrderedDict()
_DRAWS_LOCK = threading.Lock()
_DETAIL_FIELDS = ("name", "input", "expected", "actual", "detail", "traceback", "source")


def program_for(problem: CodeProblem, completion: str) -> str:
    """The whole program to judge: `completion` itself if it defines the entry point, else the
    starter code followed by it (a HumanEval-style body)."""
    if problem.entry_point is None or not problem.starter_code:
        return completion
    try:
        defined = {
            node.name
            for node in ast.parse(completion).body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
    except SyntaxError:
        defined = set()
    return completion if problem.entry_point in defined else problem.starter_code + completion


def draw_input(problem: CodeProblem, test_timeout: float, examples: int) -> dict[str, Any] | None:
    """What the harness draws the problem's generated inputs from; None when it has none."""
    tests = problem.tests
    strategies = dict(tests.input_strategies)
    if not strategies and problem.reference_solution and problem.entry_point:
        signature = problem.starter_code or problem.reference_solution
        given = tests.asserts.code if tests.asserts else ""
        strategies = signature_strategies(signature, problem.entry_point, given)
    if not problem.reference_solution:
        strategies = {}
    if not examples or not (tests.properties or strategies):
        return None
    return {
        "entry_point": problem.entry_point,
        "properties": [spec.model_dump() for spec in tests.properties],
        "reference": problem.reference_solution,
        "input_strategies": strategies,
        "test_timeout": test_timeout,
        "examples": examples,
    }


def harness_input(
    problem: CodeProblem, program: str, test_timeout: float, drawn: dict[str, Any] | None
) -> dict[str, Any]:
    tests = problem.tests
    return {
        "source": program,
        "entry_point": problem.entry_point,
        "starter_code": problem.starter_code,
        "asserts": tests.asserts.model_dump() if tests.asserts else None,
        "stdio": [case.model_dump() for case in tests.stdio],
        "float_tolerance": tests.float_tolerance,
        "properties": [spec.model_dump() for spec in tests.properties],
        "drawn": drawn,
        "test_timeout": test_timeout,
    }


def _wall_limit(problem: CodeProblem, test_timeout: float) -> float:
    """Enough for every test to use its whole limit; the harness enforces the per-test limits."""
    tests = problem.tests
    statements = len(ast.parse(tests.asserts.code).body) * 4 if tests.asserts else 0
    hypothesis_units = len(tests.properties) + 1
    units = statements + len(tests.stdio) + 10 * hypothesis_units
    return min(30 + units * test_timeout, 3600)


def _run_harness(
    sandbox: Sandbox, config: dict[str, Any], wall: float, reports: int
) -> tuple[dict[str, Any] | None, ExecResult]:
    """One harness run; its report is trusted only inside a token frame the candidate cannot
    know (None when there is none)."""
    token = secrets.token_hex(16)
    result = sandbox.run(
        ExecRequest(
            command=["python3", "harness.py"],
            files={"harness.py": HARNESS},
            stdin=json.dumps(config | {"token": token}),
            limits=Limits(
                timeout_seconds=wall,
                cpu_seconds=min(int(wall) + 1, 3600),
                memory_mb=1024,
                pids=128,
                output_bytes=min(reports, 64) * 1024 * 1024,
            ),
        )
    )
    parts = result.stdout.split(token)
    report: dict[str, Any] | None = json.loads(parts[1]) if len(parts) == 3 else None
    return report, result


Drawn = tuple[dict[str, Any] | None, ExecResult]  # a problem's draw report, and its run


def _draws(sandbox: Sandbox, problems: Sequence[tuple[dict[str, Any], float]]) -> list[Drawn]:
    """The drawn inputs of each (draw config, wall limit): they depend only on the problem, so
    each is drawn once (kept by content, even when several threads ask at once), and those not
    kept yet are drawn together in one run."""
    futures: list[Future[Drawn]] = []
    mine: list[tuple[str, dict[str, Any], float, Future[Drawn]]] = []
    with _DRAWS_LOCK:
        for config, wall in problems:
            key = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()
            future = _DRAWS.get(key)
            if future is None:
                future = _DRAWS[key] = Future()
                mine.append((key, config, wall, future))
                if len(_DRAWS) > DRAWS_KEPT:
                    _DRAWS.popitem(last=False)
            else:
                _DRAWS.move_to_end(key)
            futures.append(future)
    if mine:
        try:
            drawn = _draw_together(sandbox, [(config, wall) for _, config, wall, _ in mine])
        except BaseException as error:  # not kept: the next candidate of the problem tries again
            with _DRAWS_LOCK:
                for key, *_ in mine:
                    _DRAWS.pop(key, None)
            for *_, future in mine:
                future.set_exception(error)
            raise
        for (key, *_, future), outcome in zip(mine, drawn, strict=True):
            future.set_result(outcome)
            if outcome[0] is None or "drawn" not in outcome[0]:
                with _DRAWS_LOCK:  # a failed draw is not kept: the next ask draws again
                    _DRAWS.pop(key, None)
    return [future.result() for future in futures]


def _draw_together(sandbox: Sandbox, problems: list[tuple[dict[str, Any], float]]) -> list[Drawn]:
    """One run draws for all `problems`; when it gives no report (a reference that hangs or
    kills it), each is drawn alone so the others keep their inputs."""
    wall = min(sum(wall for _, wall in problems), 3600)
    configs = [config for config, _ in problems]
    report, result = _run_harness(sandbox, {"draw": configs}, wall, len(configs))
    if report is not None and "drawn" in report:
        return [(entry, result) for entry in report["drawn"]]
    if len(problems) == 1:
        return [(report, result)]
    return [outcome for problem in problems for outcome in _draw_together(sandbox, [problem])]


def _evidence(tests: list[dict[str, Any]]) -> list[Evidence]:
    return [
        Evidence(
            check=test["kind"],
            outcome=test["status"],
            index=index,
            reason=test.get("detail", ""),
            details={key: test[key] for key in _DETAIL_FIELDS if key in test},
        )
        for index, test in enumerate(tests)
    ]


def _status(tests: list[dict[str, Any]]) -> str:
    statuses = {test["status"] for test in tests}
    if statuses & {"failed", "error"}:
        return "fail"
    if "timeout" in statuses:
        return "timeout"
    return "pass" if "passed" in statuses else "fail"


def verify_code(
    problem: CodeProblem,
    program: str,
    sandbox: Sandbox,
    *,
    test_timeout: float = DEFAULT_TEST_TIMEOUT,
    examples: int = 100,
) -> Verdict:
    """Run every test of `problem` against `program` in the sandbox.

    `examples` is how many inputs each property-based test draws, once per problem (every
    candidate of a problem meets the same inputs); 0 runs only the given tests."""
    (verdict,) = verify_many(
        [(problem, program)], sandbox, workers=1, examples=examples, test_timeout=test_timeout
    )
    return verdict


def verify_many(
    jobs: Sequence[tuple[CodeProblem, str]],
    sandbox: Sandbox,
    *,
    workers: int = 2,
    examples: int = 100,
    test_timeout: float = DEFAULT_TEST_TIMEOUT,
    draw_ahead: Sequence[CodeProblem] = (),
    on_done: Callable[[int], None] | None = None,
) -> list[Verdict]:
    """Judge (problem, program) pairs, up to `BATCH` in one sandbox run and `workers` runs at a
    time; verdicts in input order. `draw_ahead`: problems whose candidates come soon, drawn in
    the same runs as these jobs' problems, so fewer runs pay hypothesis's import.
    `on_done(position)` is called as each finishes, for progress bars."""
    with _AST_LOCK:
        plans = [
            (
                problem,
                program,
                draw_input(problem, test_timeout, examples),
                _wall_limit(problem, test_timeout),
            )
            for problem, program in jobs
        ]
        ahead = [
            (draw_input(problem, test_timeout, examples), _wall_limit(problem, test_timeout))
            for problem in draw_ahead
        ]
    verdicts: dict[int, Verdict] = {}

    def done(position: int, verdict: Verdict) -> None:
        verdicts[position] = verdict
        if on_done is not None:
            on_done(position)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        # The problems' inputs first, a share per worker, so no judging run waits on a draw.
        drawing = [(d, wall) for _, _, d, wall in plans if d] + [(d, w) for d, w in ahead if d]
        to_draw = {json.dumps(d, sort_keys=True): (d, wall) for d, wall in drawing}
        problems = list(to_draw.values())
        shares = [problems[start::workers] for start in range(workers)]
        # This call's draws, failed ones too (the next call draws those again). A share that
        # raised is not kept: the job's own draw below tries again and says why.
        drawn_now: dict[str, Drawn] = {}
        for share, drawing_share in [(s, pool.submit(_draws, sandbox, s)) for s in shares if s]:
            if drawing_share.exception() is None:
                for (config, _), outcome in zip(share, drawing_share.result(), strict=True):
                    drawn_now[json.dumps(config, sort_keys=True)] = outcome
        pending: list[tuple[int, dict[str, Any], float]] = []
        for position, (problem, program, to_draw_config, wall) in enumerate(plans):
            drawn = None
            if to_draw_config is not None:
                key = json.dumps(to_draw_config, sort_keys=True)
                try:
                    report, result = (
                        drawn_now.get(key) or _draws(sandbox, [(to_draw_config, wall)])[0]
                    )
                except Exception as error:  # the sandbox broke: no verdict on the candidate
                    done(position, _no_verdict(f"the sandbox failed drawing inputs: {error}"))
                    continue
                if report is None or "drawn" not in report:
                    done(position, _draw_failed(report, result))
                    continue
                drawn = report["drawn"]
            pending.append((position, harness_input(problem, program, test_timeout, drawn), wall))
        size = max(1, min(BATCH, -(-len(pending) // workers)))
        batches = [pending[start : start + size] for start in range(0, len(pending), size)]
        judging = {pool.submit(_judge_together, sandbox, batch): batch for batch in batches}
        for future in as_completed(judging):
            try:
                judged = future.result()
            except Exception as error:  # the sandbox broke: no verdict on these candidates
                verdict = _no_verdict(f"the sandbox failed judging: {error}")
                judged = [(position, verdict) for position, _, _ in judging[future]]
            for position, verdict in judged:
                done(position, verdict)
    return [verdicts[position] for position in range(len(jobs))]


def _judge_together(
    sandbox: Sandbox, batch: list[tuple[int, dict[str, Any], float]]
) -> list[tuple[int, Verdict]]:
    """One run judges the whole batch; those it could not judge (the run died, or a candidate
    left something the judge could not clear) each get a run of their own."""
    wall = min(sum(wall for *_, wall in batch), 3600)
    config = {"candidates": [candidate for _, candidate, _ in batch]}
    report, result = _run_harness(sandbox, config, wall, len(batch))
    judged = report.get("judged", []) if report is not None else []
    if len(batch) == 1 and not judged:
        silent = report is None and not (result.timed_out or result.oom_killed)
        if silent and not sandbox_works(sandbox):  # the sandbox died, not (only) the candidate
            ended = f"ended with exit code {result.exit_code} ({_last_line(result.stderr)})"
            reason = f"the sandbox broke: the run {ended} and a run judging nothing fails too"
            return [(batch[0][0], _no_verdict(reason, result))]
        return [(batch[0][0], _verdict(report, result))]
    verdicts = [
        (position, _verdict(entry, result))
        for (position, _, _), entry in zip(batch, judged, strict=False)
    ]
    for item in batch[len(judged) :]:
        verdicts += _judge_together(sandbox, [item])
    return verdicts


def sandbox_works(sandbox: Sandbox) -> bool:
    """Whether the judge runs and reports in `sandbox`, given nothing to do: told apart from a
    candidate that took its run down, a broken sandbox gives no verdict."""
    try:
        report, _ = _run_harness(sandbox, {"draw": []}, 30, 1)
    except Exception:  # a sandbox that raises does not work
        return False
    return report is not None and report.get("drawn") == []


def _no_verdict(reason: str, result: ExecResult | None = None) -> Verdict:
    """We could not judge the candidate (the sandbox or the judge broke, or the problem's inputs
    could not be drawn): an `error`, which the pipeline judges again rather than keeps."""
    details = {} if result is None else {"stderr": result.stderr[-2000:], "backend": result.backend}
    evidence = Evidence(check="harness", outcome="error", reason=reason, details=details)
    seconds = 0.0 if result is None else result.wall_seconds
    return Verdict(
        status="error", verifier=NAME, version=VERSION, evidence=[evidence], seconds=seconds
    )


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip()[:200] if lines else "no detail"


def _draw_failed(report: dict[str, Any] | None, result: ExecResult) -> Verdict:
    """No candidate ran in a draw: whatever stopped it, there is no verdict on the candidate."""
    if report is not None and report.get("harness_error"):
        reason = f"drawing the problem's inputs failed: {_last_line(report['harness_error'])}"
    else:
        ended = "timed out" if result.timed_out else f"ended with exit code {result.exit_code}"
        said = _last_line(result.stderr)
        reason = f"the run drawing the problem's inputs {ended} before it reported ({said})"
    return _no_verdict(reason, result)


def _verdict(report: dict[str, Any] | None, result: ExecResult) -> Verdict:
    """A candidate's verdict from its share of a harness report (None when there was none)."""
    if report is None:
        # No framed report, in a sandbox that works: the run was killed, or the candidate took
        # the judge down with it.
        ended = "timed out" if result.timed_out else f"ended with exit code {result.exit_code}"
        status = "timeout" if result.timed_out else "fail"
        evidence = [
            Evidence(
                check="harness",
                outcome="no-report",
                reason=f"the run {ended} before the judge reported; nothing counts as passed",
                details={"stderr": result.stderr[-2000:], "backend": result.backend},
            )
        ]
    elif report.get("harness_error"):
        status = "error"
        evidence = [
            Evidence(
                check="harness",
                outcome="error",
                reason=f"the judge crashed: {_last_line(report['harness_error'])}",
                details={"traceback": report["harness_error"][-2000:]},
            )
        ]
    else:
        status, evidence = _status(report["tests"]), _evidence(report["tests"])
    seconds = report.get("seconds", result.wall_seconds) if report else result.wall_seconds
    return Verdict(
        status=status, verifier=NAME, version=VERSION, evidence=evidence, seconds=seconds
    )
