"""The meeting worker: takes queued meeting jobs from the store and runs the pipeline.

Runs inside `rathaus serve` (a thread) or alone (`rathaus jobs work`). Progress goes to the job
row (stage, percent, stages_done). A RathausError (bad file, missing engine) fails the job with
that message; an unexpected exception fails it with the exception text and a logged traceback.
When asked to stop, the current job goes back to `queued` and resumes from its finished stages.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback

from meetings import jobs
from meetings.pipeline import Interrupted, MeetingParams, meeting_settings, process_meeting
from rathaus.errors import RathausError, disk_full_error, is_disk_full
from rathaus.store import Store, now_iso

log = logging.getLogger(__name__)


def run_job(config, store: Store, job: jobs.Job, stop_event: threading.Event | None = None) -> str:
    """Process one claimed job; returns its final status (done, failed or queued when stopped)."""
    last = {"t": 0.0, "detail": None}

    def progress(stage: str, percent: float, detail: str) -> None:
        now = time.monotonic()
        step = detail if detail and "/" in detail else None  # "3/20": windows done in this stage
        if now - last["t"] >= 0.5 or percent >= 100 or step != last["detail"]:
            last["t"], last["detail"] = now, step
            jobs.update_progress(store, job.id, stage, percent, detail=step)

    def stages(done: list[str]) -> None:
        jobs.update_progress(store, job.id, done[-1] if done else "", _current_percent(store, job.id), done)

    params = MeetingParams.from_dict(job.params)
    log.info("job %s: meeting %s (attempt %s)", job.id, job.ref, job.attempts)
    try:
        process_meeting(config, store, job.ref or "", progress, params, on_stage_done=stages,
                        should_stop=(stop_event.is_set if stop_event else None))
    except Interrupted:
        store.db["jobs"].update(job.id, {"status": "queued", "worker": None, "updated_at": now_iso()})
        log.info("job %s: stopped, will resume", job.id)
        return "queued"
    except RathausError as exc:
        jobs.fail(store, job.id, str(exc))
        log.warning("job %s failed: %s", job.id, exc)
        return "failed"
    except Exception as exc:  # a bug: keep the message for the review page and the traceback in the log
        if is_disk_full(exc):
            return _fail_disk_full(store, job, exc)
        jobs.fail(store, job.id, f"internal error: {type(exc).__name__}: {exc}")
        log.error("job %s crashed:\n%s", job.id, traceback.format_exc())
        return "failed"
    jobs.finish(store, job.id)
    log.info("job %s done", job.id)
    return "done"


def _fail_disk_full(store: Store, job: jobs.Job, exc: BaseException) -> str:
    """A full disk is the operator's to fix, not a bug: one line, and `jobs retry` once space is
    free. If even the failure cannot be written, the job stays claimed and the next start of the
    worker takes it up again."""
    message = str(disk_full_error(exc, f"the results of meeting {job.ref}"))
    log.error("job %s: %s", job.id, message)
    try:
        jobs.fail(store, job.id, message)
    except Exception as again:
        if not is_disk_full(again):
            raise
        store.rollback_quietly()
    return "failed"


def _current_percent(store: Store, job_id: int) -> float:
    job = jobs.get_job(store, job_id)
    return job.percent if job else 0.0


def run_worker(config, store: Store, stop_event: threading.Event, once: bool = False) -> int:
    """Poll for jobs until `stop_event` is set (or, with once, until the queue is empty).
    Returns the number of jobs processed."""
    poll = max(0.1, float(meeting_settings(config).poll_s))
    me = jobs.worker_id()
    count = 0
    while not stop_event.is_set():
        try:
            job = jobs.claim_next(store, me)
        except Exception as exc:
            if not is_disk_full(exc):
                raise
            log.error("meeting worker: %s", disk_full_error(exc, "the job queue"))
            store.rollback_quietly()
            stop_event.wait(max(poll, 30.0))
            continue
        if job is None:
            if once:
                break
            stop_event.wait(poll)
            continue
        run_job(config, store, job, stop_event)
        count += 1
    return count
