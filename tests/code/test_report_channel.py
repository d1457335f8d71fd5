"""The judge's report reaches the host intact or not at all: a candidate that writes into the
stream the judge reports on makes its run's report rejected, its batch-mates are judged again
alone, and it fails itself; the command never crashes and writes every row."""

from __future__ import annotations

from sandbox import Sandbox
from tests.code.counting import CountingSandbox
from tests.code.test_batches import ADD, RIGHT, WRONG
from verifiers.code.verify import verify_many

# Leaves a process behind that finds an ancestor of the judge whose stdout it may open or copy
# (the stream the judge reports on), shrinks that pipe to one page so the judge's report needs
# several writes, and once the report has begun, starves the judge of CPU and writes `SPLICE`
# as soon as the pipe has room. Its own answers are long and wrong: the report takes many pages.
SPLICER = """import ctypes, fcntl, os, termios, time

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
    end = time.monotonic() + 20
    starved = False
    while time.monotonic() < end:
        _await(targets[0], lambda pending: pending > 0, end)  # the report fills the pipe
        if not starved:  # idle priority for the judge, and a spinner on its CPU
            starved = True
            try:
                os.sched_setscheduler(judge, os.SCHED_IDLE, os.sched_param(0))
                if os.fork() == 0:
                    os.sched_setaffinity(0, {1})
                    while time.monotonic() < end:
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
    "malformed JSON": SPLICER.replace("SPLICE", repr(b'}]"status": "passed"{')),
    "a whole forged report": SPLICER.replace("SPLICE", repr(FORGED.encode())),
}


def _batch(sandbox: Sandbox, forger: str) -> tuple[list[str], CountingSandbox]:
    counting = CountingSandbox(sandbox)
    programs = [RIGHT, WRONG, RIGHT, forger]
    verdicts = verify_many([(ADD, program) for program in programs], counting, workers=1)
    return [verdict.status for verdict in verdicts], counting


def test_a_candidate_splicing_malformed_json_into_the_report_fails_alone(sandbox: Sandbox) -> None:
    statuses, counting = _batch(sandbox, SPLICERS["malformed JSON"])
    assert statuses == ["pass", "fail", "pass", "fail"]
    assert counting.batches[0] == 4


def test_a_candidate_splicing_a_forged_report_fails_alone(sandbox: Sandbox) -> None:
    statuses, counting = _batch(sandbox, SPLICERS["a whole forged report"])
    assert statuses == ["pass", "fail", "pass", "fail"]
    assert counting.batches[0] == 4
