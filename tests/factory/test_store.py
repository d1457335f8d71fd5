"""The run store: WAL, committed writes visible to another connection, each row inserted once."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from factory import store_integrity
from factory.parse import parse
from factory.prompts import MATH_TEMPLATE, prompt_hash, render
from factory.records import Trace, VerifierInfo, make_traces, trace_record
from factory.store import FILENAME, VERSION, Store, StoreTooNew
from factory.teachers.base import (
    Completion,
    Sampling,
    TeacherRequest,
    TeacherResponse,
    Usage,
)
from tests.factory.transcripts import bundled
from verifiers.verdict import Evidence, Verdict

PROBLEM = bundled("math/arithmetic-01")[0]
INFO = VerifierInfo(name="math", version="1.0")


def request(sample: int = 0) -> TeacherRequest:
    return TeacherRequest(
        teacher="t",
        model="m",
        messages=render(PROBLEM, MATH_TEMPLATE),
        sampling=Sampling(seed=sample),
        sample=sample,
    )


def response(text: str = "1. $2 = 2$\n\\boxed{36}") -> TeacherResponse:
    return TeacherResponse(
        completions=[Completion(text=text, finish_reason="stop")],
        usage=Usage(prompt_tokens=5, completion_tokens=7),
        model="m-2024",
        seconds=0.5,
    )


def traces_of(req: TeacherRequest, resp: TeacherResponse) -> list[Trace]:
    parsed = [parse("math", c.text, c.finish_reason) for c in resp.completions]
    return make_traces(PROBLEM, req, resp, parsed, prompt_hash(req.messages))


def verdict(status: str = "pass") -> Verdict:
    return Verdict.model_validate(
        {
            "status": status,
            "verifier": "math-trace",
            "version": "1.0",
            "evidence": [Evidence(check="answer", outcome="equivalent")],
            "seconds": 0.1,
        }
    )


def reader(run_dir: Path) -> sqlite3.Connection:
    """A second connection, as another process would open it."""
    return sqlite3.connect(run_dir / FILENAME)


def test_the_store_is_wal_and_a_response_is_visible_to_others_once_saved(tmp_path: Path) -> None:
    req = request()
    with Store(tmp_path) as store:
        with closing(reader(tmp_path)) as other:
            assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert store.response(req.key()) is None
        store.add_problems([PROBLEM])
        store.note_request(PROBLEM.id, req)
        store.save_response(req.key(), response())
        with closing(reader(tmp_path)) as other:  # while the writer is still open
            assert other.execute("SELECT COUNT(*) FROM responses").fetchone() == (1,)
    with Store(tmp_path) as reopened:
        assert reopened.response(req.key()) == response()
        assert reopened.response(request(sample=1).key()) is None


def test_rows_are_inserted_once_whatever_is_replayed(tmp_path: Path) -> None:
    req = request()
    resp = response()
    traces = traces_of(req, resp)
    record = trace_record(PROBLEM, traces[0], verdict(), INFO)
    with Store(tmp_path) as store:
        for _ in range(3):  # a resumed run redoes the same writes
            store.add_problems([PROBLEM])
            store.note_request(PROBLEM.id, req)
            store.save_response(req.key(), resp)
            store.save_traces(traces)
            store.save_verdicts([(traces[0].id, INFO.key, verdict())], [record])
            store.save_records([record])
        counts = {t: store.count(t) for t in ("problems", "requests", "responses", "traces")}
        assert counts == {"problems": 1, "requests": 1, "responses": 1, "traces": 1}
        assert (store.count("verdicts"), store.count("records")) == (1, 1)
        assert store.verdict(traces[0].id, INFO.key) == verdict()
        assert store.verdict(traces[0].id, "other@2") is None
        assert store.records([record.id, "absent"]) == {record.id: record}


def test_a_verdict_and_its_record_commit_together(tmp_path: Path) -> None:
    req = request()
    resp = response()
    traces = traces_of(req, resp)
    good = trace_record(PROBLEM, traces[0], verdict(), INFO)
    with Store(tmp_path) as store:
        store.note_request(PROBLEM.id, req)
        store.save_response(req.key(), resp)
        # A verdict for a trace that was never stored breaks a foreign key: nothing is kept.
        with pytest.raises(sqlite3.IntegrityError):
            store.save_verdicts([("no-such-trace", INFO.key, verdict())], [good])
        assert (store.count("verdicts"), store.count("records")) == (0, 0)


def test_trace_ids_are_stable_per_request_and_completion() -> None:
    req = request(sample=2)
    first = traces_of(req, response())
    again = traces_of(req, response())
    assert [t.id for t in first] == [t.id for t in again]
    assert first[0].id.endswith(".0")
    assert traces_of(request(sample=3), response())[0].id != first[0].id


def test_a_store_of_version_0_keeps_what_was_paid_and_forgets_traces_by_prompt(
    tmp_path: Path,
) -> None:
    req = request()
    traces = traces_of(req, response())
    record = trace_record(PROBLEM, traces[0], verdict(), INFO)
    with Store(tmp_path) as store:
        store.add_problems([PROBLEM])
        store.note_request(PROBLEM.id, req)
        store.save_response(req.key(), response())
        store.save_traces(traces)
        store.save_verdicts([(traces[0].id, INFO.key, verdict())], [record])
    with closing(reader(tmp_path)) as old:  # as a store written before trace ids had problems
        old.execute("PRAGMA user_version = 0")
        old.commit()
    with Store(tmp_path) as reopened:
        assert reopened.response(req.key()) == response()
        assert [reopened.count(t) for t in ("problems", "requests", "responses")] == [1, 1, 1]
        assert [reopened.count(t) for t in ("traces", "verdicts", "records")] == [0, 0, 0]
    with closing(reader(tmp_path)) as other:
        assert other.execute("PRAGMA user_version").fetchone() == (VERSION,)


def test_a_store_of_a_later_version_is_refused_untouched(tmp_path: Path) -> None:
    with closing(reader(tmp_path)) as new:
        new.execute(f"PRAGMA user_version = {VERSION + 1}")
        new.commit()
    with pytest.raises(StoreTooNew, match="reads up to version"):
        Store(tmp_path)
    with closing(reader(tmp_path)) as other:
        assert other.execute("PRAGMA user_version").fetchone() == (VERSION + 1,)
        assert other.execute("SELECT COUNT(*) FROM sqlite_master").fetchone() == (0,)


def test_a_group_commits_once_and_a_failed_write_is_undone_alone(tmp_path: Path) -> None:
    req = request()
    good = trace_record(PROBLEM, traces_of(req, response())[0], verdict(), INFO)
    with Store(tmp_path) as store:
        with store.group():
            store.note_request(PROBLEM.id, req)
            with pytest.raises(sqlite3.IntegrityError):
                store.save_verdicts([("no-such-trace", INFO.key, verdict())], [good])
            store.save_response(req.key(), response())
            with closing(reader(tmp_path)) as other:  # nothing is visible before the end
                assert other.execute("SELECT COUNT(*) FROM responses").fetchone() == (0,)
        assert (store.count("requests"), store.count("responses")) == (1, 1)
        assert (store.count("verdicts"), store.count("records")) == (0, 0)


def test_an_error_is_no_verdict_to_store(tmp_path: Path) -> None:
    """`error` means the verifier could not judge: storing it would make it final."""
    req = request()
    traces = traces_of(req, response())
    with Store(tmp_path) as store:
        store.note_request(PROBLEM.id, req)
        store.save_response(req.key(), response())
        store.save_traces(traces)
        stale = trace_record(PROBLEM, traces[0], verdict("error"), INFO)
        with pytest.raises(ValueError, match="not a verdict"):
            store.save_verdicts([(traces[0].id, INFO.key, verdict("error"))], [stale])
        assert (store.count("verdicts"), store.count("records")) == (0, 0)


def test_a_store_from_before_checksums_is_checksummed_as_it_is(tmp_path: Path) -> None:
    req = request()
    traces = traces_of(req, response())
    record = trace_record(PROBLEM, traces[0], verdict(), INFO)
    with Store(tmp_path) as store:
        store.add_problems([PROBLEM])
        store.note_request(PROBLEM.id, req)
        store.save_response(req.key(), response())
        store.save_traces(traces)
        store.save_verdicts([(traces[0].id, INFO.key, verdict())], [record])
    with closing(reader(tmp_path)) as old:  # as version 1 wrote it: no sha column
        for table in store_integrity.CHECKED:
            old.execute(f"ALTER TABLE {table} DROP COLUMN sha")
        old.execute("PRAGMA user_version = 1")
        old.commit()
    with Store(tmp_path) as reopened:
        assert reopened.damaged == []
        assert reopened.verdict(traces[0].id, INFO.key) == verdict()
        assert reopened.records([record.id]) == {record.id: record}
    with closing(reader(tmp_path)) as other:
        assert other.execute("SELECT COUNT(*) FROM records WHERE sha = ''").fetchone() == (0,)
        other.execute("UPDATE verdicts SET body = replace(body, 'pass', 'fail')")
        other.commit()
    with Store(tmp_path) as damaged:  # a rotten verdict takes its problem's derived rows along
        assert [(d.table, d.problems) for d in damaged.damaged] == [
            ("verdicts", frozenset({PROBLEM.id}))
        ]
        assert [damaged.count(t) for t in ("responses", "traces", "verdicts", "records")] == [
            1,
            0,
            0,
            0,
        ]
