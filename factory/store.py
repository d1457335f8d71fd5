"""The run store: one SQLite file per run directory holding everything a resumed run needs.

Every write commits before the call returns (or, inside `group()`, before the group's callers
resume), so a run killed at any instant keeps each paid response; rows are keyed by content
(request hash, trace id, record id) and inserted once, so a resumed run writes nothing twice.
Requests and responses belong to a prompt (problems that share one share its answer); traces,
verdicts and records belong to one problem. One process at a time holds a store
(`factory.run_lock`). Bodies are checksummed; a damaged row is dropped when the store opens,
with what was derived from it (`factory.store_integrity`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Self

from factory import run_lock, store_integrity
from factory.records import Record, Trace
from factory.review.model import Decision
from factory.store_integrity import digest
from factory.teachers.base import TeacherRequest, TeacherResponse, Usage
from problems import Problem, problem_adapter
from verifiers.verdict import Verdict

FILENAME = "run.sqlite"
# 1: trace ids name their problem. Stores of version 0 named traces by prompt alone, merging
# problems that share one: opening such a store keeps what was paid for (requests, responses)
# and drops the traces, verdicts and records, which the next run derives again.
# 2: each body is stored beside its sha256 (`factory.store_integrity`); older rows are
# checksummed as they are when the store is opened.
# 3: reviewers' decisions on records (`decisions`, one per record, the last one kept); older
# stores gain the empty table when opened.
VERSION = 3


class StoreUnusable(Exception):
    """The run store exists but cannot be read as one; the message says what to do."""


class StoreTooNew(StoreUnusable):
    """A run store written by a later version of the factory, whose rows this one cannot read."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS problems (
    id TEXT PRIMARY KEY, domain TEXT NOT NULL, body TEXT NOT NULL, sha TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (
    key TEXT PRIMARY KEY, problem_id TEXT NOT NULL, teacher TEXT NOT NULL,
    sample INTEGER NOT NULL, body TEXT NOT NULL, sent_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY REFERENCES requests(key), body TEXT NOT NULL, received_at REAL NOT NULL,
    sha TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS request_errors (
    key TEXT NOT NULL REFERENCES requests(key), message TEXT NOT NULL, at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS traces (
    id TEXT PRIMARY KEY, problem_id TEXT NOT NULL, request_key TEXT NOT NULL REFERENCES
    responses(key), body TEXT NOT NULL, sha TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS verdicts (
    trace_id TEXT NOT NULL REFERENCES traces(id), verifier TEXT NOT NULL, status TEXT NOT NULL,
    body TEXT NOT NULL, sha TEXT NOT NULL, PRIMARY KEY (trace_id, verifier)
);
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, problem_id TEXT NOT NULL, body TEXT NOT NULL,
    sha TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS finished (
    problem_id TEXT PRIMARY KEY, settings TEXT NOT NULL, body TEXT NOT NULL, sha TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS decisions (
    record_id TEXT PRIMARY KEY, decision TEXT NOT NULL CHECK (decision IN
    ('accept', 'reject', 'skip')), reason TEXT NOT NULL, decided_at REAL NOT NULL
);
"""


def _create(path: Path) -> None:
    """A new store appears whole, by rename: so an empty or partial file at `path` can only be
    damage, and is refused rather than silently replaced (which would re-pay every request)."""
    partial = path.with_name(path.name + ".new")
    partial.unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(partial, isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(_SCHEMA)
        db.execute(f"PRAGMA user_version = {VERSION}")
    os.replace(partial, path)


class Store:
    """The run's SQLite file in WAL mode; one connection, used from the event loop's thread.
    `damaged` lists the rows found damaged (and dropped) when it was opened."""

    damaged: list[store_integrity.Damage]

    def __init__(self, run_dir: Path) -> None:
        run_dir.mkdir(parents=True, exist_ok=True)
        self.path = run_dir / FILENAME
        self._lock = run_lock.acquire(run_dir)
        try:
            if not self.path.exists():
                _create(self.path)
            elif self.path.stat().st_size == 0:
                raise StoreUnusable(
                    f"{self.path} is empty (0 bytes): the run's answers are lost; move it away "
                    "to start the run over (every request is paid again)"
                )
            self._db = sqlite3.connect(self.path, isolation_level=None)
            try:
                self._open()
            except BaseException:
                self._db.close()
                raise
        except BaseException:
            os.close(self._lock)
            raise

    def _open(self) -> None:
        try:
            (version,) = self._db.execute("PRAGMA user_version").fetchone()
            if version > VERSION:
                raise StoreTooNew(
                    f"{self.path} is a run store of version {version}; this factory reads up "
                    f"to version {VERSION}: upgrade reasoning-factory or use another run directory"
                )
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL loses nothing when the process dies (even by SIGKILL); only an OS crash may
            # roll back the last commits, which resume then redoes.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._grouped = False
            if version < VERSION:
                self._upgrade(version)
            self._db.executescript(_SCHEMA)
            self.damaged = store_integrity.scan(self._db)
            if self.damaged:
                store_integrity.drop(self._db, self.damaged)
        except sqlite3.DatabaseError as error:
            raise StoreUnusable(
                f"{self.path} cannot be read as a run store ({error}): `factory store salvage "
                f"{self.path.parent} NEW_RUN_DIR` copies its sound rows to a new store"
            ) from error

    def _upgrade(self, version: int) -> None:
        """From version 0, keep what was paid for and drop what named traces by prompt alone;
        from versions before 2, checksum the rows as they are (before 3, `_SCHEMA` adds the
        decisions table)."""
        tables = {name for (name,) in self._db.execute("SELECT name FROM sqlite_master")}
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            if version < 1:
                for table in ("finished", "records", "verdicts", "traces"):
                    if table in tables:
                        self._db.execute(f"DELETE FROM {table}")
            present = [table for table in store_integrity.CHECKED if table in tables]
            for table in present:
                columns = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
                if "sha" not in columns:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN sha TEXT NOT NULL DEFAULT ''")
            store_integrity.fill(self._db, present)
            self._db.execute(f"PRAGMA user_version = {VERSION}")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()
        os.close(self._lock)

    def _write(self, statements: Iterable[tuple[str, Sequence[object]]]) -> None:
        """Apply `statements` as one transaction, committed before returning; inside `group()`,
        as a savepoint of the group's transaction, undone alone when one of them fails."""
        if not self._grouped:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                for sql, parameters in statements:
                    self._db.execute(sql, parameters)
            return
        self._db.execute("SAVEPOINT write")
        try:
            for sql, parameters in statements:
                self._db.execute(sql, parameters)
        except BaseException:
            self._db.execute("ROLLBACK TO write")
            raise
        finally:
            self._db.execute("RELEASE write")

    @contextmanager
    def group(self) -> Iterator[None]:
        """The writes made inside commit together, once, at the end (or none of them do)."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._grouped = True
            try:
                yield
            finally:
                self._grouped = False

    def add_problems(self, problems: Sequence[Problem]) -> None:
        self._write(
            (
                "INSERT OR REPLACE INTO problems VALUES (?, ?, ?, ?)",
                (p.id, p.domain, body, digest(body)),
            )
            for p in problems
            for body in (p.model_dump_json(),)
        )

    def problems(self) -> list[Problem]:
        """Every problem the run stored."""
        rows = self._db.execute("SELECT body FROM problems ORDER BY rowid")
        return [problem_adapter.validate_json(body) for (body,) in rows]

    def response(self, key: str) -> TeacherResponse | None:
        """The cached response to a request: present means already paid for."""
        row = self._db.execute("SELECT body FROM responses WHERE key = ?", (key,)).fetchone()
        return TeacherResponse.model_validate_json(row[0]) if row else None

    def note_request(self, problem_id: str, request: TeacherRequest) -> None:
        """Record a request before it is sent, so one in flight at a crash can be told apart."""
        self._write(
            [
                (
                    "INSERT OR IGNORE INTO requests VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        request.key(),
                        problem_id,
                        request.teacher,
                        request.sample,
                        request.model_dump_json(),
                        time.time(),
                    ),
                )
            ]
        )

    def save_response(self, key: str, response: TeacherResponse) -> None:
        body = response.model_dump_json()
        self._write(
            [
                (
                    "INSERT OR IGNORE INTO responses VALUES (?, ?, ?, ?)",
                    (key, body, time.time(), digest(body)),
                )
            ]
        )

    def request_use(self, key: str) -> tuple[str, Usage, int] | None:
        """Who answered a stored request, its usage and how many completions it returned."""
        row = self._db.execute(
            "SELECT q.teacher, json_extract(s.body, '$.usage'), "
            "json_array_length(s.body, '$.completions') "
            "FROM responses AS s JOIN requests AS q ON q.key = s.key WHERE s.key = ?",
            (key,),
        ).fetchone()
        return None if row is None else (row[0], Usage.model_validate_json(row[1]), row[2])

    def save_error(self, key: str, message: str) -> None:
        self._write([("INSERT INTO request_errors VALUES (?, ?, ?)", (key, message, time.time()))])

    def save_traces(self, traces: Sequence[Trace]) -> None:
        self._write(
            (
                "INSERT OR IGNORE INTO traces VALUES (?, ?, ?, ?, ?)",
                (t.id, t.problem_id, t.request_key, body, digest(body)),
            )
            for t in traces
            for body in (t.model_dump_json(),)
        )

    def verdict(self, trace_id: str, verifier: str) -> Verdict | None:
        row = self._db.execute(
            "SELECT body FROM verdicts WHERE trace_id = ? AND verifier = ?", (trace_id, verifier)
        ).fetchone()
        return Verdict.model_validate_json(row[0]) if row else None

    def save_verdicts(
        self, verdicts: Sequence[tuple[str, str, Verdict]], records: Sequence[Record]
    ) -> None:
        """Verdicts as (trace id, verifier key, verdict), with the records they produce, at once.
        An `error` is no verdict and is never stored."""
        if any(not verdict.judged for _, _, verdict in verdicts):
            raise ValueError("an `error` (could not judge) is not a verdict to store")
        statements = [
            (
                "INSERT OR IGNORE INTO verdicts VALUES (?, ?, ?, ?, ?)",
                (trace_id, verifier, verdict.status, body, digest(body)),
            )
            for trace_id, verifier, verdict in verdicts
            for body in (verdict.model_dump_json(),)
        ]
        self._write([*statements, *self._record_rows(records)])

    def save_records(self, records: Sequence[Record]) -> None:
        self._write(self._record_rows(records))

    @staticmethod
    def _record_rows(records: Sequence[Record]) -> list[tuple[str, Sequence[object]]]:
        return [
            (
                "INSERT OR IGNORE INTO records VALUES (?, ?, ?, ?, ?)",
                (r.id, r.kind, r.problem_id, body, digest(body)),
            )
            for r in records
            for body in (r.model_dump_json(),)
        ]

    def iter_records(self, ids: Iterable[str]) -> Iterator[Record]:
        """The stored records with these ids, in their order, read a chunk at a time."""
        return (Record.model_validate_json(body) for body in self.record_bodies(ids))

    def record_bodies(self, ids: Iterable[str]) -> Iterator[str]:
        """The stored JSON of the records with these ids, in their order, a chunk at a time."""
        chunk: list[str] = []
        for record_id in ids:
            chunk.append(record_id)
            if len(chunk) == 500:
                yield from self._bodies(chunk)
                chunk = []
        yield from self._bodies(chunk)

    def _bodies(self, ids: Sequence[str]) -> Iterator[str]:
        if not ids:
            return iter(())
        marks = ",".join("?" * len(ids))
        found = dict(self._db.execute(f"SELECT id, body FROM records WHERE id IN ({marks})", ids))
        return (found[record_id] for record_id in ids if record_id in found)

    def save_finished(self, problem_id: str, settings: str, body: str) -> None:
        """What a problem reached under `settings` (a digest of what decides it), once final."""
        self._write(
            [
                (
                    "INSERT OR REPLACE INTO finished VALUES (?, ?, ?, ?)",
                    (problem_id, settings, body, digest(body)),
                )
            ]
        )

    def finished(self, problem_id: str, settings: str) -> str | None:
        row = self._db.execute(
            "SELECT body FROM finished WHERE problem_id = ? AND settings = ?",
            (problem_id, settings),
        ).fetchone()
        return None if row is None else str(row[0])

    def records(self, ids: Sequence[str]) -> dict[str, Record]:
        """The stored records with these ids (the rows an export writes)."""
        found: dict[str, Record] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for record_id, body in self._db.execute(
                f"SELECT id, body FROM records WHERE id IN ({marks})", chunk
            ):
                found[record_id] = Record.model_validate_json(body)
        return found

    def records_of(self, kind: str) -> list[Record]:
        """Every stored record of one kind, in the order they were stored."""
        return [
            Record.model_validate_json(body)
            for (body,) in self._db.execute(
                "SELECT body FROM records WHERE kind = ? ORDER BY rowid", (kind,)
            )
        ]

    def trace(self, trace_id: str) -> Trace | None:
        row = self._db.execute("SELECT body FROM traces WHERE id = ?", (trace_id,)).fetchone()
        return None if row is None else Trace.model_validate_json(row[0])

    def record_bodies_of(self, kinds: Sequence[str]) -> Iterator[str]:
        """The stored JSON of every record of these kinds, in the order they were stored."""
        marks = ",".join("?" * len(kinds))
        sql = f"SELECT body FROM records WHERE kind IN ({marks}) ORDER BY rowid"
        return (body for (body,) in self._db.execute(sql, list(kinds)))

    def requests_by_problem(self) -> dict[str, int]:
        """Requests the run stored (asked, answered or not), per problem."""
        sql = "SELECT problem_id, COUNT(*) FROM requests GROUP BY problem_id"
        return {problem_id: int(n) for problem_id, n in self._db.execute(sql)}

    def save_decisions(self, decisions: Sequence[Decision]) -> None:
        """A reviewer's decisions, committed at once; a later one on a record replaces it."""
        self._write(
            (
                "INSERT OR REPLACE INTO decisions VALUES (?, ?, ?, ?)",
                (d.record_id, d.decision, d.reason, d.decided_at),
            )
            for d in decisions
        )

    def decisions(self) -> dict[str, Decision]:
        """Every decision, by record id, in the order they were made."""
        rows = self._db.execute("SELECT * FROM decisions ORDER BY decided_at, rowid")
        return {
            record_id: Decision(record_id=record_id, decision=d, reason=r, decided_at=at)
            for record_id, d, r, at in rows
        }

    def count(self, table: str) -> int:
        tables = {"problems", "requests", "responses", "traces", "verdicts", "records", "finished"}
        if table not in tables:
            raise ValueError(f"no table {table!r} in the run store")
        row = self._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
        return int(row[0])
