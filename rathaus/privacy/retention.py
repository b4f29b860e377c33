"""Retention: delete what the [privacy] periods no longer allow to keep.

Run daily by the systemd timer as `rathaus privacy retention`, possibly while the bot and the web
page write to the same database (WAL mode). Every database step is one short `BEGIN IMMEDIATE`
transaction, so it waits for a writer instead of failing half-way; files are removed after the
rows that point to them are committed, and a file whose row is gone is still found by age on the
next run. Running it twice in a row deletes nothing the second time.
"""

from __future__ import annotations

import logging
import mimetypes
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

from rathaus.store import Store

log = logging.getLogger(__name__)


@dataclass
class RetentionSettings:
    audio_days: int = 30
    transcript_days: int = 180
    handoff_days: int = 90
    callback_days: int = 90
    audit_days: int = 365
    meeting_audio_days: int = 0
    meeting_transcript_days: int = 0


@dataclass
class RetentionReport:
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, n: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def to_dict(self) -> dict:
        return {"dry_run": self.dry_run, "counts": dict(sorted(self.counts.items()))}


def cutoff(days: int, now: datetime | None = None) -> str | None:
    """ISO timestamp before which data of this kind has expired; None when kept forever."""
    if days <= 0:
        return None
    now = now or datetime.now(timezone.utc)
    return (now - timedelta(days=days)).isoformat(timespec="milliseconds")


@contextmanager
def immediate(store: Store) -> Iterator[sqlite3.Connection]:
    """One write transaction that takes the lock at its start (no upgrade deadlock with the bot)."""
    conn = store.conn
    if conn.in_transaction:
        conn.commit()
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def is_media(path: Path) -> bool:
    kind = mimetypes.guess_type(path.name)[0] or ""
    return kind.startswith(("audio/", "video/")) or path.name.endswith((".part.wav", ".opus", ".m4a", ".amr"))


def remove_file(path: str | Path | None, dry_run: bool) -> bool:
    """Delete one file; True when it existed."""
    if not path:
        return False
    p = Path(path)
    if not p.is_file():
        return False
    if not dry_run:
        try:
            p.unlink()
        except OSError as exc:
            log.warning("cannot delete %s: %s", p, exc.strerror)
            return False
    return True


def apply(store: Store, settings: RetentionSettings, calls_dir: Path | None = None,
          meeting_dirs: tuple[Path, ...] = (), dry_run: bool = False,
          now: datetime | None = None) -> RetentionReport:
    """Delete everything expired; returns counts per kind (what would go, with dry_run)."""
    report = RetentionReport(dry_run)
    now = now or datetime.now(timezone.utc)
    _call_audio(store, settings, calls_dir, report, dry_run, now)
    _call_texts(store, settings, report, dry_run, now)
    _callbacks(store, settings, report, dry_run, now)
    _audit(store, settings, report, dry_run, now)
    _meetings(store, settings, meeting_dirs, report, dry_run, now)
    return report


def _call_audio(store, s, calls_dir, report, dry_run, now) -> None:
    limit = cutoff(s.audio_days, now)
    if limit is None:
        return
    rows = store.conn.execute("SELECT id, audio_path FROM calls WHERE audio_path IS NOT NULL AND started_at < ?",
                              (limit,)).fetchall()
    if rows and not dry_run:
        with immediate(store) as conn:
            conn.executemany("UPDATE calls SET audio_path = NULL WHERE id = ?", [(r[0],) for r in rows])
    removed = sum(remove_file(path, dry_run) for _, path in rows)
    # files no row points to any more (a crash between commit and unlink, or a deleted row)
    seen = {str(Path(p)) for _, p in rows}
    if calls_dir is not None and calls_dir.is_dir():
        oldest = now.timestamp() - s.audio_days * 86400
        for path in calls_dir.iterdir():
            if str(path) not in seen and path.is_file() and path.stat().st_mtime < oldest:
                removed += remove_file(path, dry_run)
    report.add("call_audio_files", removed)


