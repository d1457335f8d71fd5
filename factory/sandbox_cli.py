"""`factory sandbox ...`: run a file in a sandbox, audit a backend's isolation, build its image."""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sandbox import ExecRequest, Limits, Sandbox, SandboxError, SandboxUnavailable, get_sandbox
from sandbox.audit import run_audit
from sandbox.backends import CHECKOUT
from sandbox.bwrap_backend import bwrap_works
from sandbox.docker_backend import DEFAULT_IMAGE, docker_answers
from sandbox.image import build_image

sandbox_app = typer.Typer(
    help="Run untrusted code in a sandbox, audit a backend's isolation, build the sandbox image.",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)

FACTORY_IMAGE = "reasoning-factory:latest"
# What the bubblewrap backend needs from the system (the judge's Python packages come from the
# project's own environment): the Debian packages `setup` installs when missing.
BWRAP_PACKAGES = ("bubblewrap", "python3")
_PATH = "/usr/local/bin:/usr/bin:/bin"  # where the sandbox finds python3


class Backend(StrEnum):
    auto = "auto"
    docker = "docker"
    bwrap = "bwrap"
    unsafe_local = "unsafe-local"


class AuditBackend(StrEnum):
    auto = "auto"
    docker = "docker"
    bwrap = "bwrap"


class Target(StrEnum):
    sandbox = "sandbox"
    factory = "factory"


JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object instead.")]


def _open(backend: str) -> Sandbox:
    """The backend, with its unavailability or unsafety said loudly on stderr."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sandbox = get_sandbox(backend)
    except SandboxUnavailable as error:
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from error
    for warning in caught:
        err.print(f"[bold red]WARNING:[/bold red] {escape(str(warning.message))}")
    return sandbox


@sandbox_app.command("run")
def run(
    file: Annotated[
        Path, typer.Argument(help="The Python file to run.", exists=True, dir_okay=False)
    ],
    backend: Annotated[Backend, typer.Option(help="Where to run it.")] = Backend.auto,
    timeout: Annotated[float, typer.Option(help="Wall-clock limit, seconds.", min=0.1)] = 10.0,
    memory: Annotated[int, typer.Option(help="Memory limit, MiB.", min=32)] = 512,
    as_json: JsonFlag = False,
) -> None:
    """Run FILE.py with python3 in a sandbox; exit with its status (124: timeout, 1: stopped)."""
    request = ExecRequest(
        command=["python3", file.name],
        files={file.name: file.read_bytes()},
        limits=Limits(timeout_seconds=timeout, memory_mb=memory),
    )
    with _open(backend.value) as sandbox:
        try:
            result = sandbox.run(request)
        except SandboxError as error:
            err.print(f"[red]error:[/red] {escape(str(error))}")
            raise typer.Exit(2) from error
    if as_json:
        out.print_json(result.model_dump_json())
    else:
        typer.echo(result.stdout, nl=False)
        typer.echo(result.stderr, nl=False, err=True)
        if result.timed_out:
            status = f"[red]timed out[/red] after {result.wall_seconds:.2f} s"
        elif result.output_truncated and result.exit_code is None:
            status = f"[red]stopped[/red]: output passed {request.limits.output_bytes} bytes"
        else:
            oom = " [red](OOM-killed)[/red]" if result.oom_killed else ""
            status = f"exit {result.exit_code}{oom} in {result.wall_seconds:.2f} s"
        err.print(f"[dim]\\[{result.backend}][/dim] {status}")
    if result.exit_code is not None:
        raise typer.Exit(result.exit_code)
    raise typer.Exit(124 if result.timed_out else 1)


@sandbox_app.command("audit")
def audit(
    backend: Annotated[AuditBackend, typer.Option(help="The backend to attack.")] = (
        AuditBackend.auto
    ),
    as_json: JsonFlag = False,
) -> None:
    """Run the attack battery against a backend; exit 1 if any attack escaped. Put it in your CI."""
    with _open(backend.value) as sandbox, err.status(f"attacking the {sandbox.name} sandbox..."):
        report = run_audit(sandbox)
    if as_json:
        out.print_json(report.model_dump_json())
    else:
        table = Table("attack", "expected", "observed", "verdict", title=f"{report.backend} audit")
        for row in report.rows:
            verdict = "[green]contained[/green]" if row.contained else "[bold red]ESCAPED[/]"
            table.add_row(row.attack, row.expected, escape(row.observed), verdict)
        out.print(table)
        contained = len(report.rows) - len(report.escaped)
        out.print(f"{contained}/{len(report.rows)} attacks contained on {report.backend}")
        if getattr(sandbox, "memory_per_run", True) is False:
            out.print(
                "memory limits bind each process alone here: no memory cgroup can be made "
                "(cgroup v2 with the memory controller delegated, or v1's memory hierarchy, "
                "writable by this user)",
                soft_wrap=True,
            )
    if report.escaped:
        raise typer.Exit(1)


def _log(line: str) -> None:
    err.print(line, markup=False, highlight=False, soft_wrap=True)


@sandbox_app.command("build-image")
def build_image_command(
    target: Annotated[Target, typer.Option(help="The Dockerfile target.")] = Target.sandbox,
    tag: Annotated[
        str | None, typer.Option(help=f"Image tag [default: {DEFAULT_IMAGE} or {FACTORY_IMAGE}]")
    ] = None,
) -> None:
    """Build the sandbox (or factory) image; where no registry answers, make a Debian base first."""
    name = tag or (DEFAULT_IMAGE if target is Target.sandbox else FACTORY_IMAGE)
    try:
        build_image(CHECKOUT, name, target.value, _log)
    except (SandboxUnavailable, SandboxError) as error:
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(1) from error
    out.print(f"built {name}")


@sandbox_app.command("setup")
def setup() -> None:
    """Make a sandbox usable: nothing to do where bubblewrap works or a Docker daemon answers
    (its image is built on first use); else, as root on Debian, apt-get install what bubblewrap
    needs (bubblewrap, python3)."""
    if bwrap_works():
        out.print("the bubblewrap sandbox works here: nothing to do")
        return
    if docker_answers():
        out.print(
            "a Docker daemon answers here (the sandbox image is built on first use): "
            "nothing to do"
        )
        return
    found = {"bubblewrap": shutil.which("bwrap"), "python3": shutil.which("python3", path=_PATH)}
    missing = [package for package in BWRAP_PACKAGES if found[package] is None]
    command = ["apt-get", "install", "-y", "-q", *(missing or ["bubblewrap"])]
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        err.print(
            f"[red]error:[/red] bubblewrap does not work here; as root on Debian run "
            f"`{' '.join(command)}` (elsewhere, install bubblewrap with the system's package "
            "manager), and check that user namespaces are enabled",
            soft_wrap=True,
        )
        raise typer.Exit(1)
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (["apt-get", "update", "-q"], command):
        err.print(f"$ {' '.join(step)}", markup=False, highlight=False)
        if subprocess.run(step, env=environment).returncode != 0:
            err.print(f"[red]error:[/red] `{' '.join(step)}` failed")
            raise typer.Exit(1)
    if not bwrap_works():
        err.print(
            "[red]error:[/red] bubblewrap is installed but cannot create namespaces here: "
            "enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) or "
            "run in a container that allows them",
            soft_wrap=True,
        )
        raise typer.Exit(1)
    out.print("the bubblewrap sandbox works")
