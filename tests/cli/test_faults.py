"""Faults an operator will meet: a process killed with SIGKILL, a full disk, a backup while the
services write. Real processes (the `rathaus` command, pjsua2 callers), real SQLite files, and a
real full file system (a 2 MB tmpfs; skipped where mounting is not allowed)."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli, shared_path

PASSWORD = "korrekt-pferd-batterie-42\n"


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process ended (rc {proc.returncode}) while waiting for {what}")
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


# ------------------------------------------------------------------ a. the bot killed mid-call


@pytest.mark.sip
def test_bot_killed_mid_call_closes_the_call_as_aborted(tmp_path):
    from tests.conftest import make_home
    from sip_peers import free_port, run_caller, start_bot, stop

    home = make_home(tmp_path)
    cfg = tmp_path / "rathaus.toml"
    cfg.write_text("[phone]\nsilence_timeout_s = 30.0\n")
    db = home / "rathaus.db"
    env = {"RATHAUS_HOME": str(home), "RATHAUS_DB": str(db), "RATHAUS_CONFIG": str(cfg)}
    sip_port, http_port = free_port(), free_port()
    uri = f"sip:hotline@127.0.0.1:{sip_port}"

    def calls():
        conn = sqlite3.connect(db, timeout=30)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute("SELECT * FROM calls ORDER BY started_at").fetchall()
        finally:
            conn.close()

    bot = start_bot(env, sip_port, http_port, tmp_path / "bot1.log", extra=["--no-web"], timeout=300)
    caller = None
    try:
        # the caller listens to the greeting, then stays on the line
        caller = run_caller(uri, [{"wait_loud": 30}, {"wait": 60}], tmp_path / "c1.json", tmp_path / "c1.wav",
                            wait=False)
        wait_for(lambda: any(r["ended_at"] is None for r in calls()), 60, "an open call record", bot)
        time.sleep(1.0)  # mid-greeting: turns and audio are being written
        os.killpg(bot.pid, signal.SIGKILL)
        bot.wait(10)
    finally:
        if bot.poll() is None:
            os.killpg(bot.pid, signal.SIGKILL)
            bot.wait(10)
        if caller is not None:
            caller.kill()
            caller.communicate()
    (open_call,) = [r for r in calls() if r["ended_at"] is None]

    bot = start_bot(env, sip_port, http_port, tmp_path / "bot2.log", extra=["--no-web"], timeout=300)
    try:
        row = {r["id"]: r for r in calls()}[open_call["id"]]
        assert row["outcome"] == "aborted" and row["ended_at"], dict(row)
        assert row["error"] == "process ended during the call"
        assert integrity(db) == "ok"
        # and the restarted bot answers the next call
        result = run_caller(uri, [{"wait_loud": 30}, {"wait_quiet": 1.0, "timeout": 30}, {"hangup": True}],
                            tmp_path / "c2.json", tmp_path / "c2.wav", timeout=120)
        assert result["confirmed"] and result["media"], result
        newest = wait_for(lambda: [r for r in calls() if r["id"] != open_call["id"] and r["ended_at"]], 30,
                          "the second call record")
        assert newest[0]["outcome"] != "aborted"
    finally:
        output = stop(bot)
    assert "closed 1 call record" in output, output[-3000:]


# ------------------------------------------------------------ b. the meeting worker killed mid-job


def _worker(env: dict, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "apps.cli", "jobs", "work", *extra], cwd=ROOT,
                            env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def test_worker_killed_mid_job_resumes_without_duplicates(rathaus_home, tmp_path):
    shared_path("audio", "de", "speakers")
    from meetings.pipeline import stage_runs, work_dir
    from rathaus.config import Config
    from tests.meeting_builder import build_meeting

    meeting = build_meeting(tmp_path / "sitzung", 2, seed=3)
    cfg = tmp_path / "rathaus.toml"
    cfg.write_text("[meetings]\npoll_s = 0.2\nasr_window_s = 10.0\n")
    env = {"RATHAUS_CONFIG": str(cfg)}
    queued = run_cli("meeting", str(meeting.wav), "--speakers", "2", "--queue", env=env)
    assert queued.returncode == 0, queued.stderr
    job_id = int(queued.stdout.split()[-1])
    db = rathaus_home / "rathaus.db"

    def job():
        conn = sqlite3.connect(db, timeout=30)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute("SELECT * FROM jobs WHERE id = ?", [job_id]).fetchone()
        finally:
            conn.close()

    config = Config.load(str(cfg))
    first = _worker(env)
    try:
        asr_dir = work_dir(config, job()["ref"]) / "stages" / "asr"
        # killed during transcription: diarization is stored, the first ASR window too
        wait_for(lambda: asr_dir.is_dir() and any(asr_dir.iterdir()), 600, "the first ASR window", first)
        os.killpg(first.pid, signal.SIGKILL)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
        first.communicate(timeout=10)
    assert job()["status"] == "running"
    assert integrity(db) == "ok"

    second = _worker(env, "--once")
    out, _ = second.communicate(timeout=900)
    assert second.returncode == 0, out[-3000:]
    row = job()
    assert row["status"] == "done" and row["attempts"] == 2, dict(row)
    runs = [r["stage"] for r in stage_runs(config, row["ref"])]
    assert runs.count("decode") == 1 and runs.count("diarize") == 1, runs
    conn = sqlite3.connect(db)
    segments = conn.execute("SELECT idx, start, end, text FROM meeting_segments WHERE meeting_id = ? ORDER BY idx",
                            [row["ref"]]).fetchall()
    conn.close()
    assert segments, "no segments stored"
    assert [s[0] for s in segments] == list(range(len(segments))), "segment numbers repeat or have gaps"
    assert len({(s[1], s[2], s[3]) for s in segments}) == len(segments), "a segment is stored twice"
    assert integrity(db) == "ok"


# --------------------------------------------------------------------------------- c. a full disk


@contextlib.contextmanager
def tmpfs(mnt: Path, size: str):
    """A real file system of `size` that can fill up (ENOSPC). Needs root (CAP_SYS_ADMIN)."""
    mnt.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(mnt)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {result.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs, as a full data disk."""
    with tmpfs(tmp_path / "disk", "2M") as mnt:
        yield mnt


