"""The seam between the pipeline and the machines that judge: an executor builds each domain's
verifier where it runs, so the pipeline hands batches to `verify` the same way on one machine
or many. A third executor (Slurm, say) implements `load` and is named in `open_executor`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, model_validator

from verifiers.plugins import Verifier

ExecutorName = Literal["local", "ray"]


class ExecutorSettings(BaseModel):
    """`executor:` in the run config: `local` (the default) or `ray`; `address` (ray only) is
    `auto` (RAY_ADDRESS, else the cluster `ray start` made on this machine), `ray://host:port`,
    a head's `host:port`, or none: RAY_ADDRESS when set, else a cluster started here."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ExecutorName = "local"
    address: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, data: Any) -> Any:
        """`executor: ray` is `executor: {name: ray}`."""
        return {"name": data} if isinstance(data, str) else data


class ExecutorUnavailable(RuntimeError):
    """The configured executor cannot start here: its package is missing or its cluster is out
    of reach. The message says which and the fix."""


class Executor(Protocol):
    """Builds verifier plugins that judge where this executor runs them."""

    name: str

    def load(self, domain: str, plugin: str, options: Mapping[str, Any]) -> Verifier:
        """The verifier registered as `plugin`, with `options`, for `domain`'s problems, ready
        for `verify`; its `close` releases what it holds here and where it ran."""
        ...


def open_executor(settings: ExecutorSettings) -> Executor:
    """The configured executor; `ray` needs the optional `ray` extra installed."""
    if settings.name == "ray":
        try:
            from factory.executors.ray import RayExecutor  # needs the optional `ray` package
        except ModuleNotFoundError as error:
            raise ExecutorUnavailable(
                f"the ray executor needs the {error.name} package: "
                "pip install 'reasoning-factory[ray]'"
            ) from error
        return RayExecutor(settings.address)
    from factory.executors.local import LocalExecutor

    return LocalExecutor()
