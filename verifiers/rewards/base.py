"""What every reward function shares: TRL's calling convention, its name for TRL's logs, and the
rule that a completion the verifiers could not judge never gets a silent 0."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

from verifiers.rewards.service import RewardService, RewardUnavailable, shared_service

OnError = Literal["none", "raise"]
_log = logging.getLogger("verifiers.rewards")


def column(columns: dict[str, Any], name: str, size: int) -> list[Any]:
    """A dataset column as TRL passes it (one value per completion), or Nones when absent."""
    values = columns.get(name)
    if values is None:
        return [None] * size
    values = list(values)
    if len(values) != size:
        raise ValueError(f"column {name!r} has {len(values)} values for {size} completions")
    return values


class Reward:
    """A reward function object: `__name__` is what TRL logs it as; `service=None` shares the
    process's service. `on_error='none'` gives an unjudged completion None (TRL then leaves it
    out of the group's baseline and gives it no advantage); 'raise' raises RewardUnavailable."""

    name = "reward"

    def __init__(self, *, on_error: OnError = "none", service: RewardService | None = None):
        self.__name__ = self.name
        self.on_error = on_error
        self._service = service

    @property
    def service(self) -> RewardService:
        return self._service or shared_service()

    def unjudged(self, reasons: Sequence[str]) -> None:
        """Count completions that got no verdict, then raise or let them be None."""
        for reason in reasons:
            self.service.unjudged(reason.splitlines()[0][:120] if reason else "unknown")
        _log.warning("%s: %d completions not judged: %s", self.name, len(reasons), reasons[0])
        if self.on_error == "raise":
            raise RewardUnavailable(f"{self.name}: {len(reasons)} not judged: {reasons[0]}")
