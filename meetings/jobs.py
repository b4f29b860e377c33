"""The job queue of the meeting worker, in the `jobs` table.

A job moves queued -> running -> done | failed. The worker that claims a job writes its id
(pid@host) into `worker`; a job left `running` by a worker that died is taken over again by the
next worker (its finished stages are kept in `stages_done`, so only the rest is redone). A failed
job keeps its error message until it is retried.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from typing import Any

from rathaus.errors import RathausError
from rathaus.store import Store, now_iso

KIND_MEETING = "meeting"


@dataclass
class Job:
    id: int
    kind: str
    ref: str | None
    params: dict[str, Any]
    status: str
    stage: str | None
    percent: float
    detail: str | None = None           # progress inside the stage, "done/total" windows
    stages_done: list[str] = field(default_factory=list)
    error: str | None = None
    worker: str | None = None
    attempts: int = 0
    created_at: str = ""
    updated_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def worker_id() -> str:
    return f"{os.getpid()}@{socket.gethostname()}"


def _row(row: dict) -> Job:
    return Job(
        id=row["id"], kind=row["kind"], ref=row["ref"], params=json.loads(row["params"] or "{}"),
        status=row["status"], stage=row["stage"], percent=row["percent"], detail=row.get("detail"),
        stages_done=json.loads(row["stages_done"] or "[]"), error=row["error"], worker=row["worker"],
        attempts=row.get("attempts") or 0, created_at=row["created_at"], updated_at=row["updated_at"],
    )


def enqueue_meeting(store: Store, meeting_id: str, params: dict | None = None) -> int:
    """Queue the processing of a meeting (row in `meetings`); returns the job id."""
    if not store.db["meetings"].count_where("id = ?", [meeting_id]):
        raise RathausError(f"no meeting with id {meeting_id}")
    now = now_iso()
    table = store.db["jobs"]
    table.insert({"kind": KIND_MEETING, "ref": meeting_id, "params": json.dumps(params or {}, ensure_ascii=False),
                  "status": "queued", "percent": 0.0, "stages_done": "[]", "created_at": now, "updated_at": now})
    return int(table.last_pk)


def get_job(store: Store, job_id: int) -> Job | None:
    rows = list(store.db.query("SELECT * FROM jobs WHERE id = ?", [job_id]))
    return _row(rows[0]) if rows else None


def list_jobs(store: Store, status: str | None = None, limit: int = 50) -> list[Job]:
    sql, params = "SELECT * FROM jobs", []
    if status:
        sql, params = sql + " WHERE status = ?", [status]
    return [_row(r) for r in store.db.query(sql + " ORDER BY id DESC LIMIT ?", params + [limit])]


def _pid_alive(worker: str | None) -> bool:
    """Whether the worker process named pid@host still runs (only checkable on this host)."""
    if not worker or "@" not in worker:
        return False
    pid, host = worker.split("@", 1)
    if host != socket.gethostname():
        return True  # another machine: trust it
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def claim_next(store: Store, me: str | None = None) -> Job | None:
    """Atomically take the oldest queued job, or a running one whose worker died."""
    me = me or worker_id()
    conn = store.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        rows = conn.execute(
            "SELECT id, status, worker FROM jobs WHERE kind = ? AND status IN ('queued', 'running') ORDER BY id",
            [KIND_MEETING],
        ).fetchall()
        chosen = None
        for job_id, status, worker in rows:
            if status == "queued" or (worker != me and not _pid_alive(worker)):
                chosen = job_id
                break
        if chosen is None:
            conn.execute("COMMIT")
            return None
        conn.execute(
            "UPDATE jobs SET status = 'running', worker = ?, attempts = attempts + 1, error = NULL, updated_at = ? WHERE id = ?",
            [me, now_iso(), chosen],
        )
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    return get_job(store, chosen)


def update_progress(store: Store, job_id: int, stage: str, percent: float, stages_done: list[str] | None = None,
                    detail: str | None = None) -> None:
    values: dict[str, Any] = {"stage": stage, "percent": round(float(percent), 2), "updated_at": now_iso(),
                              "detail": detail or None}
    if stages_done is not None:
        values["stages_done"] = json.dumps(stages_done)
    store.db["jobs"].update(job_id, values)


def finish(store: Store, job_id: int) -> None:
    store.db["jobs"].update(job_id, {"status": "done", "percent": 100.0, "stage": "done", "updated_at": now_iso()})


def fail(store: Store, job_id: int, error: str) -> None:
    store.db["jobs"].update(job_id, {"status": "failed", "error": error[:2000], "updated_at": now_iso()})


def retry(store: Store, job_id: int) -> Job:
    """Queue a failed job again; finished stages stay finished."""
    job = get_job(store, job_id)
    if job is None:
        raise RathausError(f"no job with id {job_id}")
    if job.status not in ("failed", "done"):
        raise RathausError(f"job {job_id} is {job.status}; only failed or done jobs can be retried")
    store.db["jobs"].update(job_id, {"status": "queued", "error": None, "worker": None, "updated_at": now_iso()})
    return get_job(store, job_id)  # type: ignore[return-value]