def fill(directory: Path) -> Path:
    """Fill the file system of `directory` up to the last block."""
    filler = directory / "filler"
    with open(filler, "wb", buffering=0) as out:
        for size in (65536, 4096, 512):
            with contextlib.suppress(OSError):
                while True:
                    out.write(b"\0" * size)
    return filler


def test_full_disk_gives_one_line_and_keeps_the_database(small_disk, tmp_path):
    db = small_disk / "rathaus.db"
    env = {"RATHAUS_HOME": str(small_disk), "RATHAUS_DB": str(db), "RATHAUS_CONFIG": ""}
    added = run_cli("users", "add", "alice", "--password-stdin", input=PASSWORD, env=env)
    assert added.returncode == 0, added.stderr
    # Keep the -shm file mapped and the WAL empty, as while the services run: the next write
    # needs new blocks.
    holder = sqlite3.connect(db)
    holder.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    filler = fill(small_disk)
    try:
        result = run_cli("users", "add", "bob", "--password-stdin", input=PASSWORD, env=env)
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.startswith("rathaus: disk full"), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
        backup = run_cli("backup", "-o", str(small_disk / "copy.db"), env=env)
        assert backup.returncode == 2 and backup.stderr.startswith("rathaus: disk full"), backup.stderr
        assert not [p.name for p in small_disk.iterdir() if p.name.startswith("copy.db")]
    finally:
        filler.unlink()
        holder.close()
    assert integrity(db) == "ok"
    conn = sqlite3.connect(db)
    users = [r[0] for r in conn.execute("SELECT username FROM users ORDER BY username")]
    conn.close()
    assert "alice" in users and "bob" not in users
    again = run_cli("users", "add", "bob", "--password-stdin", input=PASSWORD, env=env)
    assert again.returncode == 0, again.stderr


