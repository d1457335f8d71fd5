"""What a program sees inside each backend: its files and stdin, and nothing of the host."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from sandbox import ExecRequest, Limits, Sandbox

INSPECT = """
import json, os, socket, sys
print(json.dumps({
    "cwd": os.getcwd(),
    "uid": os.getuid(),
    "files": sorted(os.path.join(d, f) for d, _, fs in os.walk(".") for f in fs),
    "stdin": sys.stdin.read(),
    "env": dict(os.environ),
    "interfaces": [name for _, name in socket.if_nameindex()],
    "root_writable": os.access("/", os.W_OK),
}))
"""


def test_files_stdin_and_identity(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACTORY_TEST_HOST_SECRET", "do-not-leak")
    result = sandbox.run(
        ExecRequest(
            command=["python3", "main.py"],
            files={"main.py": INSPECT, "pkg/data.bin": b"\x00\x01", "pkg/deep/x.txt": "x"},
            stdin="line one\nline two\n",
            env={"ALLOWED": "1"},
        )
    )
    assert result.exit_code == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["cwd"] == "/work"
    assert seen["uid"] == 10001
    assert seen["files"] == ["./main.py", "./pkg/data.bin", "./pkg/deep/x.txt"]
    assert seen["stdin"] == "line one\nline two\n"
    assert seen["interfaces"] == ["lo"]
    assert seen["root_writable"] is False
    env = seen["env"]
    assert env["ALLOWED"] == "1"
    assert env["PATH"] == "/usr/local/bin:/usr/bin:/bin" and env["HOME"] == "/work"
    assert "FACTORY_TEST_HOST_SECRET" not in env
    assert "do-not-leak" not in result.stdout


def test_large_stdin_and_stdout_stream_both_ways(sandbox: Sandbox) -> None:
    # 4 MiB each way: the program echoes while we still write, so neither side may block the other.
    payload = "0123456789abcdef\n" * (256 * 1024)
    result = sandbox.run(
        ExecRequest(
            command=["python3", "-c", "import sys\nfor line in sys.stdin: print(line, end='')"],
            stdin=payload,
            limits=Limits(output_bytes=8 * 1024 * 1024),
        )
    )
    assert (result.exit_code, result.output_truncated) == (0, False)
    assert result.stdout == payload


def test_exit_status_follows_the_shell(sandbox: Sandbox) -> None:
    exits = sandbox.run(ExecRequest(command=["python3", "-c", "raise SystemExit(3)"]))
    signalled = sandbox.run(
        ExecRequest(command=["python3", "-c", "import os, signal; os.kill(os.getpid(), 15)"])
    )
    missing = sandbox.run(ExecRequest(command=["no-such-program"]))
    assert (exits.exit_code, signalled.exit_code) == (3, 128 + 15)
    assert missing.exit_code == 127


def test_host_loopback_listener_is_unreachable(sandbox: Sandbox) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        source = (
            "import socket\ntry:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
            "    print('connected')\n"
            "except OSError as e:\n    print('refused', e.errno)\n"
        )
        result = sandbox.run(ExecRequest(command=["python3", "-c", source]))
        server.settimeout(0.2)
        with pytest.raises(TimeoutError):
            server.accept()
    assert result.stdout.startswith("refused")


def test_async_runs_overlap(sandbox: Sandbox) -> None:
    async def main() -> list[str]:
        runs = [
            sandbox.run_async(ExecRequest(command=["python3", "-c", f"print({i} * {i})"]))
            for i in range(4)
        ]
        return [result.stdout for result in await asyncio.gather(*runs)]

    assert asyncio.run(main()) == ["0\n", "1\n", "4\n", "9\n"]
