"""Several candidates judged in one sandbox run: each meets the sandbox as a run of its own
would, and what one of them breaks sends the others to runs of their own, never to a wrong
verdict."""

from __future__ import annotations

import pytest

from problems import AssertTests, CodeProblem, CodeTests
from sandbox import Sandbox
from tests.code.counting import CountingSandbox
from verifiers.code import verify
from verifiers.code.audit import MAIN, RIGHT, WRONG
from verifiers.code.audit import PROBLEM as ADD
from verifiers.code.verify import verify_code, verify_many
from verifiers.verdict import Verdict

RAISES = "def add(a, b):\n    raise ValueError('no')\n" + MAIN
HANGS = "def add(a, b):\n    while True:\n        pass\n" + MAIN

# Leaves a SysV message queue, files in every writable directory and a process (out of its
# session) behind.
LITTERS = (
    """import ctypes, os, time
ctypes.CDLL(None).msgget(4242, 0o1600)  # IPC_CREAT | 0o600: a SysV message queue
for path in ("/tmp/planted.py", "planted.py", "/dev/shm/planted"):
    with open(path, "w") as planted:
        planted.write("x = 1\\n")
if not os.path.lexists("/tmp/locked"):  # the program runs again for the stdio case
    os.makedirs("/tmp/locked/inner")
    os.chmod("/tmp/locked", 0)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:  # a daemon: holds none of the run's pipes open
        os.closerange(0, 1024)
        ctypes.CDLL(None).prctl(15, b"lingerer", 0, 0, 0)  # PR_SET_NAME
        time.sleep(60)
    os._exit(0)
"""
    + RIGHT
)

# Passes only where nothing of an earlier candidate is left: no queue, file or process.
LOOKS_FOR_LITTER = (
    """import ctypes, os

def litter():
    if ctypes.CDLL(None).msgget(4242, 0) != -1:
        return ["message queue 4242"]
    planted = [p for p in ("/tmp/planted.py", "planted.py", "/dev/shm/planted", "/tmp/locked")
               if os.path.lexists(p)]
    lingering = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/comm") as comm:
                if comm.read().strip() == "lingerer":
                    lingering.append(pid)
        except OSError:
            pass
    return planted + lingering

def add(a, b):
    return 0 if litter() else a + b
"""
    + MAIN
)

KILLS_THE_ZYGOTE = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n" + RIGHT
KILLS_EVERYTHING = "import os, signal\nos.kill(-1, signal.SIGKILL)\n" + RIGHT


def outcomes(verdicts: list[Verdict]) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(v.status, [(e.check, e.outcome) for e in v.evidence]) for v in verdicts]


def test_batch_mates_get_the_verdicts_they_get_alone(sandbox: Sandbox) -> None:
    programs = [RIGHT, WRONG, RAISES, RIGHT, HANGS, RIGHT]
    counting = CountingSandbox(sandbox)
    together = verify_many([(ADD, p) for p in programs], counting, workers=1)
    alone = [verify_code(ADD, program, sandbox) for program in programs]
    assert counting.batches == [6]
    assert outcomes(together) == outcomes(alone)
    assert [v.status for v in together] == ["pass", "fail", "fail", "pass", "timeout", "pass"]


def test_no_file_or_process_of_one_candidate_is_left_for_the_next(sandbox: Sandbox) -> None:
    counting = CountingSandbox(sandbox)
    jobs = [(ADD, LITTERS), (ADD, LOOKS_FOR_LITTER), (ADD, LITTERS), (ADD, LOOKS_FOR_LITTER)]
    verdicts = verify_many(jobs, counting, workers=1)
    assert counting.batches == [4]
    assert [v.status for v in verdicts] == ["pass"] * 4


def test_litter_would_be_seen_by_a_candidate_in_the_same_run(sandbox: Sandbox) -> None:
    # The control for the test above: litter the looking candidate itself can see fails it.
    both = LITTERS.replace(RIGHT, "") + LOOKS_FOR_LITTER
    assert verify_code(ADD, both, sandbox).status == "fail"


