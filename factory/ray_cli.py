"""`factory ray start`: start this machine as a node of a Ray cluster for the ray executor,
advertising the `sandbox` resource only when its code sandbox judges the canary right."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sandbox import BACKEND_NAMES

ray_app = typer.Typer(help="Ray cluster nodes for the ray executor.", no_args_is_help=True)
err = Console(stderr=True)


@ray_app.command("start")
def start(
    head: Annotated[
        bool, typer.Option("--head", help="Found the cluster: this node is its head.")
    ] = False,
    address: Annotated[
        str | None,
        typer.Option("--address", help="Join the cluster whose head is at HOST:PORT."),
    ] = None,
    num_cpus: Annotated[
        int | None,
        typer.Option("--num-cpus", min=0, help="CPUs offered to batches [default: all]."),
    ] = None,
    port: Annotated[int, typer.Option("--port", help="The head's port (--head only).")] = 6379,
    backend: Annotated[
        str, typer.Option("--backend", help=f"Sandbox for code: {', '.join(BACKEND_NAMES)}.")
    ] = "auto",
    no_sandbox: Annotated[
        bool, typer.Option("--no-sandbox", help="Offer no sandbox: this node judges math only.")
    ] = False,
    block: Annotated[
        bool, typer.Option("--block", help="Stay in the foreground (containers, services).")
    ] = False,
) -> None:
    """Run `ray start` here with the `sandbox` resource (one per CPU) when a code sandbox works:
    code batches go only to such nodes; a node without one judges math only."""
    from factory.executors.ray import node_resources  # needs the optional `ray` package

    if head == (address is not None):
        err.print("error: pass exactly one of --head and --address HOST:PORT")
        raise typer.Exit(2)
    resources, reason = ({}, "--no-sandbox") if no_sandbox else node_resources(backend, num_cpus)
    if resources:
        err.print(f"this node offers {resources['sandbox']:g} sandbox slots", highlight=False)
    else:
        err.print(f"no sandbox here, math batches only: {reason}", markup=False, soft_wrap=True)
    ray = str(Path(sys.executable).parent / "ray")
    # Every node and driver authenticates with the cluster's token (~/.ray/auth_token, made
    # here on the head when missing; copy it to each node, or set RAY_AUTH_TOKEN there).
    environment = {**os.environ, "RAY_AUTH_MODE": "token"}
    if head:
        made = subprocess.run(
            [ray, "get-auth-token", "--generate"], env=environment, capture_output=True, check=False
        )
        if made.returncode:
            err.print(made.stderr.decode(errors="replace").strip(), markup=False)
            raise typer.Exit(made.returncode)
    command = [ray, "start"]
    command += ["--head", f"--port={port}"] if head else [f"--address={address}"]
    if num_cpus is not None:
        command.append(f"--num-cpus={num_cpus}")
    command.append(f"--resources={json.dumps(resources)}")
    if block:
        command.append("--block")
    raise typer.Exit(subprocess.run(command, env=environment, check=False).returncode)
