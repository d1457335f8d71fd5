"""The default executor: each verifier runs in this process, with its own worker pool or
sandbox runs, exactly as `load_verifier` builds it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from verifiers.plugins import Verifier, load_verifier


class LocalExecutor:
    name = "local"

    def load(self, domain: str, plugin: str, options: Mapping[str, Any]) -> Verifier:
        return load_verifier(plugin, options)