@pytest.mark.sip
def test_bot_on_a_full_disk_refuses_calls_in_one_line_and_recovers(tmp_path):
    """The database's disk fills while the bot runs: calls get 503 (no half-written record, one
    log line, no traceback), the database stays intact, and calls work again once there is space."""
    from tests.conftest import make_home
    from sip_peers import free_port, run_caller, start_bot, stop

    with tmpfs(tmp_path / "disk", "32M") as disk:
        home = make_home(tmp_path)
        db = disk / "rathaus.db"
        env = {"RATHAUS_HOME": str(home), "RATHAUS_DB": str(db), "RATHAUS_CONFIG": ""}
        sip_port = free_port()
        uri = f"sip:hotline@127.0.0.1:{sip_port}"
        script = [{"wait_loud": 30}, {"wait_quiet": 1.0, "timeout": 30}, {"hangup": True}]
        bot = start_bot(env, sip_port, free_port(), tmp_path / "bot.log", extra=["--no-web"],
                        timeout=300)
        try:
            holder = sqlite3.connect(db)
            holder.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            filler = fill(disk)
            try:
                refused = run_caller(uri, script, tmp_path / "c1.json", tmp_path / "c1.wav", timeout=120)
                assert not refused["confirmed"] and refused["reason"].startswith("503"), refused
                assert bot.poll() is None
            finally:
                filler.unlink()
                holder.close()
            answered = run_caller(uri, script, tmp_path / "c2.json", tmp_path / "c2.wav", timeout=120)
            assert answered["confirmed"] and answered["media"], answered
            conn = sqlite3.connect(db, timeout=30)
            rows = conn.execute("SELECT outcome FROM calls WHERE ended_at IS NOT NULL").fetchall()
            open_rows = conn.execute("SELECT count(*) FROM calls WHERE ended_at IS NULL").fetchone()[0]
            conn.close()
            assert len(rows) == 1 and open_rows == 0, (rows, open_rows)
            assert integrity(db) == "ok"
        finally:
            output = stop(bot)
    assert "disk full" in output and "Traceback" not in output, output[-3000:]


def test_full_disk_during_upload_gives_507_and_no_partial_file(small_disk, tmp_path, monkeypatch, rathaus_home):
    from aiohttp import FormData

    from rathaus.config import Config
    from rathaus.store import open_store
    from tests.web.client import ADMIN_PW, Web

    cfg = tmp_path / "rathaus.toml"
    cfg.write_text(f'[meetings]\nmeetings_dir = "{small_disk / "meetings"}"\n')
    monkeypatch.setenv("RATHAUS_CONFIG", str(cfg))
    monkeypatch.setenv("RATHAUS_ADMIN_PASSWORD", ADMIN_PW)
    config = Config.load()
    store = open_store(config)
    web = Web(config, store)
    try:
        assert web.login("admin", ADMIN_PW).status == 302
        form = FormData()
        form.add_field("csrf_token", web.csrf)
        form.add_field("file", os.urandom(3 * 1024 * 1024), filename="sitzung.wav", content_type="audio/wav")
        response = web.post("/meetings", data=form)
        assert response.status == 507, response.text_[:500]
        assert "Datenträger" in response.text_
        left = [p for p in (small_disk / "meetings").rglob("*") if p.is_file()]
        assert left == [], left
        assert store.conn.execute("SELECT count(*) FROM meetings").fetchone()[0] == 0
    finally:
        web.close()
        store.close()


def test_database_size_limit_is_a_disk_full_error(tmp_path):
    """Where no tmpfs can be mounted, SQLite's own limit gives the same SQLITE_FULL."""
    from rathaus.errors import DiskFullError, is_disk_full
    from rathaus.store import Store
    from voice.phone.records import CallRecord

    store = Store(tmp_path / "rathaus.db")
    kept = CallRecord(store, "+4971112345", "partial")
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(sqlite3.OperationalError) as raw:
        store.conn.execute("CREATE TABLE filler AS SELECT zeroblob(100000) AS b")
    assert is_disk_full(raw.value)
    store.conn.rollback()
    with pytest.raises(DiskFullError, match="^disk full: cannot write the call record"):
        CallRecord(store, "+49711" + "9" * 5000, "none")
    store.close()
    assert integrity(tmp_path / "rathaus.db") == "ok"
    conn = sqlite3.connect(tmp_path / "rathaus.db")
    assert conn.execute("SELECT count(*) FROM calls WHERE id = ?", [kept.id]).fetchone()[0] == 1
    conn.close()
    assert is_disk_full(OSError(28, "No space left on device"))
    assert not is_disk_full(OSError(13, "Permission denied"))


