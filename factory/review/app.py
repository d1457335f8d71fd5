"""The review page: a small Starlette app over the open run store, serving one record at a time
from the sample and committing each decision before it answers.

Bound to 127.0.0.1 by default; it answers only requests naming it as their host (no DNS
rebinding) and takes a decision only from its own pages (a POST from another origin is refused),
and every page forbids scripts but its own (Content-Security-Policy with a nonce).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from urllib.parse import parse_qs

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from factory.html import environment
from factory.review.model import Decision
from factory.review.view import view
from factory.store import Store
from problems import Problem

MAX_FORM = 16_384  # bytes of a decision form


class Review:
    """The sample's walk: the next record is the first of the sample with no decision."""

    def __init__(self, store: Store, sample: Sequence[str], problems: dict[str, Problem]) -> None:
        self.store = store
        self.sample = list(sample)
        self.problems = problems

    def next_id(self) -> str | None:
        decided = self.store.decisions()
        return next((rid for rid in self.sample if rid not in decided), None)

    def page(self, name: str, status: int = 200, **values: object) -> Response:
        nonce = secrets.token_urlsafe(16)
        decided = self.store.decisions()
        done = sum(1 for record_id in self.sample if record_id in decided)
        html = (
            environment()
            .get_template(name)
            .render(nonce=nonce, done=done, total=len(self.sample), **values)
        )
        policy = (
            f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        )
        return HTMLResponse(html, status, headers={"Content-Security-Policy": policy})

    async def index(self, request: Request) -> Response:
        record_id = self.next_id()
        if record_id is None:
            return self.page("review_done.html")
        return RedirectResponse(f"/record/{record_id}", status_code=303)

    async def record(self, request: Request) -> Response:
        record_id = request.path_params["record_id"]
        found = self.store.records([record_id]).get(record_id)
        if found is None:
            return PlainTextResponse(f"no record {record_id} in this run", status_code=404)
        trace_id = found.provenance[0].trace_id if found.provenance else None
        trace = self.store.trace(trace_id) if trace_id else None
        shown = view(found, self.problems.get(found.problem_id), trace)
        position = self.sample.index(record_id) + 1 if record_id in self.sample else None
        return self.page(
            "review.html",
            item=shown,
            position=position,
            decision=self.store.decisions().get(record_id),
            error=request.query_params.get("error", ""),
        )

    async def decide(self, request: Request) -> Response:
        origin = request.headers.get("origin")
        if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
            return PlainTextResponse("a decision comes from this page only", status_code=403)
        record_id = request.path_params["record_id"]
        if not self.store.records([record_id]):
            return PlainTextResponse(f"no record {record_id} in this run", status_code=404)
        body = await request.body()
        if len(body) > MAX_FORM:
            return PlainTextResponse("form too large", status_code=413)
        form = {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}
        reason = form.get("reason", "").strip()
        try:
            decision = Decision.model_validate(
                {
                    "record_id": record_id,
                    "decision": form.get("decision", ""),
                    "reason": reason,
                    "decided_at": time.time(),
                }
            )
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            return PlainTextResponse(f"{field}: {first['msg']}", status_code=400)
        if decision.decision == "reject" and not reason:
            return RedirectResponse(f"/record/{record_id}?error=reason", status_code=303)
        self.store.save_decisions([decision])
        return RedirectResponse("/", status_code=303)


def create_app(
    store: Store, sample: Sequence[str], problems: dict[str, Problem], hosts: Sequence[str]
) -> Starlette:
    """The app over an open store; `hosts` are the names requests may address it by."""
    review = Review(store, sample, problems)
    return Starlette(
        routes=[
            Route("/", review.index),
            Route("/record/{record_id}", review.record, methods=["GET"]),
            Route("/record/{record_id}", review.decide, methods=["POST"]),
        ],
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts))],
    )
