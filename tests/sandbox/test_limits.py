"""Every limit holds on both backends, with the exact outcome each backend reports."""

from __future__ import annotations

from sandbox import ExecRequest, Limits, Sandbox


def _python(source: str, limits: Limits) -> ExecRequest:
    return ExecRequest(command=["python3", "main.py"], files={"main.py": source}, limits=limits)


def test_wall_clock_timeout_kills_the_run_and_keeps_earlier_output(sandbox: Sandbox) -> None:
    source = "print('started', flush=True)\nwhile True:\n    pass\n"
    result = sandbox.run(_python(source, Limits(timeout_seconds=1, cpu_seconds=60)))
    assert result.timed_out
    assert result.exit_code is None
    assert result.stdout == "started\n"
    assert not result.output_truncated
    assert result.wall_seconds >= 1.0


def test_sleeping_past_the_deadline_times_out(sandbox: Sandbox) -> None:
    result = sandbox.run(_python("import time\ntime.sleep(600)\n", Limits(timeout_seconds=1)))
    assert (result.timed_out, result.exit_code) == (True, None)


def test_cpu_time_limit_kills_a_busy_loop_with_sigkill(sandbox: Sandbox) -> None:
    spin = "while True:\n    pass\n"
    result = sandbox.run(_python(spin, Limits(cpu_seconds=1, timeout_seconds=30)))
    assert (result.timed_out, result.exit_code) == (False, 128 + 9)
    # The killed loop's CPU time is still accounted (the kernel's check stops it near 1 s).
    assert result.cpu_seconds is not None and result.cpu_seconds > 0.5


ALLOCATE = "block = bytearray(512 * 1024 * 1024)\nprint('allocated')\n"


def test_memory_limit_docker_oom_kills(docker_sandbox: Sandbox) -> None:
    result = docker_sandbox.run(_python(ALLOCATE, Limits(memory_mb=128)))
    assert (result.oom_killed, result.exit_code, result.stdout) == (True, 128 + 9, "")


def test_memory_limit_bwrap_refuses_the_allocation(bwrap_sandbox: Sandbox) -> None:
    # An address-space rlimit: the allocation fails inside the program, nothing is OOM-killed.
    result = bwrap_sandbox.run(_python(ALLOCATE, Limits(memory_mb=128)))
    assert (result.oom_killed, result.exit_code, result.stdout) == (False, 1, "")
    assert result.stderr.rstrip().endswith("MemoryError")


FORK_UNTIL_REFUSED = """
import errno, os, time
children = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        children += 1
except OSError as e:
    print(children, errno.errorcode[e.errno])
"""


def test_pids_limit_docker(docker_sandbox: Sandbox) -> None:
    # 16 tasks in the container: its init, the runner shell, the program and 13 children.
    result = docker_sandbox.run(_python(FORK_UNTIL_REFUSED, Limits(pids=16)))
    assert (result.stdout, result.exit_code) == ("13 EAGAIN\n", 0)


def test_pids_limit_bwrap(bwrap_sandbox: Sandbox) -> None:
    # 16 processes of the sandbox user: the namespace's init, the program and 14 children.
    result = bwrap_sandbox.run(_python(FORK_UNTIL_REFUSED, Limits(pids=16)))
    assert (result.stdout, result.exit_code) == ("14 EAGAIN\n", 0)


def test_stdout_is_capped_exactly_and_the_run_stopped(sandbox: Sandbox) -> None:
    source = "import sys\nwhile True:\n    sys.stdout.write('x' * 10000)\n"
    result = sandbox.run(_python(source, Limits(output_bytes=4096)))
    assert result.stdout == "x" * 4096
    assert (result.output_truncated, result.exit_code, result.timed_out) == (True, None, False)


def test_stderr_is_capped_exactly_and_the_run_stopped(sandbox: Sandbox) -> None:
    source = "import sys\nwhile True:\n    sys.stderr.write('e' * 10000)\n"
    result = sandbox.run(_python(source, Limits(output_bytes=4096)))
    assert result.stderr == "e" * 4096
    assert (result.output_truncated, result.exit_code) == (True, None)


def test_output_exactly_at_the_cap_is_not_truncated(sandbox: Sandbox) -> None:
    source = "import sys\nsys.stdout.write('o' * 4096)\nsys.stderr.write('e' * 4096)\n"
    result = sandbox.run(_python(source, Limits(output_bytes=4096)))
    assert (result.stdout, result.stderr) == ("o" * 4096, "e" * 4096)
    assert (result.output_truncated, result.exit_code) == (False, 0)


DISK_FILL = """
import errno, os
fd = os.open("/tmp/fill", os.O_WRONLY | os.O_CREAT)
total = 0
try:
    while True:
        total += os.write(fd, b"x" * (1 << 20))
except OSError as e:
    print(total, errno.errorcode[e.errno])
try:
    os.write(os.open("/tmp/more", os.O_WRONLY | os.O_CREAT), b"y")
except OSError as e:
    print(errno.errorcode[e.errno])
"""


def test_disk_limit_caps_a_file_and_the_tmpfs(sandbox: Sandbox) -> None:
    # The file-size rlimit stops the file at exactly disk_mb; the full tmpfs refuses any more.
    result = sandbox.run(_python(DISK_FILL, Limits(disk_mb=8)))
    assert (result.stdout, result.exit_code) == (f"{8 * 1024 * 1024} EFBIG\nENOSPC\n", 0)
