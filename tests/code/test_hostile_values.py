"""A candidate's answer costs the judge at most its test's time limit: a huge int, a long list or
string, a deep or hash-colliding value is judged (and shown) within the tests' own limits, and
its batch-mates get the verdicts they get alone."""

from __future__ import annotations

import json

import pytest

from problems import AssertTests, CodeProblem, CodeTests
from sandbox import Sandbox
from tests.code.counting import CountingSandbox
from verifiers.code.verify import verify_many

TEST_TIMEOUT = 1.0
IDENTITY = CodeProblem(
    id="t/identity",
    statement="Return x.",
    entry_point="f",
    tests=CodeTests(
        asserts=AssertTests(
            style="check",
            code="def check(candidate):\n"
            "    assert candidate(1) == 1\n"
            "    assert candidate(2) == 2\n",
        )
    ),
)
RIGHT = "def f(x):\n    return x\n"
WRONG = "def f(x):\n    return -x\n"

# The worker sends `answer` (JSON text) as its value: forged replies need no Python value
# behind them, so the judge alone pays for what they hold.
FORGES_ANSWER = """import json
_dumps = json.dumps
def _forged(message, *args, **kwargs):
    return ANSWER if "value" in message else _dumps(message, *args, **kwargs)
json.dumps = _forged
def f(x):
    return x
"""


def _forging(value: str) -> str:
    return FORGES_ANSWER.replace("ANSWER", repr('{"value": ' + value + "}"))


def _colliding_ints(count: int) -> str:
    """A set of ints that all hash alike: built naively, quadratic in `count`."""
    return json.dumps({"set": [{"int": hex(k * (2**61 - 1))} for k in range(1, count + 1)]})


HOSTILE = {
    "a 62M-bit int": "def f(x):\n    return (1 << 62_000_000) - 1\n",
    "a 1M-bit int": "def f(x):\n    return (1 << 1_000_000) - 1\n",
    "an int of a million decimal digits": _forging("9" * 1_000_000),
    "a long list": "def f(x):\n    return list(range(900_000))\n",
    "a list nested 50,000 deep": _forging("[" * 50_000 + "]" * 50_000),
    "a 12M-character string": "def f(x):\n    return 'x' * 12_000_000\n",
    "a set of 60,000 hash-colliding ints": _forging(_colliding_ints(60_000)),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_value_stalls_no_test_beyond_its_limit(sandbox: Sandbox, name: str) -> None:
    counting = CountingSandbox(sandbox)
    programs = [RIGHT, HOSTILE[name], WRONG, RIGHT]
    verdicts = verify_many(
        [(IDENTITY, program) for program in programs],
        counting,
        workers=1,
        examples=0,
        test_timeout=TEST_TIMEOUT,
    )
    assert counting.batches == [4]
    assert [v.status for v in verdicts[::2]] == ["pass", "fail"]
    assert verdicts[3].status == "pass"
    hostile = verdicts[1]
    assert hostile.status in ("fail", "timeout"), hostile.evidence
    # Two tests of TEST_TIMEOUT each, and a worker's start (~30 ms) to spare.
    assert hostile.seconds < 2 * TEST_TIMEOUT + 0.5, (name, hostile.seconds, hostile.evidence)
    assert all(len(e.details.get("actual", "")) <= 2100 for e in hostile.evidence)