# ------------------------------------------------------------------- d. backup while others write

WRITER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], timeout=30)
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("CREATE TABLE IF NOT EXISTS load (id INTEGER PRIMARY KEY, t REAL, pad BLOB)")
conn.commit()
print("writing", flush=True)
while True:
    with conn:
        conn.executemany("INSERT INTO load (t, pad) VALUES (?, randomblob(2000))", [(time.time(),)] * 20)
"""


def test_backup_while_another_process_writes(rathaus_home, tmp_path):
    from rathaus.store import Store

    db = rathaus_home / "rathaus.db"
    store = Store(db)
    version = store.schema_version
    store.close()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "writing"
        time.sleep(1.0)
        copies = []
        for _ in range(3):
            result = run_cli("backup")
            assert result.returncode == 0, result.stderr
            copies.append(Path(result.stdout.strip()))
            time.sleep(1.1)  # the default name has second resolution
        explicit = run_cli("backup", "-o", str(tmp_path / "copy.db"))
        assert explicit.returncode == 0 and explicit.stdout.strip() == str(tmp_path / "copy.db"), explicit.stderr
        copies.append(tmp_path / "copy.db")
        assert writer.poll() is None, "the writer was blocked or died"
    finally:
        writer.kill()
        writer.wait()
    rows = []
    for copy in copies:
        if copy.parent != tmp_path:
            assert copy.parent == rathaus_home / "backups" and copy.name.startswith("rathaus-")
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600
        assert integrity(copy) == "ok"
        assert not Path(str(copy) + "-wal").exists()
        conn = sqlite3.connect(copy)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == version
        rows.append(conn.execute("SELECT count(*) FROM load").fetchone()[0])
        conn.close()
        reopened = Store(copy)  # the current code opens it without migrating anything
        assert reopened.migrate() == [] and reopened.schema_version == version
        reopened.close()
    assert rows == sorted(rows) and rows[0] > 0 and rows[-1] > rows[0], rows
    refused = run_cli("backup", "-o", str(tmp_path / "copy.db"))
    assert refused.returncode == 2 and "exists" in refused.stderr


def test_worker_survives_a_full_disk(config, store, monkeypatch):
    """The worker thread must not die on a full disk: the queue is polled again later, and the
    job in hand fails with the one line that says what to do."""
    import errno
    import threading

    from meetings import jobs, worker
    from rathaus.store import now_iso

    stop = threading.Event()
    claims = []

    def claim(store_, me=None, lease_s=None):
        claims.append(me)
        if len(claims) == 1:
            raise sqlite3.OperationalError("database or disk is full")
        stop.set()
        return None

    monkeypatch.setattr(jobs, "claim_next", claim)
    monkeypatch.setattr(stop, "wait", lambda timeout=None: stop.is_set())
    assert worker.run_worker(config, store, stop) == 0 and len(claims) == 2

    store.db["jobs"].insert({"kind": "meeting", "ref": "m1", "params": "{}", "status": "running", "percent": 0.0,
                             "stages_done": "[]", "created_at": now_iso(), "updated_at": now_iso()})
    job_id = store.conn.execute("SELECT max(id) FROM jobs").fetchone()[0]

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(worker, "process_meeting", full)
    assert worker.run_job(config, store, jobs.get_job(store, job_id)) == "failed"
    failed = jobs.get_job(store, job_id)
    assert failed.status == "failed" and failed.error.startswith("disk full: cannot write the results of meeting m1")
