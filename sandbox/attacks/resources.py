"""Resource attacks: exhaust processes, memory, CPU, time, output and disk. The limits must hold."""

from __future__ import annotations

from sandbox.attacks.kit import AUDIT_LIMITS, Attack, program, reported
from sandbox.model import ExecResult

_LIMITS = AUDIT_LIMITS
_CAP = _LIMITS.output_bytes


def _timed_out(result: ExecResult) -> tuple[bool, str]:
    if result.timed_out:
        return True, f"killed at the {_LIMITS.timeout_seconds:g} s deadline"
    if result.exit_code == 137:
        return True, f"killed by the {_LIMITS.cpu_seconds} s CPU-time limit"
    return False, f"ran to exit {result.exit_code} in {result.wall_seconds:.1f} s"


def _memory(result: ExecResult) -> tuple[bool, str]:
    if result.oom_killed:
        return True, f"OOM-killed at the {_LIMITS.memory_mb} MiB limit"
    return reported(result)


def _capped(result: ExecResult, stream: str) -> tuple[bool, str]:
    kept = len(getattr(result, stream).encode())
    contained = result.output_truncated and kept <= _CAP and result.exit_code is None
    return contained, f"{stream} stopped at {kept} bytes (cap {_CAP}), run killed"


ATTACKS = (
    Attack(
        "fork-bomb",
        "resources",
        f"fork fails at the {_LIMITS.pids}-process limit",
        lambda b: program(
            """
children = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        children += 1
except OSError as e:
    report(children >= LIMIT, f"fork failed after {children} children: {err(e)}")
""",
            LIMIT=_LIMITS.pids,
        ),
        reported,
    ),
    Attack(
        "thread-bomb",
        "resources",
        f"thread creation fails at the {_LIMITS.pids}-task limit",
        lambda b: program(
            """
import threading
threads = 0
try:
    while True:
        threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
        threads += 1
except RuntimeError as e:
    report(threads >= LIMIT, f"thread start failed after {threads} threads: {e}")
    os._exit(0)
""",
            LIMIT=_LIMITS.pids,
        ),
        reported,
    ),
    Attack(
        "memory-bomb",
        "resources",
        f"allocation stops at the {_LIMITS.memory_mb} MiB limit (OOM kill or MemoryError)",
        lambda b: program(
            """
chunks = []
try:
    while True:
        chunks.append(bytearray(16 * 1024 * 1024))
except MemoryError:
    mib = 16 * len(chunks)
    report(mib > LIMIT_MB, f"MemoryError after {mib} MiB")
""",
            LIMIT_MB=_LIMITS.memory_mb,
        ),
        _memory,
    ),
    Attack(
        "cpu-spin",
        "resources",
        "a busy loop is killed by the CPU-time limit or the deadline",
        lambda b: program("while True:\n    pass\n"),
        _timed_out,
    ),
    Attack(
        "sleep-past-deadline",
        "resources",
        f"sleeping forever is killed at the {_LIMITS.timeout_seconds:g} s deadline",
        lambda b: program("time.sleep(3600)\n"),
        lambda result: (result.timed_out, f"timed_out={result.timed_out}"),
    ),
    Attack(
        "stdout-flood",
        "resources",
        f"stdout is cut at {_CAP} bytes and the run stopped",
        lambda b: program("block = 'x' * 65536\nwhile True:\n    sys.stdout.write(block)\n"),
        lambda result: _capped(result, "stdout"),
    ),
    Attack(
        "stderr-flood",
        "resources",
        f"stderr is cut at {_CAP} bytes and the run stopped",
        lambda b: program("block = 'x' * 65536\nwhile True:\n    sys.stderr.write(block)\n"),
        lambda result: _capped(result, "stderr"),
    ),
    Attack(
        "disk-fill",
        "resources",
        f"the workspace, /tmp and /dev/shm each fill up at {_LIMITS.disk_mb} MiB",
        lambda b: program(
            """
totals = {}
for directory in ("/work", "/tmp", "/dev/shm"):
    written = 0
    try:
        with open(os.path.join(directory, "fill"), "wb") as f:
            while True:
                f.write(b"x" * 1024 * 1024)
                f.flush()
                written += 1
    except OSError as e:
        totals[directory] = f"{written} MiB ({err(e)})"
        os.unlink(os.path.join(directory, "fill"))
    if written > LIMIT_MB:
        report(True, f"{directory} took {written} MiB")
        break
else:
    report(False, ", ".join(f"{d}: {t}" for d, t in totals.items()))
""",
            LIMIT_MB=_LIMITS.disk_mb,
        ),
        reported,
    ),
)
