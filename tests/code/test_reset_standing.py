"""The reset between batch-mates proves the judge's surroundings unchanged: a zygote whose
limits or scheduling someone changed is seen, so the rest of the batch goes to a fresh run."""

from __future__ import annotations

import os
import resource
from collections.abc import Callable, Iterator

import pytest

from verifiers.code import harness

CHANGES: dict[str, Callable[[int], object]] = {
    "fd limit": lambda pid: resource.prlimit(pid, resource.RLIMIT_NOFILE, (64, 64)),
    "SCHED_IDLE": lambda pid: os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0)),
    "nice": lambda pid: os.setpriority(os.PRIO_PROCESS, pid, 7),
    "one CPU": lambda pid: os.sched_setaffinity(pid, {min(os.sched_getaffinity(pid))}),
}


@pytest.fixture
def zygote() -> Iterator[harness.Zygote]:
    zygote = harness.Zygote(None)  # a real zygote, confined, as this test's own user
    yield zygote
    zygote.channel.close()  # it exits when the judge's end closes
    os.waitpid(zygote.pid, 0)


def test_an_untouched_zygote_stands_as_it_was(zygote: harness.Zygote) -> None:
    assert harness._standing(zygote) == harness._standing(zygote)


@pytest.mark.parametrize("change", CHANGES)
def test_a_changed_zygote_is_seen(zygote: harness.Zygote, change: str) -> None:
    if change == "one CPU" and len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one CPU only: pinning changes nothing")
    before = harness._standing(zygote)
    CHANGES[change](zygote.pid)
    assert harness._standing(zygote) != before


PROBES = {
    # lower this test process's fd limit: refused even where the user could (root, here)
    "prlimit of another process": (
        "import os, resource\n"
        "def probe():\n"
        "    try:\n"
        f"        resource.prlimit({os.getpid()}, resource.RLIMIT_NOFILE, (64, 64))\n"
        "        return 'changed'\n"
        "    except OSError as error:\n"
        "        return error.errno\n",
        1,  # EPERM
    ),
    "a new user namespace": (
        "import ctypes\n"
        "def probe():\n"
        "    libc = ctypes.CDLL(None, use_errno=True)\n"
        "    return libc.unshare(0x10000000) or 'made', ctypes.get_errno()\n",  # CLONE_NEWUSER
        (-1, 1),
    ),
    "a thread (clone3 falls back to clone)": (
        "import threading\n"
        "def probe():\n"
        "    ran = []\n"
        "    thread = threading.Thread(target=ran.append, args=(1,))\n"
        "    thread.start()\n"
        "    thread.join()\n"
        "    return ran\n",
        [1],
    ),
}


@pytest.mark.parametrize("probe", PROBES)
def test_the_zygote_filters_what_every_worker_may_do(zygote: harness.Zygote, probe: str) -> None:
    source, expected = PROBES[probe]
    worker = harness.Worker(source, "probe", zygote, call_timeout=10)
    try:
        assert worker() == expected
    finally:
        worker.stop()
    assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] != 64
