"""Isolation: run untrusted code with limits and report what happened."""

from sandbox.backends import BACKEND_NAMES, get_sandbox
from sandbox.base import Sandbox
from sandbox.errors import SandboxError, SandboxUnavailable, UnsafeSandboxWarning
from sandbox.model import ExecRequest, ExecResult, Limits

__all__ = [
    "BACKEND_NAMES",
    "ExecRequest",
    "ExecResult",
    "Limits",
    "Sandbox",
    "SandboxError",
    "SandboxUnavailable",
    "UnsafeSandboxWarning",
    "get_sandbox",
]
