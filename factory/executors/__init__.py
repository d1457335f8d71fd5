"""Where verification runs: in this process's worker pools (`local`) or across a Ray cluster."""

from factory.executors.base import (
    Executor,
    ExecutorSettings,
    ExecutorUnavailable,
    open_executor,
)

__all__ = ["Executor", "ExecutorSettings", "ExecutorUnavailable", "open_executor"]
