"""An export appears whole: written into a staging directory beside the output, then swapped in
with one atomic exchange of the two names, so no reader (and no kill at any instant) ever meets
files of two exports side by side."""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_libc = ctypes.CDLL(None, use_errno=True)


def staging(out: Path) -> Path:
    """An empty directory to write the next export into; what an interrupted export left
    there is removed first."""
    staged = out.with_name(f".{out.name}.staging")
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    return staged


def staging_from(out: Path) -> Path:
    """A staging directory holding the current export's files, hard-linked: a command that
    rewrites only some files (each written beside and renamed over, never in place) publishes
    the rest unchanged."""
    staged = staging(out)
    if out.is_dir():
        for entry in out.iterdir():
            if entry.is_file():
                os.link(entry, staged / entry.name)
    return staged


def publish(staged: Path, out: Path) -> None:
    """Make `staged` the export at `out` in one step, and drop the export it replaces."""
    if not out.exists():
        os.rename(staged, out)
        return
    if _libc.renameat2(_AT_FDCWD, os.fsencode(staged), _AT_FDCWD, os.fsencode(out),
                       _RENAME_EXCHANGE) == 0:  # fmt: skip
        shutil.rmtree(staged)  # it holds the old export now
        return
    code = ctypes.get_errno()
    if code not in (errno.EINVAL, errno.ENOSYS):  # only a file system without exchange
        raise OSError(code, os.strerror(code), str(out))
    # Two renames: for an instant there is no export at `out`, never a mixed one.
    old = out.with_name(f".{out.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    os.rename(out, old)
    os.rename(staged, out)
    shutil.rmtree(old)
