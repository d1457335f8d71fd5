"""Memory split so that no single process goes over the limit: the run's total must still stop at
it. Per-process limits (rlimits) let these through; a cgroup per run contains them."""

from __future__ import annotations

from sandbox.attacks.kit import AUDIT_LIMITS, Attack, program, reported
from sandbox.model import ExecResult

_LIMIT_MB = AUDIT_LIMITS.memory_mb
# Each share fits a process's own limit with room for the interpreter; four of them do not fit.
_SHARE_MB = _LIMIT_MB * 5 // 8

# `hold(mib, ready)`: a forked child that fills `mib` MiB, writes a byte to `ready`, then holds it.
_HOLD = """
import select

def hold(mib, ready):
    pid = os.fork()
    if pid == 0:
        try:
            block = bytearray(mib * 1024 * 1024)
            for page in range(0, len(block), 4096):
                block[page] = 1
            os.write(ready, b"x")
            time.sleep(3)
        except MemoryError:
            pass
        os._exit(0)
    return pid

def alive(pids):
    return [pid for pid in pids if os.waitpid(pid, os.WNOHANG) == (0, 0)]

def held_at_once(pids, ready, expected):
    # How many children filled their share and all still live at the same moment.
    done = 0
    deadline = time.monotonic() + 3
    while done < expected and time.monotonic() < deadline:
        if select.select([ready], [], [], 0.1)[0]:
            done += len(os.read(ready, 64))
    return min(done, len(alive(pids)))
"""


def _memory(result: ExecResult) -> tuple[bool, str]:
    if result.oom_killed:
        return True, f"OOM-killed at the run's {_LIMIT_MB} MiB limit"
    return reported(result)


ATTACKS = (
    Attack(
        "memory-split-children",
        "resources",
        f"four children of {_SHARE_MB} MiB each stop at the run's {_LIMIT_MB} MiB limit",
        lambda b: program(
            _HOLD
            + """
ready_r, ready_w = os.pipe()
pids = [hold(SHARE_MB, ready_w) for _ in range(4)]
held = held_at_once(pids, ready_r, 4)
total = held * SHARE_MB
report(total > LIMIT_MB, f"{held} children held {SHARE_MB} MiB each at once: {total} MiB")
""",
            SHARE_MB=_SHARE_MB,
            LIMIT_MB=_LIMIT_MB,
        ),
        _memory,
    ),
    Attack(
        "memory-split-batch",
        "resources",
        f"memory a candidate leaves (files in tmpfs, a live child) counts against the run's "
        f"{_LIMIT_MB} MiB limit when the next candidate of the batch allocates",
        lambda b: program(
            _HOLD
            + """
ready_r, ready_w = os.pipe()
left = 0
for directory in ("/work", "/tmp", "/dev/shm"):  # the first candidate's leftover files
    try:
        with open(os.path.join(directory, "left"), "wb") as f:
            while True:
                f.write(b"x" * 1024 * 1024)
                f.flush()
                left += 1
    except OSError:
        pass
first = hold(SHARE_MB, ready_w)  # and a child it leaves alive
second = hold(SHARE_MB, ready_w)  # the next candidate's own allocation
held = held_at_once([first, second], ready_r, 2)
total = left + held * SHARE_MB
report(total > LIMIT_MB, f"{left} MiB of files and {held} x {SHARE_MB} MiB held: {total} MiB")
""",
            SHARE_MB=_SHARE_MB,
            LIMIT_MB=_LIMIT_MB,
        ),
        _memory,
    ),
)
