"""What isolation costs: latency and 2-worker throughput of bare subprocess, bwrap, docker pooled
and docker fresh, on a trivial program and a HumanEval-sized test run, with the issue's targets.

    python benchmarks/sandbox_overhead.py [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sandbox import ExecRequest, Sandbox, SandboxUnavailable
from sandbox.bwrap_backend import BwrapSandbox
from sandbox.docker_backend import DockerSandbox
from sandbox.environment import BASE_ENV

TRIVIAL = 'print("ok")\n'

# HumanEval/0 with its canonical solution and its own check(), as the code verifier runs it.
HUMANEVAL = '''
from typing import List


def has_close_elements(numbers: List[float], threshold: float) -> bool:
    """Check if in given list of numbers, are any two numbers closer to each other than
    given threshold."""
    for idx, elem in enumerate(numbers):
        for idx2, elem2 in enumerate(numbers):
            if idx != idx2:
                distance = abs(elem - elem2)
                if distance < threshold:
                    return True
    return False


def check(candidate):
    assert candidate([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3) == True
    assert candidate([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.05) == False
    assert candidate([1.0, 2.0, 5.9, 4.0, 5.0], 0.95) == True
    assert candidate([1.0, 2.0, 5.9, 4.0, 5.0], 0.8) == False
    assert candidate([1.0, 2.0, 3.0, 4.0, 5.0, 2.0], 0.1) == True
    assert candidate([1.1, 2.2, 3.1, 4.1, 5.1], 1.0) == True
    assert candidate([1.1, 2.2, 3.1, 4.1, 5.1], 0.5) == False


check(has_close_elements)
print("passed")
'''

Runner = Callable[[str], str]


def bare(source: str) -> str:
    """No isolation: the same files in a fresh temporary directory, the same python3."""
    python = shutil.which("python3", path=BASE_ENV["PATH"]) or "python3"
    with tempfile.TemporaryDirectory() as workdir:
        Path(workdir, "main.py").write_text(source)
        done = subprocess.run(
            [python, "main.py"], cwd=workdir, capture_output=True, text=True, env=dict(BASE_ENV)
        )
    return done.stdout


def sandboxed(backend: Sandbox) -> Runner:
    def run(source: str) -> str:
        result = backend.run(ExecRequest(command=["python3", "main.py"], files={"main.py": source}))
        if result.exit_code != 0:
            raise RuntimeError(f"{backend.name}: {result}")
        return result.stdout

    return run


def latency(run: Runner, source: str, runs: int) -> float:
    run(source)  # warm: a pool fills, caches load
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        run(source)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def throughput(run: Runner, source: str, runs: int) -> float:
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(run, [source] * 2))  # warm both workers
        started = time.perf_counter()
        list(pool.map(run, [source] * runs))
        return runs / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30, help="runs per figure (fresh: a third)")
    runs = parser.parse_args().runs
    modes: dict[str, Runner] = {"bare subprocess": bare}
    opened: list[Sandbox] = []
    makers: list[tuple[str, Callable[[], Sandbox]]] = [
        ("bwrap", BwrapSandbox),
        ("docker pooled", DockerSandbox),
        ("docker fresh", lambda: DockerSandbox(fresh=True)),
    ]
    for label, make in makers:
        try:
            backend = make()
        except SandboxUnavailable as error:
            print(f"{label}: skipped ({error})")
            continue
        opened.append(backend)
        modes[label] = sandboxed(backend)

    figures: dict[tuple[str, str], tuple[float, float]] = {}
    print(f"{'program':<11} {'mode':<16} {'median latency':>15} {'runs/s (2 workers)':>19}")
    for program, source in (("trivial", TRIVIAL), ("humaneval", HUMANEVAL)):
        for label, run in modes.items():
            n = max(runs // 3, 5) if label == "docker fresh" else runs
            figures[program, label] = (latency(run, source, n), throughput(run, source, n))
            ms, per_second = figures[program, label]
            print(f"{program:<11} {label:<16} {ms * 1000:>12.1f} ms {per_second:>19.1f}")
    for backend in opened:
        backend.close()

    print("\nratios (latency) against the issue's targets:")
    for program in ("trivial", "humaneval"):
        base = figures[program, "bare subprocess"][0]
        checks = [
            ("bwrap / bare", "bwrap", base, "<= 1.5"),
            ("docker pooled / bare", "docker pooled", base, "<= 3"),
        ]
        for name, label, denominator, target in checks:
            if (program, label) in figures:
                ratio = figures[program, label][0] / denominator
                print(f"  {program:<10} {name:<26} {ratio:6.2f}x  (target {target})")
        if (program, "docker pooled") in figures and (program, "docker fresh") in figures:
            speedup = figures[program, "docker fresh"][0] / figures[program, "docker pooled"][0]
            print(f"  {program:<10} {'docker fresh / pooled':<26} {speedup:6.2f}x  (target >= 4)")


if __name__ == "__main__":
    main()
