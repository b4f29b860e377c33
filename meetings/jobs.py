"""The job queue of the meeting worker, in the `jobs` table.

A job moves queued -> running -> done | failed. The worker that claims a job writes its id
(pid@host), the host's boot id and a heartbeat; while it works it keeps the heartbeat fresh
(meetings/lease.py). A job left `running` whose lease has expired, or that was claimed before the
host rebooted, is taken over by the next worker (its finished stages are kept in `stages_done`,
so only the rest is redone) and may be queued again with `rathaus jobs retry`. The PID is only
a label: after a reboot it may belong to anything. A failed job keeps its error message until it
is retried.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from typing import Any

from meetings import lease, records
from meetings.records import KIND_MEETING
from rathaus.errors import RathausError
from rathaus.store import Store, now_iso


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
    heartbeat_at: float | None = None
    boot_id: str | None = None

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
        heartbeat_at=row.get("heartbeat_at"), boot_id=row.get("boot_id"),
    )


def is_stale(job: Job, lease_s: float = lease.DEFAULT_LEASE_S) -> bool:
    """A `running` job whose worker is gone (lease expired or claimed in an earlier boot)."""
    return job.status == "running" and lease.is_dead(job.worker, job.heartbeat_at, job.boot_id, lease_s)


def enqueue_meeting(store: Store, meeting_id: str, params: dict | None = None) -> int:
    """Queue the processing of a meeting (row in `meetings`); returns the job id."""
    if not records.exists(store, meeting_id):
        raise RathausError(f"no meeting with id {meeting_id}")
    return records.insert_job(store, KIND_MEETING, meeting_id, params or {})


def get_job(store: Store, job_id: int) -> Job | None:
    row = records.job_row(store, job_id)
    return _row(row) if row else None


def list_jobs(store: Store, status: str | None = None, limit: int = 50) -> list[Job]:
    return [_row(r) for r in records.job_rows(store, status, limit)]


def latest_meeting_job(store: Store, meeting_id: str) -> Job | None:
    """The newest job of a meeting (what its page shows)."""
    row = records.latest_job(store, meeting_id)
    return _row(row) if row else None


def claim_next(store: Store, me: str | None = None, lease_s: float = lease.DEFAULT_LEASE_S) -> Job | None:
    """Atomically take the oldest queued job, or a running one whose holder is dead (lease
    expired or claimed in an earlier boot), and start its lease."""
    chosen = records.claim_job(
        store, KIND_MEETING, me or worker_id(), lease.boot_id(),
        lambda status, worker, heartbeat_at, job_boot:
            status == "queued" or lease.is_dead(worker, heartbeat_at, job_boot, lease_s))
    return None if chosen is None else get_job(store, chosen)


def heartbeat(store: Store, job_id: int, me: str) -> bool:
    """Refresh the lease of a job this worker runs; False when it is no longer ours."""
    return records.touch_job(store, job_id, me)


def update_progress(store: Store, job_id: int, stage: str, percent: float, stages_done: list[str] | None = None,
                    detail: str | None = None) -> None:
    values: dict[str, Any] = {"stage": stage, "percent": round(float(percent), 2), "updated_at": now_iso(),
                              "detail": detail or None}
    if stages_done is not None:
        values["stages_done"] = json.dumps(stages_done)
    records.update_job(store, job_id, values)


def finish(store: Store, job_id: int) -> None:
    records.update_job(store, job_id, {"status": "done", "percent": 100.0, "stage": "done", "updated_at": now_iso()})


def fail(store: Store, job_id: int, error: str) -> None:
    records.update_job(store, job_id, {"status": "failed", "error": error[:2000], "updated_at": now_iso()})


def retry(store: Store, job_id: int, lease_s: float = lease.DEFAULT_LEASE_S) -> Job:
    """Queue a failed, done or stale (running, holder dead) job again; finished stages stay
    finished."""
    job = get_job(store, job_id)
    if job is None:
        raise RathausError(f"no job with id {job_id}")
    if job.status == "running" and not is_stale(job, lease_s):
        ago = lease.seconds_since(job.heartbeat_at)
        raise RathausError(f"job {job_id} is running on {job.worker} (heartbeat {ago:.0f} s ago, lease {lease_s:g} s);"
                           " it can be retried once its lease has expired")
    if job.status not in ("failed", "done", "running"):
        raise RathausError(f"job {job_id} is {job.status}; only failed, done or stale running jobs can be retried")
    records.update_job(store, job_id, {"status": "queued", "error": None, "worker": None, "heartbeat_at": None,
                                       "boot_id": None, "updated_at": now_iso()})
    return get_job(store, job_id)  # type: ignore[return-value]


def requeue(store: Store, job_id: int) -> None:
    """A job its worker stopped on purpose goes back to the queue (no error, no holder); it
    resumes from its finished stages."""
    records.update_job(store, job_id, {"status": "queued", "worker": None, "heartbeat_at": None,
                                       "updated_at": now_iso()})
