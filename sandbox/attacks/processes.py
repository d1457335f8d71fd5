"""Process attacks: see, signal or trace host processes, or leave a daemon running after the run."""

from __future__ import annotations

from sandbox.attacks.kit import Attack, program, reported

ATTACKS = (
    Attack(
        "list-host-processes",
        "processes",
        "/proc shows only the sandbox's own processes",
        lambda b: program(
            """
pids = [p for p in os.listdir("/proc") if p.isdigit()]
seen = []
for pid in pids:
    try:
        if MARKER.encode() in open(f"/proc/{pid}/cmdline", "rb").read():
            seen.append(pid)
    except OSError:
        pass
report(bool(seen), f"host victim visible as pid {seen}" if seen else f"{len(pids)} pids visible")
""",
            MARKER=b.marker + "-victim",
        ),
        reported,
    ),
    Attack(
        "kill-parent",
        "processes",
        "killing the parent, the host's auditor and a host victim by pid reaches no host process",
        lambda b: program(
            """
import signal
results = []
for pid in (os.getppid(), HOST_PID, VICTIM_PID):
    try:
        os.kill(pid, signal.SIGKILL)
        results.append(f"{pid}: sent")
    except OSError as e:
        results.append(f"{pid}: {err(e)}")
time.sleep(0.2)
report(False, "; ".join(results))
""",
            HOST_PID=b.host_pid,
            VICTIM_PID=b.victim_pid,
        ),
        reported,
    ),
    Attack(
        "kill-everything",
        "processes",
        "kill(-1, SIGKILL) reaches only the sandbox's own processes",
        lambda b: program(
            """
import signal
try:
    os.kill(-1, signal.SIGKILL)
    detail = "kill(-1) sent"
except OSError as e:
    detail = f"kill(-1): {err(e)}"
time.sleep(0.2)
report(False, detail)
"""
        ),
        reported,
    ),
    Attack(
        "ptrace-host",
        "processes",
        "ptrace cannot attach to a host process",
        lambda b: program(
            """
attached = []
for pid in (HOST_PID, VICTIM_PID):
    if libc.ptrace(16, pid, None, None) == 0:  # PTRACE_ATTACH
        attached.append(pid)
        libc.ptrace(17, pid, None, None)  # PTRACE_DETACH
    else:
        last = f"{pid}: {errno.errorcode.get(ctypes.get_errno())}"
report(bool(attached), f"attached to {attached}" if attached else f"ptrace: {last}")
""",
            HOST_PID=b.host_pid,
            VICTIM_PID=b.victim_pid,
        ),
        reported,
    ),
    Attack(
        "daemon-outlives-run",
        "processes",
        "a double-forked, setsid daemon is killed with the run",
        lambda b: program(
            """
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("python3", ["python3", "-c", "import time; time.sleep(120)", MARKER])
    os._exit(0)
os.wait()
report(False, "daemon started; the host checks it is gone after the run")
""",
            MARKER=b.marker + "-daemon",
        ),
        reported,
    ),
)
