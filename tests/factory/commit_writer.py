"""A process that writes to a run store through a group commit without end, printing each
write's number once it is acknowledged; the kill -9 test kills it mid-write.

    python -m tests.factory.commit_writer RUN_DIR START
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from factory.group_commit import GroupCommit
from factory.store import Store
from problems import MathProblem

GROUP = 400  # writers per turn of the event loop: one commit each
STATEMENT = "x" * 4000  # big rows, so most of the time goes into committing


async def write_forever(run_dir: Path, start: int) -> None:
    with Store(run_dir) as store:
        commit = GroupCommit(store)

        async def one(number: int) -> None:
            problem = MathProblem(id=f"p{number}", statement=STATEMENT, answer="1")
            await commit(lambda: store.add_problems([problem]))
            sys.stdout.write(f"{number}\n")  # acknowledged: committed

        number = start
        while True:
            await asyncio.gather(*(one(number + i) for i in range(GROUP)))
            sys.stdout.flush()
            number += GROUP


if __name__ == "__main__":
    asyncio.run(write_forever(Path(sys.argv[1]), int(sys.argv[2])))