def _call_texts(store, s, report, dry_run, now) -> None:
    limit = cutoff(s.transcript_days, now)
    if limit is not None:
        old = "SELECT id FROM calls WHERE started_at < ?"
        turns = store.conn.execute(f"SELECT count(*) FROM call_turns WHERE call_id IN ({old})", (limit,)).fetchone()[0]
        callers = store.conn.execute(
            "SELECT count(*) FROM calls WHERE started_at < ? AND (caller IS NOT NULL OR caller_hash IS NOT NULL)",
            (limit,)).fetchone()[0]
        if not dry_run and (turns or callers):
            with immediate(store) as conn:
                conn.execute(f"DELETE FROM call_turns WHERE call_id IN ({old})", (limit,))
                conn.execute("UPDATE calls SET caller = NULL, caller_hash = NULL WHERE started_at < ?"
                             " AND (caller IS NOT NULL OR caller_hash IS NOT NULL)", (limit,))
        report.add("call_turns", turns)
        report.add("call_numbers", callers)
    limit = cutoff(s.handoff_days, now)
    if limit is not None:
        n = store.conn.execute("SELECT count(*) FROM calls WHERE handoff IS NOT NULL AND started_at < ?",
                               (limit,)).fetchone()[0]
        if n and not dry_run:
            with immediate(store) as conn:
                conn.execute("UPDATE calls SET handoff = NULL WHERE handoff IS NOT NULL AND started_at < ?", (limit,))
        report.add("handoffs", n)


def _callbacks(store, s, report, dry_run, now) -> None:
    limit = cutoff(s.callback_days, now)
    if limit is None:
        return
    where = "status = 'done' AND created_at < ?"
    n = store.conn.execute(f"SELECT count(*) FROM callbacks WHERE {where}", (limit,)).fetchone()[0]
    if n and not dry_run:
        with immediate(store) as conn:
            conn.execute(f"DELETE FROM callbacks WHERE {where}", (limit,))
    report.add("callbacks", n)


def _audit(store, s, report, dry_run, now) -> None:
    limit = cutoff(s.audit_days, now)
    if limit is None:
        return
    unix = now.timestamp() - s.audit_days * 86400
    entries = store.conn.execute("SELECT count(*) FROM audit_log WHERE at < ?", (limit,)).fetchone()[0]
    attempts = store.conn.execute("SELECT count(*) FROM login_attempts WHERE at < ?", (unix,)).fetchone()[0]
    if (entries or attempts) and not dry_run:
        with immediate(store) as conn:
            conn.execute("DELETE FROM audit_log WHERE at < ?", (limit,))
            conn.execute("DELETE FROM login_attempts WHERE at < ?", (unix,))
    report.add("audit_entries", entries)
    report.add("login_attempts", attempts)


def _meetings(store, s, meeting_dirs, report, dry_run, now) -> None:
    limit = cutoff(s.meeting_audio_days, now)
    if limit is not None:
        rows = store.conn.execute("SELECT id, audio_path FROM meetings WHERE created_at < ? AND status != 'processing'",
                                  (limit,)).fetchall()
        removed = 0
        for meeting_id, audio_path in rows:
            files = {Path(audio_path)} if audio_path else set()
            for base in meeting_dirs:  # the upload and the work folder: media on their top level
                folder = base / meeting_id
                if folder.is_dir():
                    files.update(p for p in folder.iterdir() if p.is_file() and is_media(p))
            if audio_path and not dry_run:
                with immediate(store) as conn:
                    conn.execute("UPDATE meetings SET audio_path = NULL WHERE id = ?", (meeting_id,))
            removed += sum(remove_file(p, dry_run) for p in sorted(files))
        report.add("meeting_audio_files", removed)
    limit = cutoff(s.meeting_transcript_days, now)
    if limit is not None:
        old = "SELECT id FROM meetings WHERE created_at < ? AND status != 'processing'"
        n = store.conn.execute(f"SELECT count(*) FROM meeting_segments WHERE meeting_id IN ({old})",
                               (limit,)).fetchone()[0]
        if n and not dry_run:
            with immediate(store) as conn:
                conn.execute(f"DELETE FROM meeting_segments WHERE meeting_id IN ({old})", (limit,))
        report.add("meeting_segments", n)


def settings_from(config) -> RetentionSettings:
    return config.settings("privacy", RetentionSettings)


def run(config, store: Store, dry_run: bool = False) -> RetentionReport:
    """Retention with the configuration's periods and folders."""
    dirs = [config.meetings_dir]
    upload = config.get("web.upload_dir")
    if upload:
        dirs.append(Path(upload).expanduser())
    started = time.monotonic()
    report = apply(store, settings_from(config), config.data_dir / "calls", tuple(dict.fromkeys(dirs)), dry_run)
    log.info("retention%s: %s in %.1f s", " (dry run)" if dry_run else "", report.counts, time.monotonic() - started)
    return report
