"""The judge's report reaches the host intact or not at all: a candidate that writes into the
stream the judge reports on makes its run's report rejected, its batch-mates are judged again
alone, and it fails itself; the command never crashes and writes every row."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from factory.cli import app
from sandbox import ExecRequest, ExecResult, Sandbox
from tests.code.counting import CountingSandbox
from verifiers.code.audit import PROBLEM as ADD
from verifiers.code.audit import RIGHT, SPLICERS, WRONG
from verifiers.code.report import Rejected, read_report
from verifiers.code.verify import verify_many


def _batch(sandbox: Sandbox, forger: str) -> tuple[list[str], CountingSandbox]:
    counting = CountingSandbox(sandbox)
    programs = [RIGHT, WRONG, RIGHT, forger]
    verdicts = verify_many([(ADD, program) for program in programs], counting, workers=1)
    return [verdict.status for verdict in verdicts], counting


def test_a_candidate_splicing_malformed_json_into_the_report_fails_alone(sandbox: Sandbox) -> None:
    statuses, counting = _batch(sandbox, SPLICERS["malformed JSON"])
    assert statuses == ["pass", "fail", "pass", "fail"]
    assert counting.batches[0] == 4


def test_a_candidate_splicing_a_forged_report_fails_alone(sandbox: Sandbox) -> None:
    statuses, counting = _batch(sandbox, SPLICERS["a whole forged report"])
    assert statuses == ["pass", "fail", "pass", "fail"]
    assert counting.batches[0] == 4


class Tampering(Sandbox):
    """A real backend, with `tamper` applied to the stdout of every run that judges `marked`:
    what a process that candidate left behind could do to the stream, on every try."""

    def __init__(self, inner: Sandbox, marked: str, tamper: Callable[[str], str]) -> None:
        self.inner, self.name = inner, inner.name
        self.marked, self.tamper = marked, tamper
        self.batches: list[int] = []

    def run(self, request: ExecRequest) -> ExecResult:
        result = self.inner.run(request)
        candidates = json.loads(request.stdin).get("candidates", [])
        self.batches.append(len(candidates))
        if any(candidate["source"] == self.marked for candidate in candidates):
            return result.model_copy(update={"stdout": self.tamper(result.stdout)})
        return result


MARKED = RIGHT + "# marked\n"  # right, so only the tampering can fail it
TAMPERINGS: dict[str, Callable[[str], str]] = {
    "malformed JSON in the middle": lambda out: out[:20] + '"status": "passed"}' + out[20:],
    "a forged report instead": lambda out: _frames(b'{"judged": []}', "a guessed token"),
    "a byte after the report": lambda out: out + "\n",
}


@pytest.mark.parametrize("name", sorted(TAMPERINGS))
def test_a_rejected_report_is_no_verdict_and_its_candidate_fails_alone(
    sandbox: Sandbox, name: str
) -> None:
    tampering = Tampering(sandbox, MARKED, TAMPERINGS[name])
    programs = [RIGHT, WRONG, MARKED, RIGHT]
    verdicts = verify_many([(ADD, program) for program in programs], tampering, workers=1)
    assert [v.status for v in verdicts] == ["pass", "fail", "fail", "pass"]
    assert tampering.batches == [4, 1, 1, 1, 1]  # the batch, then each alone
    assert [(e.check, e.outcome) for e in verdicts[2].evidence] == [("harness", "tampering")]


def test_verify_code_writes_every_row_when_a_candidate_splices_the_report(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    rows = [
        {"id": f"{index}", "problem": {"domain": "code", **ADD.model_dump()}, "completion": p}
        for index, p in enumerate([RIGHT, *SPLICERS.values(), WRONG])
    ]
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    result = CliRunner().invoke(
        app, ["verify", "code", str(source), "-o", str(target), "--backend", sandbox.name]
    )
    assert result.exit_code == 0, result.output
    written = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [(row["id"], row["status"]) for row in written] == [
        ("0", "pass"),
        ("1", "fail"),
        ("2", "fail"),
        ("3", "fail"),
    ]


# The stream's rule, without a sandbox: exactly the judge's two frames, under its MAC.


def _frames(body: bytes, token: str) -> str:
    first = b"%08x" % len(body) + body
    mac = hmac.new(token.encode(), first, hashlib.sha256).hexdigest().encode()
    return (first + b"%08x" % len(mac) + mac).decode()


TOKEN = "a per-run token"
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)
REPORTS = st.dictionaries(st.text(max_size=5), JSON, max_size=4).map(
    lambda report: (report, json.dumps(report))
)


@given(REPORTS)
def test_the_judges_report_reads_back(report: tuple[dict[str, object], str]) -> None:
    value, text = report
    assert read_report(_frames(text.encode(), TOKEN), TOKEN) == value


@given(REPORTS, st.data())
def test_any_byte_added_removed_or_changed_rejects_the_report(
    report: tuple[dict[str, object], str], data: st.DataObject
) -> None:
    stream = _frames(report[1].encode(), TOKEN)
    at = data.draw(st.integers(0, len(stream) - 1))
    text = st.text(st.characters(codec="ascii"), min_size=1, max_size=40)
    tampered = data.draw(
        st.sampled_from(
            [
                stream[:at] + data.draw(text) + stream[at:],
                stream[:at] + stream[at + data.draw(st.integers(1, len(stream) - at)) :],
                stream[:at]
                + chr(ord(stream[at]) ^ data.draw(st.integers(1, 127)))
                + stream[at + 1 :],
            ]
        )
    )
    assert tampered == "" or isinstance(read_report(tampered, TOKEN), Rejected)


@pytest.mark.parametrize(
    "body",
    ['{"status": "failed", "status": "passed"}', '{"seconds": NaN}', "[]", '{"a": 1} {}'],
)
def test_a_report_under_a_good_mac_is_still_rejected_unless_it_is_one_plain_object(
    body: str,
) -> None:
    assert isinstance(read_report(_frames(body.encode(), TOKEN), TOKEN), Rejected)


def test_an_empty_stream_is_no_report_and_a_foreign_token_no_match() -> None:
    assert read_report("", TOKEN) is None
    assert isinstance(read_report(_frames(b"{}", "another token"), TOKEN), Rejected)
