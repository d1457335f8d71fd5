"""`factory run` at scale: generated math and code problems against a local fake endpoint.

For each size, a fresh `factory run` (in a process of its own, so its memory is its own) goes
through the whole pipeline (OpenAI client, run store, parse, the real verifiers, export), then
the same command again on the finished run directory (the resume: every answer from the store).
The endpoint runs in another process, answering after `--latency` seconds: math problems are
`a + b * c` sums, answered with two steps (sample 0 of every tenth one wrong in its final
answer); code problems ask for `shift(x)` returning x plus a constant, answered with the
reference program. Prompts repeat as random draws do, so shared requests are exercised too.

Printed per size: wall, judged traces/s, CPU seconds and peak RSS of the run's process tree
(RSS sampled every 0.1 s: the main process, verifier workers, sandboxes), store size, export
and resume seconds, the endpoint's count of paid requests against the store's committed
responses, distinct row ids, and the busy seconds of every stage.

    .venv/bin/python benchmarks/scale.py --math 1000 10000 --code 1000
    .venv/bin/python benchmarks/scale.py --math 100000 --code   # 100k math, no code
    .venv/bin/python benchmarks/scale.py --math 1000 --code --compare /path/to/other/checkout

`--compare DIR` runs every size with DIR's factory code too (on PYTHONPATH), just before ours,
for a side-by-side figure on the same loaded machine.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from problems import AssertTests, CodeProblem, CodeTests, MathProblem, Problem
from tests.factory.fake_openai import FakeOpenAI, Reply, completion

FACTORY = Path(sys.executable).parent / "factory"
MATH = re.compile(r"Compute (\d+) \+ (\d+) \\cdot (\d+)\.")
CODE = re.compile(r"returns `x` plus (\d+)\.")
PAGE = os.sysconf("SC_PAGE_SIZE")


def math_problems(count: int, seed: int) -> Iterator[Problem]:
    draw = random.Random(seed)
    for index in range(count):
        a, b, c = draw.randint(2, 999), draw.randint(2, 99), draw.randint(2, 99)
        yield MathProblem(
            id=f"scale/math-{index}",
            statement=f"Compute {a} + {b} \\cdot {c}.",
            answer=str(a + b * c),
            source="scale-benchmark",
        )


def code_problems(count: int, seed: int) -> Iterator[Problem]:
    draw = random.Random(seed)
    for index in range(count):
        k = draw.randint(1, 10**6)
        checks = "".join(f"assert shift({x}) == {x + k}\n" for x in (0, 1, -7, 12345))
        yield CodeProblem(
            id=f"scale/code-{index}",
            statement=f"Write `shift(x)` that returns `x` plus {k}.",
            source="scale-benchmark",
            entry_point="shift",
            starter_code=f'def shift(x: int) -> int:\n    """Return x plus {k}."""\n',
            tests=CodeTests(asserts=AssertTests(style="asserts", code=checks)),
            reference_solution=f"def shift(x: int) -> int:\n    return x + {k}\n",
        )


def reply_text(prompt: str, seed: int) -> str:
    if found := MATH.search(prompt):
        a, b, c = (int(group) for group in found.groups())
        answer = a + b * c + (1 if a % 10 == 0 and seed == 0 else 0)
        return (
            f"1. $${b} \\cdot {c} = {b * c}$$\n2. $${a} + {b * c} = {a + b * c}$$\n"
            f"\\boxed{{{answer}}}"
        )
    found = CODE.search(prompt)
    assert found, prompt[:200]
    program = f"def shift(x: int) -> int:\n    return x + {found.group(1)}\n"
    return f"Add the constant.\n\n```python\n{program}```\n"


def serve(latency: float, conn: Connection) -> None:
    """The endpoint, in a process of its own; answers `count` with the requests answered."""
    answered = 0
    lock = threading.Lock()

    def respond(body: dict[str, Any]) -> Reply:
        nonlocal answered
        text = reply_text(body["messages"][-1]["content"], int(body.get("seed", 0)))
        with lock:
            answered += 1
        return Reply(body=completion(text, completion_tokens=len(text) // 4), delay=latency)

    with FakeOpenAI(respond) as server:
        conn.send(server.url)
        while conn.recv() == "count":
            with lock:
                conn.send(answered)
                answered = 0


TICK = os.sysconf("SC_CLK_TCK")


def tree_rss(root: int) -> tuple[int, int, int, float]:
    """Resident bytes of `root` and all its descendants, and of `root` alone; the tree's
    proportional set size (a page shared by n processes, as forked workers share their host's,
    counts 1/n in each, so it is counted once); and `root`'s own CPU seconds; from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree = {root}
    grew = True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    sizes = {}
    pss = 0
    for pid in tree:
        try:
            sizes[pid] = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1]) * 1024
        except OSError:
            continue
    try:
        fields = Path(f"/proc/{root}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
    except OSError:
        cpu = 0.0
    return sum(sizes.values()), sizes.get(root, 0), pss, cpu


@dataclass
class Measured:
    wall: float
    cpu: float  # seconds, the whole process tree (telling more than wall on a loaded machine)
    main_cpu: float  # seconds, the main process alone (sampled every 0.1 s: the last sample)
    peak: int  # bytes, the tree's peak RSS
    main: int  # bytes, the main process's peak RSS
    pss: int  # bytes, the tree's peak proportional set size


def measured(command: list[str], cwd: Path, source: Path | None) -> Measured:
    """Run `command` (with `source` first on the path) and measure it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    log = (cwd / "run.log").open("a")
    env = os.environ | ({"PYTHONPATH": str(source)} if source else {})
    process = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=log, env=env)
    peak = main = pss = 0
    main_cpu = 0.0
    while process.poll() is None:
        tree, alone, proportional, cpu = tree_rss(process.pid)
        peak, main, pss = max(peak, tree), max(main, alone), max(pss, proportional)
        main_cpu = max(main_cpu, cpu)
        time.sleep(0.1)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    log.close()
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{(cwd / 'run.log').read_text()[-3000:]}")
    return Measured(wall, cpu, main_cpu, peak, main, pss)


def config(work: Path, url: str, args: argparse.Namespace) -> Path:
    settings = {
        "problems": ["problems.jsonl"],
        "k": args.k,
        "budget": args.budget,
        "run_dir": "run",
        "teachers": [
            {
                "name": "fake",
                "model": "fake-model",
                "base_url": url,
                "api_key": "none",
                "concurrency": args.concurrency,
                "sampling": {"seed": 0},
            }
        ],
        "verifiers": {"code": {"options": {"backend": args.backend}}},
        "inject": {"enabled": args.inject},
        "gates": {"enabled": args.gates},
    }
    path = work / "factory.yaml"
    path.write_text(json.dumps(settings), encoding="utf-8")
    return path


def row_ids(out: Path) -> tuple[int, int]:
    """Rows and distinct ids over the exported trace and preference files."""
    ids = [
        json.loads(line)["id"]
        for name in ("sft", "rejected", "preferences")
        for line in (out / f"{name}.jsonl").open(encoding="utf-8")
    ]
    return len(ids), len(set(ids))


def one_size(
    domain: str,
    size: int,
    ours: Connection,
    args: argparse.Namespace,
    url: str,
    source: Path | None,
) -> None:
    with tempfile.TemporaryDirectory(prefix=f"scale-{domain}-{size}-") as name:
        work = Path(name)
        generate = math_problems if domain == "math" else code_problems
        with (work / "problems.jsonl").open("w", encoding="utf-8") as lines:
            for problem in generate(size, args.seed):
                lines.write(problem.model_dump_json(exclude_none=True) + "\n")
        command = [str(FACTORY), "run", "--config", str(config(work, url, args))]
        run = measured(command, work, source)
        stats = json.loads((work / "run/output/stats.json").read_text())
        ours.send("count")
        paid = ours.recv()
        resume = measured(command, work, source)
        again = json.loads((work / "run/output/stats.json").read_text())
        ours.send("count")
        paid_on_resume = ours.recv()
        store = work / "run/run.sqlite"
        size_mb = sum(p.stat().st_size for p in store.parent.glob("run.sqlite*")) / 1e6
        with closing(sqlite3.connect(store)) as db:
            responses = db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
        rows, distinct = row_ids(work / "run/output")

    stages = {s["stage"]: s["seconds"] for s in stats["stages"]}
    resumed = {s["stage"]: s["seconds"] for s in again["stages"]}
    traces = stats["tally"]["traces"]
    passed = stats["tally"]["passed"]
    per_trace = 1000 / traces
    print(
        f"{source or 'this checkout'}: {domain} {size}: {traces} traces ({passed} verified) "
        f"in {run.wall:.1f} s = {traces / run.wall:.1f} traces/s; CPU {run.cpu:.1f} s = "
        f"{run.cpu * per_trace:.2f} ms/trace (main process {run.main_cpu * per_trace:.2f}, "
        f"workers and sandboxes {(run.cpu - run.main_cpu) * per_trace:.2f}); "
        f"peak RSS {run.peak / 1e6:.0f} MB (main process {run.main / 1e6:.0f} MB), "
        f"peak PSS {run.pss / 1e6:.0f} MB; store {size_mb:.1f} MB; export {stages['export']:.2f} s"
    )
    print(
        f"  resume: {resume.wall:.1f} s wall, {resume.cpu:.1f} CPU s "
        f"(export {resumed['export']:.2f} s), peak RSS {resume.peak / 1e6:.0f} MB, "
        f"peak PSS {resume.pss / 1e6:.0f} MB, {paid_on_resume} requests paid"
    )
    print(
        f"  paid requests {paid} = committed responses {responses}: {paid == responses}; "
        f"rows {rows}, distinct ids {distinct}"
    )
    print("  busy seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--math", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--code", type=int, nargs="*", default=[1000, 5000])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight")
    parser.add_argument("--k", type=int, default=1, help="verified traces wanted per problem")
    parser.add_argument("--budget", type=int, default=2, help="traces per problem at most")
    parser.add_argument("--backend", default="bwrap", help="sandbox (bwrap keeps it in the tree)")
    parser.add_argument("--inject", action="store_true", help="run the inject stage too")
    parser.add_argument(
        "--gates", action="store_true", help="run the quality gates too (benchmarks/gates.py)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compare", type=Path, help="another checkout to run side by side")
    args = parser.parse_args()

    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(args.latency, theirs), daemon=True)
    server.start()
    url = ours.recv()
    print(
        f"latency {args.latency} s, concurrency {args.concurrency}, k={args.k}, "
        f"budget={args.budget}, {os.cpu_count()} cores, inject {'on' if args.inject else 'off'}, "
        f"gates {'on' if args.gates else 'off'}"
    )
    sources = [args.compare.resolve(), None] if args.compare else [None]
    for domain, sizes in (("math", args.math), ("code", args.code)):
        for size in sizes:
            for source in sources:
                one_size(domain, size, ours, args, url, source)
    ours.send("stop")
    server.join(5)


if __name__ == "__main__":
    main()
