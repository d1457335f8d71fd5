"""A Hugging Face Hub on localhost, speaking the part of its HTTP API `huggingface_hub` uses to
create a dataset repository and commit files to it (HF_ENDPOINT points the client here): what
a push sent is in `repos[repo_id]`, file name -> bytes. `refuse` makes every call answer with
that status, as the Hub does for a bad token."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

import yaml

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class FakeHub:
    def __init__(self) -> None:
        self.repos: dict[str, dict[str, bytes]] = {}
        self.private: dict[str, bool] = {}
        self.refuse: int | None = None
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if hub.refuse is not None:
                    self._send(hub.refuse, {"error": "Invalid credentials in Authorization header"})
                    return
                path = self.path.split("?")[0]
                if path == "/api/repos/create":
                    asked = json.loads(body)
                    repo_id = f"{asked['organization']}/{asked['name']}"
                    hub.repos.setdefault(repo_id, {})
                    hub.private[repo_id] = asked.get("visibility") == "private"
                    self._send(200, {"url": f"{hub.url}/datasets/{repo_id}", "name": repo_id})
                elif path == "/api/validate-yaml":
                    self._validate(json.loads(body)["content"])
                elif "/preupload/" in path:
                    files = json.loads(body)["files"]
                    self._send(200, {"files": [
                        {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                        for f in files
                    ]})  # fmt: skip
                elif "/commit/" in path:
                    repo_id = path.removeprefix("/api/datasets/").split("/commit/")[0]
                    self._commit(repo_id, body)
                else:
                    self._send(404, {"error": f"no route {path}"})

            def _validate(self, content: str) -> None:
                front = content.split("---\n")[1] if content.startswith("---\n") else ""
                try:
                    yaml.safe_load(front)
                except yaml.YAMLError as error:
                    self._send(400, {"error": f"invalid YAML: {error}"})
                    return
                self._send(200, {"errors": [], "warnings": []})

            def _commit(self, repo_id: str, body: bytes) -> None:
                if repo_id not in hub.repos:
                    self._send(404, {"error": f"Repository not found: {repo_id}"})
                    return
                for line in body.decode().splitlines():
                    item = json.loads(line)
                    if item["key"] == "file":
                        value = item["value"]
                        hub.repos[repo_id][value["path"]] = base64.b64decode(value["content"])
                self._send(200, {"commitUrl": f"{hub.url}/datasets/{repo_id}/commit/{COMMIT}",
                                 "commitOid": COMMIT})  # fmt: skip

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
