"""Building the sandbox image, on a Debian base made here (debootstrap) if no registry answers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import docker
from docker.errors import APIError, DockerException, ImageNotFound
from requests.exceptions import RequestException

from sandbox.errors import SandboxError, SandboxUnavailable

OFFICIAL_BASE = "python:3.11-slim"
LOCAL_BASE_REPOSITORY = "reasoning-factory-base"
# Everything the sandbox target needs comes from Debian, so its build never needs PyPI;
# python3-venv lets the factory target build from the same base.
DEBIAN_PACKAGES = ("python3", "python3-pytest", "python3-hypothesis", "python3-venv")
_DEFAULT_MIRROR = "http://deb.debian.org/debian"

Log = Callable[[str], None]


def build_image(context: Path, tag: str, target: str, log: Log) -> str:
    """Build `target` of the Dockerfile in `context`, tagged `tag`, on the best base available."""
    if not (context / "Dockerfile").is_file():
        raise SandboxUnavailable(f"no Dockerfile in {context}: run this from a source checkout")
    try:
        client = docker.from_env(timeout=900)
        client.ping()
    except (DockerException, RequestException) as error:
        raise SandboxUnavailable(f"no Docker daemon answers: {error}") from error
    base = _official_base(client, log) or _local_base(client, log)
    log(f"building target '{target}' as {tag} from {base}")
    for chunk in client.api.build(
        path=str(context),
        target=target,
        tag=tag,
        buildargs={"BASE": base},
        rm=True,
        forcerm=True,
        decode=True,
    ):
        if "error" in chunk:
            raise SandboxError(f"docker build failed: {chunk['error']}")
        line = str(chunk.get("stream", "")).rstrip()
        if line:
            log(line)
    return tag


def image_exists(tag: str) -> bool:
    """Whether the Docker daemon has `tag` (False when no daemon answers)."""
    try:
        client = docker.from_env(timeout=10)
        try:
            client.images.get(tag)
        finally:
            client.close()
    except (DockerException, RequestException):  # ImageNotFound is one
        return False
    return True


def _official_base(client: docker.DockerClient, log: Log) -> str | None:
    try:
        client.images.get(OFFICIAL_BASE)
        return OFFICIAL_BASE
    except ImageNotFound:
        pass
    repository, _, tag = OFFICIAL_BASE.partition(":")
    try:
        client.images.pull(repository, tag=tag)
    except (APIError, RequestException) as error:
        log(f"{OFFICIAL_BASE} cannot be pulled ({_first_line(error)}); using a local Debian base")
        return None
    return OFFICIAL_BASE


def _local_base(client: docker.DockerClient, log: Log) -> str:
    mirror, suite = debian_source()
    base = f"{LOCAL_BASE_REPOSITORY}:{suite}"
    try:
        client.images.get(base)
        log(f"reusing the local Debian base {base}")
        return base
    except ImageNotFound:
        pass
    if os.geteuid() != 0 or shutil.which("debootstrap") is None:
        raise SandboxUnavailable(
            f"no registry answers and {base} does not exist: making it needs root and debootstrap "
            "(apt-get install debootstrap)"
        )
    with tempfile.TemporaryDirectory(prefix="factory-base-", dir="/var/tmp") as scratch:
        rootfs = Path(scratch, "rootfs")
        log(f"debootstrap {suite} from {mirror} (a minute or two)")
        _check(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(DEBIAN_PACKAGES)}",
                suite,
                str(rootfs),
                mirror,
            ]
        )
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for entry in (rootfs / cache).glob("*"):
                if entry.is_file():
                    entry.unlink()
        archive = Path(scratch, "rootfs.tar")
        _check(["tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(archive), "."])
        log(f"importing {base}")
        client.api.import_image(src=str(archive), repository=LOCAL_BASE_REPOSITORY, tag=suite)
    return base


def debian_source() -> tuple[str, str]:
    """(mirror, suite) of this host's main Debian archive, as apt is configured to reach it."""
    suite = _os_release().get("VERSION_CODENAME") or "bookworm"
    sources = Path("/etc/apt")
    files = [sources / "sources.list", *sorted((sources / "sources.list.d").glob("*"))]
    for path in files:
        try:
            text = path.read_text()
        except OSError:
            continue
        uri = _deb822_uri(text, suite) if path.suffix == ".sources" else _one_line_uri(text, suite)
        if uri:
            return uri, suite
    return _DEFAULT_MIRROR, suite


def _deb822_uri(text: str, suite: str) -> str | None:
    for stanza in re.split(r"\n\s*\n", text):
        fields = dict(
            (key.strip().lower(), value.strip())
            for key, _, value in (line.partition(":") for line in stanza.splitlines())
            if not key.startswith("#") and value
        )
        if "deb" in fields.get("types", "").split() and suite in fields.get("suites", "").split():
            return fields.get("uris", "").split()[0] if fields.get("uris") else None
    return None


def _one_line_uri(text: str, suite: str) -> str | None:
    for line in text.splitlines():
        words = re.sub(r"\[[^\]]*\]", "", line).split()
        if len(words) >= 3 and words[0] == "deb" and words[2] == suite:
            return words[1]
    return None


def _os_release() -> dict[str, str]:
    try:
        lines = Path("/etc/os-release").read_text().splitlines()
    except OSError:
        return {}
    return {
        key: value.strip('"') for key, _, value in (line.partition("=") for line in lines) if value
    }


def _check(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise SandboxError(f"{argv[0]} failed ({done.returncode}): {done.stderr[-2000:]}")


def _first_line(error: Exception) -> str:
    text = str(getattr(error, "explanation", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
