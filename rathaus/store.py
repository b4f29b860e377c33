"""The one SQLite database (through sqlite-utils), its schema and its migrations.

Migrations are the files rathaus/migrations/NNNN_name.sql, applied once each in name order and
recorded in `schema_migrations`; `PRAGMA user_version` holds the highest applied number, which
is the schema version. Ranges by owner keep parallel work apart: 0001-0099 core,
0100-0199 catalog, 0200-0299 phone, 0300-0399 meetings, 0400-0499 web,
0500-0599 privacy.

How to reach the data: sqlite-utils' table API where it fits, raw SQL where it does not.
- The table API (`store.db["calls"].insert({...})`, `.update(id, {...})`, `.count_where(...)`)
  for plain work on one table: a row in, a row changed by its key, rows counted. It quotes the
  names and passes the dict as parameters, so the code shows the row, not SQL to get wrong.
- Raw SQL (`store.conn.execute(...)`, values as `?` parameters) where the table API has no
  words or would hide what matters: the schema and its migrations (CREATE, FTS5 virtual tables
  and their triggers, ALTER, PRAGMA; sqlite-utils' `create`/`transform` would be a second,
  unversioned description of the schema beside the migration files), FTS5 searches (`MATCH`,
  `bm25()`), joins and aggregates, and what must be atomic across processes (`BEGIN
  IMMEDIATE` around a job claim or a migration run; an `UPDATE ... WHERE worker = ?` whose row
  count says whether the row was still ours).
Both go through the same per-thread connection (`Store.db.conn` is `Store.conn`).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import sqlite_utils

from rathaus.errors import RathausError


def now_iso() -> str:
    """UTC timestamp with milliseconds, the one time format of the store."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def migration_files() -> list[tuple[int, str, str]]:
    """(number, name, sql) of every shipped migration, in order."""
    found = []
    for entry in resources.files("rathaus.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class Store:
    """A handle on the database. Opening it creates and migrates the schema.

    sqlite3 connections must not be shared across threads; `Store` keeps one connection per
    thread so the SIP loop, the web server and the meeting worker can each use it.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.migrate()

    @property
    def db(self) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None:
            try:
                conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
                _enable_wal(conn)
            except sqlite3.DatabaseError as exc:
                raise RathausError(f"cannot open database {self.path}: {exc}") from None
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            db = sqlite_utils.Database(conn)
            self._local.db = db
        return db

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> list[str]:
        """Apply the migrations not yet applied; returns their names.

        Several processes may open a fresh database at the same moment (the split systemd units
        start together). So the whole run is one BEGIN IMMEDIATE transaction, which takes the
        write lock before anything is read, and the applied migrations are read inside it: the
        second process waits for the first, then finds everything applied. The statements run one
        by one on this connection (`executescript` would commit the open transaction first).
        """
        conn = self.conn
        saved = conn.isolation_level
        conn.isolation_level = None  # we issue BEGIN/COMMIT ourselves
        applied: list[str] = []
        try:
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
                )
            except sqlite3.DatabaseError as exc:
                _rollback(conn)
                raise RathausError(f"{self.path} is not a usable SQLite database: {exc}") from None
            done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
            name = ""
            try:
                for _number, name, sql in migration_files():
                    if name in done:
                        continue
                    for statement in split_sql(sql):
                        conn.execute(statement)
                    conn.execute("INSERT INTO schema_migrations VALUES (?, ?)", (name, now_iso()))
                    applied.append(name)
                if applied:
                    version = max(n for n, _, _ in migration_files())
                    conn.execute(f"PRAGMA user_version = {int(version)}")
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                _rollback(conn)
                raise RathausError(f"migration {name} failed: {exc}") from None
        finally:
            conn.isolation_level = saved
        return applied

    def rollback_quietly(self) -> None:
        """End this thread's open transaction after a failed write (a full disk, a lock timeout),
        so the next write on the connection does not fail for a stale one; errors are moot here."""
        try:
            self.conn.rollback()
        except sqlite3.Error:
            pass

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.conn.close()
            self._local.db = None


def split_sql(script: str) -> list[str]:
    """The statements of a migration file, split where SQLite itself sees a statement end
    (`sqlite3.complete_statement` knows strings, comments and trigger bodies)."""
    statements, current = [], ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if _has_code(current):
                statements.append(current.strip())
            current = ""
    if _has_code(current.rstrip(";")):
        raise RathausError(f"incomplete SQL statement at the end of a migration: {current.strip()[:80]}")
    return statements


def _has_code(sql: str) -> bool:
    """Whether text holds more than whitespace, comments and semicolons."""
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return bool("".join(lines).replace(";", "").strip())


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _enable_wal(conn: sqlite3.Connection, wait_s: float = 30.0) -> None:
    """Switch to WAL. Several processes switching a fresh file at once get "database is locked"
    at once (SQLite does not call the busy handler here), so retry until `wait_s` has passed."""
    deadline = time.monotonic() + wait_s
    delay = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def open_store(config) -> Store:
    """The store of a configuration (`rathaus.config.Config`)."""
    return Store(config.db_path)