def test_a_candidate_that_kills_the_zygote_sends_the_rest_to_runs_of_their_own(
    sandbox: Sandbox,
) -> None:
    counting = CountingSandbox(sandbox)
    jobs = [(ADD, RIGHT), (ADD, KILLS_THE_ZYGOTE), (ADD, RIGHT), (ADD, WRONG)]
    verdicts = verify_many(jobs, counting, workers=1)
    assert counting.batches == [4, 1, 1]
    assert [v.status for v in verdicts] == ["pass", "fail", "pass", "fail"]


def test_a_candidate_that_kills_every_process_it_can_reaches_only_its_own_user(
    sandbox: Sandbox,
) -> None:
    # kill(-1) takes the zygote (the candidate's uid) but not the judge (another uid): the judge
    # reports the attacker and sends the one after it to a run of its own.
    counting = CountingSandbox(sandbox)
    jobs = [(ADD, RIGHT), (ADD, KILLS_EVERYTHING), (ADD, RIGHT)]
    verdicts = verify_many(jobs, counting, workers=1)
    assert counting.batches == [3, 1]
    assert [v.status for v in verdicts] == ["pass", "fail", "pass"]
    assert verdicts[1].evidence[0].outcome != "no-report"


def test_a_run_starts_no_candidate_it_might_not_finish_and_the_rest_share_another(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each candidate may take 3 s, so a run may take 6 s (not 15); each hang takes ~1 s.
    monkeypatch.setattr(verify, "_wall_limit", lambda problem, test_timeout: 3.0)
    counting = CountingSandbox(sandbox)
    programs = [HANGS, HANGS, HANGS, HANGS, RIGHT, WRONG]
    jobs = [(ADD, program) for program in programs]
    verdicts = verify_many(jobs, counting, workers=1, test_timeout=0.5)
    assert [v.status for v in verdicts] == ["timeout"] * 4 + ["pass", "fail"]
    assert counting.batches[0] == 6
    assert counting.batches[1] > 1, counting.batches  # the rest together, not one by one
    assert not any(e.outcome == "no-report" for v in verdicts for e in v.evidence)


def _slow_to_draw(number: int, backend: str) -> CodeProblem:
    """A problem whose reference takes 100 ms a call: drawing 20 inputs takes about 2 s.
    Draws are kept per process, by content: each problem's reference is its own."""
    return CodeProblem(
        id=f"t/slow-to-draw-{number}",
        statement="Return x.",
        entry_point="f",
        starter_code='def f(x: int) -> int:\n    """x"""\n',
        reference_solution="import time\n"
        "def f(x: int) -> int:\n"
        "    time.sleep(0.1)\n"
        f"    return x  # problem {number} on {backend}\n",
        tests=CodeTests(
            asserts=AssertTests(style="check", code="def check(f):\n    assert f(1) == 1\n"),
            input_strategies={"x": "st.integers()"},
        ),
    )


def test_a_draw_run_starts_no_problem_it_might_not_finish(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each problem's draw (about 2 s, mostly sleeping) may take 5 s, so a run may take 10 s (not
    # 20): it draws three at most, and a loaded machine still finishes each draw in time.
    monkeypatch.setattr(verify, "_wall_limit", lambda problem, test_timeout: 5.0)
    counting = CountingSandbox(sandbox)
    right = "def f(x):\n    return x\n"
    jobs = [(_slow_to_draw(number, sandbox.name), right) for number in range(4)]
    verdicts = verify_many(jobs, counting, workers=1, examples=20)
    assert [v.status for v in verdicts] == ["pass"] * 4, [v.evidence for v in verdicts]
    assert counting.draws >= 2
    assert all(e.outcome == "passed" for v in verdicts for e in v.evidence)
