"""Check a run store and copy its sound rows to a new one, for stores SQLite can no longer read
whole: what a damaged page hides is lost, every row still readable and intact is kept."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from factory import store_integrity
from factory.store import FILENAME, Store

# Parents before children, so each copied row finds what its foreign keys name. Finished marks
# are not copied: a salvaged store's problems are all decided again from its sound rows.
# Reviewers' decisions are (a store from before them has none).
_TABLES = (
    "problems", "requests", "responses", "request_errors", "traces", "verdicts", "records",
    "decisions",
)  # fmt: skip


@dataclass
class Report:
    """Per table: rows kept, rows unreadable, rows left out (damaged, or naming a lost parent)."""

    kept: dict[str, int] = field(default_factory=dict)
    unreadable: dict[str, int] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)
    damaged: list[store_integrity.Damage] = field(default_factory=list)
    integrity: list[str] = field(default_factory=list)  # SQLite's own findings, "ok" when sound
    checksummed: bool = True  # False for a store written before rows had checksums

    @property
    def sound(self) -> bool:
        return self.integrity == ["ok"] and not self.damaged and not any(self.unreadable.values())


def _text(value: object) -> object:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def read_only(run_dir: Path) -> sqlite3.Connection:
    """The store as a reader beside a running writer opens it: no lock taken, nothing written."""
    return sqlite3.connect(f"file:{run_dir / FILENAME}?mode=ro", uri=True)


def check(run_dir: Path) -> Report:
    """SQLite's integrity check and every row's checksum; raises sqlite3.DatabaseError when the
    store cannot be read at all."""
    report = Report()
    with contextlib.closing(read_only(run_dir)) as db:
        report.integrity = [str(line) for (line,) in db.execute("PRAGMA integrity_check")]
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        (version,) = db.execute("PRAGMA user_version").fetchone()
        report.checksummed = version >= 2
        for table in _TABLES:
            if table in tables:
                try:
                    (report.kept[table],) = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
                except sqlite3.DatabaseError:
                    report.unreadable[table] = 1
        if report.checksummed:
            with contextlib.suppress(sqlite3.DatabaseError):  # unreadable pages: counted above
                report.damaged = store_integrity.scan(db)
    return report


def _rows(db: sqlite3.Connection, table: str, report: Report) -> Iterator[tuple[object, ...]]:
    """Every row of `table` that can be read, in rowid order: past a damaged page, one rowid at
    a time up to the largest."""
    after = 0
    try:
        for row in db.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid"):
            after = int(row[0])
            yield tuple(row[1:])
        return
    except sqlite3.DatabaseError:
        pass
    try:
        (largest,) = db.execute(f"SELECT max(rowid) FROM {table}").fetchone()
    except sqlite3.DatabaseError:
        report.unreadable[table] = report.unreadable.get(table, 0) + 1
        return
    for rowid in range(after + 1, int(largest or 0) + 1):
        try:
            found = db.execute(f"SELECT * FROM {table} WHERE rowid = ?", (rowid,)).fetchone()
        except sqlite3.DatabaseError:
            report.unreadable[table] = report.unreadable.get(table, 0) + 1
            continue
        if found is not None:
            yield tuple(found)


def salvage(run_dir: Path, new_run_dir: Path) -> Report:
    """Copy every readable, intact row of RUN_DIR's store into a new store in NEW_RUN_DIR."""
    if (new_run_dir / FILENAME).exists():
        raise FileExistsError(f"{new_run_dir / FILENAME} exists: salvage writes a new store")
    Store(new_run_dir).close()
    report = Report()
    with (
        contextlib.closing(read_only(run_dir)) as source,
        contextlib.closing(sqlite3.connect(new_run_dir / FILENAME)) as target,
    ):
        target.execute("PRAGMA foreign_keys=ON")
        source.text_factory = bytes  # a flipped bit may leave text that is not UTF-8
        tables = {_text(name) for (name,) in source.execute("SELECT name FROM sqlite_master")}
        for table in (table for table in _TABLES if table in tables):
            columns = [row[1] for row in target.execute(f"PRAGMA table_info({table})")]
            present = [_text(row[1]) for row in source.execute(f"PRAGMA table_info({table})")]
            marks = ",".join("?" * len(columns))
            kept = left_out = 0
            for row in _rows(source, table, report):
                found = {name: _text(v) for name, v in zip(present, row, strict=True)}
                if "sha" not in found and "body" in found:  # a store from before checksums
                    found["sha"] = store_integrity.digest(str(found["body"]))
                values = [found.get(name) for name in columns]
                try:
                    with target:
                        target.execute(f"INSERT INTO {table} VALUES ({marks})", values)
                    kept += 1
                except sqlite3.DatabaseError:  # a lost parent, a shape this version cannot read
                    left_out += 1
            report.kept[table], report.left_out[table] = kept, left_out
    with Store(new_run_dir) as store:  # drops damaged rows with what was derived from them
        report.damaged = store.damaged
    return report
