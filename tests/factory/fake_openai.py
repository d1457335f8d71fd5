"""A real local HTTP server speaking OpenAI's chat-completions protocol, with scripted faults.

Tests point the real `openai` client (or `factory run`) at `server.url`; `respond` decides every
answer, so 429s with Retry-After, 500s, slow replies, truncated JSON and empty choices are all
plain data. Every request body received is kept in `server.requests`, its arrival time
(`time.monotonic()`) in `server.arrivals`, and the most requests ever awaiting an answer at once
in `server.max_in_flight`.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from factory.teachers.openai_teacher import PREFLIGHT_PROMPT


@dataclass
class Reply:
    status: int = 200
    # a str is sent as is (broken JSON), bytes too (broken UTF-8)
    body: dict[str, Any] | str | bytes = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering


def completion(
    *texts: str,
    reasoning: str | None = None,
    model: str = "fake-model",
    prompt_tokens: int = 10,
    completion_tokens: int = 20,
) -> dict[str, Any]:
    """A well-formed chat.completion body with one choice per text."""
    choices = []
    for index, text in enumerate(texts):
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if reasoning is not None:
            message["reasoning_content"] = reasoning
        choices.append({"index": index, "message": message, "finish_reason": "stop"})
    return {
        "id": f"chatcmpl-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": choices,
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the stdlib's 5 resets connections when dozens open at once

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a run stopping) is no server fault worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeOpenAI:
    def __init__(self, respond: Callable[[dict[str, Any]], Reply]) -> None:
        self.respond = respond
        self.requests: list[dict[str, Any]] = []
        self.arrivals: list[float] = []
        self.in_flight = 0
        self.max_in_flight = 0
        # The answer to the one-token check request before a run (not in `requests`); tests
        # replace it to refuse the key or the model.
        self.check = Reply(body=completion("OK"))
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle on, the body waits for the
            # client's delayed ACK of the headers: 40 ms added to every reply.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                if body.get("messages") == [{"role": "user", "content": PREFLIGHT_PROMPT}]:
                    with server._lock:
                        server.in_flight += 1
                    self._send(server.check)
                    return
                with server._lock:
                    server.requests.append(body)
                    server.arrivals.append(time.monotonic())
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                if not self.path.endswith("/chat/completions"):
                    self._send(Reply(status=404, body={"error": {"message": "not found"}}))
                    return
                self._send(server.respond(body))

            def _send(self, reply: Reply) -> None:
                time.sleep(reply.delay)
                with server._lock:  # answered from here on: the client may send its next request
                    server.in_flight -= 1
                body = reply.body
                data = (
                    body
                    if isinstance(body, bytes)
                    else (body if isinstance(body, str) else json.dumps(body)).encode()
                )
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout); that is the point of a slow reply

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )  # a short poll makes `shutdown` quick: tests start many servers

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
