"""`factory --debug`: an error said in one line also shows the traceback behind it."""

from __future__ import annotations

import traceback

from rich.console import Console

enabled = False  # set once, by the command line's --debug, before any command runs


def show_traceback(console: Console) -> None:
    """The exception being handled, in full, when --debug asked for it."""
    if enabled:
        console.print(traceback.format_exc(), markup=False, highlight=False, end="")
