"""Checksums of the run store's rows: bit rot in a stored body is found, never exported.

Each body is stored beside its sha256. A row whose body no longer matches is damage: it is
dropped with everything derived for its problems, so the next run asks a damaged response again
and judges those problems again from sound rows. `SELECT`s read bodies as bytes: a flipped bit
may leave text that is not UTF-8, which must count as damage, not stop the scan.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Table -> the expression naming a row in messages. Requests are keyed by their body's hash.
CHECKED = {
    "problems": "id",
    "responses": "key",
    "traces": "id",
    "verdicts": "trace_id || ' ' || verifier",
    "records": "id",
    "finished": "problem_id",
}
# Rows derived for a problem, in the order they can be deleted (foreign keys point up the list).
_DERIVED = (
    ("finished", "problem_id IN ({marks})"),
    ("records", "problem_id IN ({marks})"),
    ("verdicts", "trace_id IN (SELECT id FROM traces WHERE problem_id IN ({marks}))"),
    ("traces", "problem_id IN ({marks})"),
)
# Damaged rows are deleted last, children first.
_ORDER = ("finished", "records", "verdicts", "traces", "responses", "problems")


def digest(body: str | bytes) -> str:
    data = body.encode() if isinstance(body, str) else body
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Damage:
    """One row whose body does not match its checksum, and the problems derived from it."""

    table: str
    rowid: int
    name: str
    problems: frozenset[str]


def _text(value: object) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _problems(db: sqlite3.Connection, table: str, rowid: int) -> frozenset[str]:
    """The problems whose derived rows the damaged row may have fed."""
    if table == "responses":
        sql = (
            "SELECT problem_id FROM traces WHERE request_key = (SELECT key FROM responses "
            "WHERE rowid = ?1) UNION SELECT problem_id FROM requests WHERE key = "
            "(SELECT key FROM responses WHERE rowid = ?1)"
        )
    elif table == "verdicts":
        sql = (
            "SELECT problem_id FROM traces WHERE id = (SELECT trace_id FROM verdicts "
            "WHERE rowid = ?1)"
        )
    elif table == "problems":
        sql = "SELECT id FROM problems WHERE rowid = ?1"
    else:
        sql = f"SELECT problem_id FROM {table} WHERE rowid = ?1"
    return frozenset(_text(p) for (p,) in db.execute(sql, (rowid,)))


def scan(db: sqlite3.Connection) -> list[Damage]:
    """Every checked row whose body does not match its sha256 (a linear read of the store)."""
    reading = db.text_factory
    db.text_factory = bytes
    try:
        damaged: list[Damage] = []
        for table, name in CHECKED.items():
            for rowid, label, body, sha in db.execute(
                f"SELECT rowid, {name}, body, sha FROM {table}"
            ):
                if digest(body) != _text(sha):
                    problems = _problems(db, table, rowid)
                    damaged.append(Damage(table, rowid, _text(label), problems))
        return damaged
    finally:
        db.text_factory = reading


def drop(db: sqlite3.Connection, damaged: Sequence[Damage]) -> None:
    """Delete the damaged rows and every row derived for their problems, in one transaction."""
    problems = sorted(set().union(*(d.problems for d in damaged)))
    with db:
        db.execute("BEGIN IMMEDIATE")
        for start in range(0, len(problems), 500):
            chunk = problems[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for table, where in _DERIVED:
                db.execute(f"DELETE FROM {table} WHERE {where.format(marks=marks)}", chunk)
        for table in _ORDER:
            for damage in damaged:
                if damage.table != table:
                    continue
                if table == "traces":
                    db.execute(
                        "DELETE FROM verdicts WHERE trace_id = "
                        "(SELECT id FROM traces WHERE rowid = ?)",
                        (damage.rowid,),
                    )
                if table == "responses":
                    db.execute(
                        "DELETE FROM verdicts WHERE trace_id IN (SELECT id FROM traces WHERE "
                        "request_key = (SELECT key FROM responses WHERE rowid = ?))",
                        (damage.rowid,),
                    )
                    db.execute(
                        "DELETE FROM traces WHERE request_key = "
                        "(SELECT key FROM responses WHERE rowid = ?)",
                        (damage.rowid,),
                    )
                db.execute(f"DELETE FROM {table} WHERE rowid = ?", (damage.rowid,))


def fill(db: sqlite3.Connection, tables: Iterable[str]) -> None:
    """Checksum the bodies of rows written before stores had checksums (trusted as they are)."""
    for table in tables:
        rows = db.execute(f"SELECT rowid, CAST(body AS BLOB) FROM {table} WHERE sha = ''")
        db.executemany(
            f"UPDATE {table} SET sha = ? WHERE rowid = ?",
            [(digest(body), rowid) for rowid, body in rows.fetchall()],
        )


def describe(damaged: Sequence[Damage]) -> str:
    """One line: how many rows were damaged, by table, and what happens to them."""
    by_table = Counter(d.table for d in damaged)
    tables = ", ".join(f"{table} {n}" for table, n in by_table.most_common())
    asked = by_table["responses"]
    problems = len(set().union(*(d.problems for d in damaged)))
    return (
        f"{len(damaged)} damaged rows in the run store ({tables}) were dropped: "
        f"{asked} requests are asked again and {problems} problems judged again"
    )
