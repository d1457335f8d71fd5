"""Errors a sandbox raises instead of returning a result: the run never happened as asked."""

from __future__ import annotations


class SandboxUnavailable(RuntimeError):
    """The backend cannot run here (no daemon, image or bubblewrap); the message says what to do."""


class SandboxError(RuntimeError):
    """The backend broke while running a request; the program's own failures are results instead."""


class UnsafeSandboxWarning(UserWarning):
    """Untrusted code is about to run on the host with no isolation at all."""
