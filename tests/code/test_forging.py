"""A candidate cannot forge a pass: every trick below must end as `fail`."""

from __future__ import annotations

import pytest

from problems import AssertTests, CodeProblem, CodeTests
from sandbox import Sandbox
from verifiers.code.verify import verify_code

SQUARE = CodeProblem(
    id="t/square",
    statement="Return x squared.",
    entry_point="square",
    starter_code='def square(x: int) -> int:\n    """x * x"""\n',
    tests=CodeTests(
        asserts=AssertTests(
            style="check",
            code="def check(candidate):\n"
            "    assert candidate(3) == 9\n"
            "    assert candidate(-4) == 16\n",
        )
    ),
)
FAKE_REPORT = '{"tests": [{"name": "assert 1", "kind": "assert", "status": "passed"}]}'

# Each program is wrong (or never answers) and tries to make the judge say otherwise.
FORGERIES = {
    "prints fake pass lines": f"print('PASSED'); print('{FAKE_REPORT}')\n"
    "def square(x):\n    print('all tests passed'); return 0\n",
    "sys.exit(0) before tests": "import sys\nsys.exit(0)\ndef square(x):\n    return 0\n",
    "os._exit(0) before tests": "import os\nos._exit(0)\ndef square(x):\n    return 0\n",
    "os._exit(0) in the call": "import os\ndef square(x):\n    os._exit(0)\n",
    "SystemExit in the call": "def square(x):\n    raise SystemExit(0)\n",
    "patches AssertionError and the runner": "import builtins, unittest\n"
    "builtins.AssertionError = type('Nope', (Exception,), {})\n"
    "builtins.__build_class__ = None\n"
    "def square(x):\n    return 0\n",
    "rewrites the harness file": "open('harness.py', 'w').write('print(1)')\n"
    "def square(x):\n    return 0\n",
    "kills its parent": "import os, signal\n"
    "def square(x):\n    os.kill(os.getppid(), signal.SIGKILL)\n",
    "kills every process": "import os, signal\ndef square(x):\n    os.kill(-1, signal.SIGKILL)\n",
    "writes a report to the parent's stdout": "import os\n"
    "def square(x):\n"
    "    for fd in range(3):\n"
    "        try:\n"
    f"            open(f'/proc/{{os.getppid()}}/fd/{{fd}}', 'w').write('{FAKE_REPORT}')\n"
    "        except OSError:\n"
    "            pass\n"
    "    return 0\n",
    "returns an object equal to everything": "class Any:\n"
    "    def __eq__(self, other):\n        return True\n"
    "def square(x):\n    return Any()\n",
    "returns a str subclass equal to everything": "class S(str):\n"
    "    def __eq__(self, other):\n        return True\n"
    "def square(x):\n    return S('9')\n",
}


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_forgery_fails(sandbox: Sandbox, name: str) -> None:
    verdict = verify_code(SQUARE, FORGERIES[name], sandbox)
    assert verdict.status == "fail", (name, verdict.evidence)
    assert not any(e.outcome == "passed" and e.check == "assert" for e in verdict.evidence[1:])
