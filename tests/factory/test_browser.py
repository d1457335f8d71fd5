"""report.html and the review page in a real headless Chromium (Debian's, driven by Playwright):
the report's plots render offline with no console error; a reviewer's Reject and Accept reach
the run store, a reload resumes at the next record, and the next export leaves the rejected
record out; model-written `<script>` renders as text. One `factory run` (a local OpenAI-shaped
teacher, real verifiers, code in the bwrap sandbox) serves every test here."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, sync_playwright
from typer.testing import CliRunner

from factory.cli import app
from tests.factory.fake_openai import FakeOpenAI, Reply, completion
from tests.factory.test_run import read_jsonl, teacher, write_config
from tests.factory.transcripts import Endpoint, bundled, text, write_problems

FACTORY = [sys.executable, "-c", "from factory.cli import main; main()"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)"
)

XSS = "<script>alert(1)</script>"
XSS_PROBLEM = "math/arithmetic-02"
HOSTILE_TOPIC = "<img src=x onerror=alert(3)>"
PLAN = {
    "math/arithmetic-01": ["wrong", "right"],
    "math/arithmetic-03": ["right"],
    "math/arithmetic-04": ["noanswer", "right"],
    "code/two-sum-sorted": ["broken", "right"],
}


class Teacher(Endpoint):
    """The scripted endpoint, with a solution to XSS_PROBLEM that carries markup."""

    def __call__(self, body: dict[str, Any]) -> Reply:
        problem = self.problem_of(body)
        if problem.id != XSS_PROBLEM:
            return super().__call__(body)
        solution = f"{XSS}\n{text(problem, 'right')}"
        return Reply(body=completion(solution, reasoning=f"thinking {XSS}"))


@dataclass
class Run:
    config: Path
    run_dir: Path
    shots: Path  # screenshots: docs/report.png and docs/review.png are taken here

    @property
    def out(self) -> Path:
        return self.run_dir / "output"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """One run whose teacher stays up (a rerun checks it is there before exporting again)."""
    tmp_path = tmp_path_factory.mktemp("browser")
    problems = [
        p.model_copy(update={"topic": HOSTILE_TOPIC}) if p.id == XSS_PROBLEM else p
        for p in bundled(*PLAN, XSS_PROBLEM)
    ]
    write_problems(tmp_path / "problems.jsonl", problems)
    with FakeOpenAI(Teacher(problems, PLAN)) as server:
        config = write_config(tmp_path, teachers=[teacher(server)])
        result = CliRunner().invoke(app, ["run", "--config", str(config)])
        assert result.exit_code == 0, result.output
        yield Run(config, tmp_path / "run", tmp_path)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@dataclass
class Watched:
    """A page and everything it said that a clean page never says."""

    page: Page
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    seen = Watched(page)
    page.on("console", seen.console)
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.on("dialog", seen.dialog)
    page.on("request", lambda request: seen.requests.append(request.url))
    yield seen
    context.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def review(run: Run) -> Iterator[Server]:
    """`factory review RUN_DIR --sample 1` in its own process, as a user starts it."""
    port = free_port()
    process = subprocess.Popen(
        [*FACTORY, "review", str(run.run_dir), "--sample", "1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    server = Server(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 30
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            break
        assert process.poll() is None, process.communicate()[0].decode()
        assert time.monotonic() < deadline, "factory review did not listen within 30 s"
        time.sleep(0.1)
    yield server
    server.stop()


def stored_decisions(run_dir: Path) -> dict[str, tuple[str, str]]:
    """The decisions table as it is on disk, read beside the server that holds the store."""
    with contextlib.closing(
        sqlite3.connect(f"file:{run_dir / 'run.sqlite'}?mode=ro", uri=True)
    ) as db:
        rows = db.execute("SELECT record_id, decision, reason FROM decisions")
        return {record_id: (decision, reason) for record_id, decision, reason in rows}


def record_of(run: Run, problem_id: str) -> str:
    rows = read_jsonl(run.out / "sft.jsonl") + read_jsonl(run.out / "rejected.jsonl")
    return str(next(row["id"] for row in rows if row["problem_id"] == problem_id))


def test_the_report_opens_offline_and_every_plot_renders(run: Run, watched: Watched) -> None:
    page = watched.page
    page.goto((run.out / "report.html").as_uri())
    plots = page.locator("svg.plot")
    assert plots.count() >= 10  # funnels, pass rates, reasons, times, tokens
    for index in range(plots.count()):
        plot = plots.nth(index)
        box = plot.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 10
        bars = plot.locator("rect")
        assert bars.count() >= 1
        assert all(bars.nth(i).bounding_box() is not None for i in range(bars.count()))
    body = page.locator("body").inner_text()
    assert "funnel: code" in body and "funnel: math" in body
    assert HOSTILE_TOPIC[:18] in body  # a problem's topic (its label, cut) is text, not markup
    assert page.locator("img").count() == 0
    assert watched.errors == [] and watched.dialogs == []
    assert all(url.startswith("file:") for url in watched.requests), watched.requests
    page.screenshot(path=run.shots / "report.png", full_page=True)


def test_model_written_markup_renders_as_text(run: Run, review: Server, watched: Watched) -> None:
    page = watched.page
    page.goto(f"{review.url}/record/{record_of(run, XSS_PROBLEM)}")
    assert XSS in page.locator("#steps").inner_text()
    assert f"thinking {XSS}" in page.locator("#reasoning").inner_text()
    assert HOSTILE_TOPIC in page.locator("body").inner_text()
    assert page.locator("script").count() == 1  # the page's own shortcuts, nothing else
    assert page.locator("img").count() == 0
    assert watched.errors == [] and watched.dialogs == []


def post(url: str, form: dict[str, str], headers: dict[str, str]) -> int:
    """The status of a form POST, redirects not followed."""
    request = urllib.request.Request(url, urlencode(form).encode(), headers, method="POST")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_the_review_takes_decisions_from_its_own_pages_only(run: Run, review: Server) -> None:
    url = f"{review.url}/record/{record_of(run, XSS_PROBLEM)}"
    accept = {"decision": "accept"}
    assert post(url, accept, {"Origin": "http://evil.example"}) == 403  # another site's form
    assert post(url, accept, {"Host": "evil.example"}) == 400  # a rebound DNS name
    assert post(url, {"decision": "maybe"}, {}) == 400
    assert post(url, {"decision": "reject", "reason": " "}, {}) == 303  # back: reason needed
    assert post(f"{review.url}/record/nope", accept, {}) == 404
    assert stored_decisions(run.run_dir) == {}


def test_decisions_are_stored_resumed_and_honoured_by_the_next_export(
    run: Run, review: Server, watched: Watched
) -> None:
    page = watched.page
    page.goto(review.url)
    first = page.locator("#record-id").inner_text()
    page.screenshot(path=run.shots / "review.png", full_page=False)
    page.fill("#reason", "the second step does not follow")
    page.click("#reject")
    second = page.locator("#record-id").inner_text()
    assert second != first
    page.click("#accept")
    third = page.locator("#record-id").inner_text()
    assert stored_decisions(run.run_dir) == {
        first: ("reject", "the second step does not follow"),
        second: ("accept", ""),
    }
    page.reload()
    assert page.locator("#record-id").inner_text() == third
    page.goto(review.url)  # a new visit starts where the review stopped
    assert page.locator("#record-id").inner_text() == third
    assert "2 / " in page.locator("#progress").inner_text()
    assert watched.errors == [] and watched.dialogs == []

    review.stop()  # the review holds the run directory; the next run takes it
    # In its own process: Playwright's event loop owns this thread, and `factory run` starts one.
    rerun = subprocess.run([*FACTORY, "run", "--config", str(run.config)], capture_output=True)
    assert rerun.returncode == 0, rerun.stderr.decode()
    exported = {
        row["id"]
        for name in ("sft", "rejected", "preferences")
        for row in read_jsonl(run.out / f"{name}.jsonl")
    }
    assert first not in exported and second in exported
    filtered = read_jsonl(run.out / "filtered.jsonl")
    assert first in {row["id"] for row in filtered}
    assert {row["reason"] for row in filtered} == {"review"}
    page.goto((run.out / "report.html").as_uri())
    assert "agreed with the verifier on 1/2 (50%)" in page.locator("body").inner_text()
    assert json.loads((run.out / "stats.json").read_text())["records"]["filtered"] == len(filtered)
