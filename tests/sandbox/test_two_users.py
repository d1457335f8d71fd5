"""A run that asks for two users starts as the sandbox's root holding only CAP_SETUID and
CAP_SETGID, and is told two unprivileged uids of its own; any other run gets neither."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sandbox import ExecRequest, Sandbox
from sandbox.model import CANDIDATE_UID_ENV, JUDGE_UID_ENV

SHOW = f"""
import os, time
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(os.getuid(), int(status["CapEff"], 16), int(status["NoNewPrivs"]),
      os.environ.get({JUDGE_UID_ENV!r}), os.environ.get({CANDIDATE_UID_ENV!r}))
time.sleep(0.5)
"""
SETUID_AND_SETGID = (1 << 6) | (1 << 7)


def _shown(sandbox: Sandbox, *, two_users: bool) -> list[str]:
    result = sandbox.run(ExecRequest(command=["python3", "-c", SHOW], two_users=two_users))
    assert result.exit_code == 0, result.stderr
    return result.stdout.split()


def test_a_two_user_run_starts_as_root_able_only_to_change_uid(sandbox: Sandbox) -> None:
    uid, capabilities, no_new_privs, judge, candidate = _shown(sandbox, two_users=True)
    assert (int(uid), int(capabilities), int(no_new_privs)) == (0, SETUID_AND_SETGID, 1)
    assert len({0, int(judge), int(candidate)}) == 3


def test_a_run_with_one_user_gets_no_privilege_and_no_second_uid(sandbox: Sandbox) -> None:
    uid, capabilities, _, judge, candidate = _shown(sandbox, two_users=False)
    assert int(uid) != 0 and int(capabilities) == 0
    assert (judge, candidate) == ("None", "None")


def test_two_user_runs_at_once_share_no_uid_on_bwrap(bwrap_sandbox: Sandbox) -> None:
    # Without a user namespace, RLIMIT_NPROC counts a host uid's processes across runs.
    with ThreadPoolExecutor(2) as pool:
        shown = list(pool.map(lambda _: _shown(bwrap_sandbox, two_users=True), range(2)))
    first, second = ({int(uid) for uid in row[3:]} for row in shown)
    assert not first & second
