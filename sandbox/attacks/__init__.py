"""The attack battery `factory sandbox audit` runs: each attack states what counts as contained."""

from sandbox.attacks import (
    filesystem,
    memory_split,
    network,
    privilege,
    processes,
    resources,
)
from sandbox.attacks.kit import AUDIT_LIMITS, Attack, Bait, Evidence

ATTACKS: tuple[Attack, ...] = (
    *network.ATTACKS,
    *filesystem.ATTACKS,
    *processes.ATTACKS,
    *privilege.ATTACKS,
    *resources.ATTACKS,
    *memory_split.ATTACKS,
)

__all__ = ["ATTACKS", "AUDIT_LIMITS", "Attack", "Bait", "Evidence"]
