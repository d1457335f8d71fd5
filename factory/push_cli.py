"""`factory push RUN_DIR REPO_ID`: the run's output folder (a Hub-ready dataset: README.md card,
JSONL and Parquet) uploaded to the Hugging Face Hub as a dataset repository, in one commit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import httpx2  # huggingface_hub's HTTP client: its transport errors are ours to say
import typer
from huggingface_hub import CommitOperationAdd, HfApi
from huggingface_hub.errors import HfHubHTTPError
from rich.console import Console
from rich.markup import escape

from factory import debug
from factory.card import CARD
from factory.run import OUTPUT

err = Console(stderr=True)
out = Console()
FIXES = {  # what to change when the Hub refuses with this status
    401: "set HF_TOKEN (or run `hf auth login`) to a token with write access",
    403: "use a token with write access to this namespace (HF_TOKEN)",
    404: "check REPO_ID (namespace/name) and HF_ENDPOINT",
}


def push(
    run_dir: Annotated[Path, typer.Argument(help="A run directory; its export is RUN_DIR/output.")],
    repo_id: Annotated[str, typer.Argument(help="The dataset repository: namespace/name.")],
    private: Annotated[bool, typer.Option("--private", help="Create the repository private.")] = (
        False
    ),
) -> None:
    """Upload RUN_DIR/output to the Hugging Face Hub as dataset REPO_ID (created if missing;
    the token is HF_TOKEN or your login, the Hub HF_ENDPOINT or huggingface.co)."""
    folder = run_dir / OUTPUT
    if not (folder / CARD).is_file():
        _fail(f"no export in {folder} (no {CARD}); fix: run `factory run` with --run-dir {run_dir}")
    files = sorted(path for path in folder.iterdir() if path.is_file())
    api = HfApi()
    try:
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        commit = api.create_commit(
            repo_id,
            [CommitOperationAdd(path.name, str(path)) for path in files],
            commit_message=f"reasoning-factory export ({len(files)} files)",
            repo_type="dataset",
        )
    except HfHubHTTPError as error:
        status = error.response.status_code if error.response is not None else None
        fix = FIXES.get(status or 0, "check HF_ENDPOINT and the Hub's status, then push again")
        _fail(f"the Hub at {api.endpoint} refused {repo_id}: {error}; fix: {fix}")
    except httpx2.TransportError as error:
        _fail(f"cannot reach the Hub at {api.endpoint} ({error}); fix: check HF_ENDPOINT")
    out.print(f"pushed {len(files)} files to {commit.repo_url} ({commit.oid})", highlight=False)


def _fail(message: str) -> NoReturn:
    debug.show_traceback(err)
    err.print(f"[red]error:[/red] {escape(' '.join(message.split()))}", highlight=False,
              soft_wrap=True)  # fmt: skip
    raise typer.Exit(1)
