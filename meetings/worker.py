"""The meeting worker: takes queued meeting jobs from the store and runs the pipeline.

Runs inside `rathaus serve` (a thread) or alone (`rathaus jobs work`). Progress goes to the job
row (stage, percent, stages_done). A RathausError (bad file, missing engine) fails the job with
that message; an unexpected exception fails it with the exception text and a logged traceback.
When asked to stop, the current job goes back to `queued` and resumes from its finished stages.
While a job runs, a heartbeat thread keeps its lease ([meetings] job_lease_s) fresh, so that a
worker that died (or a reboot) frees the job for the next worker without trusting PIDs.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from typing import Callable

from meetings import jobs
from meetings.lease import Heartbeat
from meetings.pipeline import MeetingParams, meeting_settings, process_meeting
from meetings.stop import Interrupted
from rathaus.errors import RathausError, disk_full_error, is_disk_full
from rathaus.store import Store

log = logging.getLogger(__name__)


def run_job(config, store: Store, job: jobs.Job, stop_event: threading.Event | None = None,
            beat: Callable[[], None] | None = None) -> str:
    """Process one claimed job; returns its final status (done, failed or queued when stopped;
    "lost" when another worker took the job over after this one stalled past its lease)."""
    me = job.worker or jobs.worker_id()
    def refresh() -> bool:
        if beat is not None:
            beat()  # the process-level liveness (/healthz, systemd watchdog) follows the lease
        return jobs.heartbeat(store, job.id, me)

    lease = Heartbeat(refresh, meeting_settings(config).job_lease_s)
    with lease:
        status = _run_job(config, store, job, stop_event, lease.lost)
    if lease.lost.is_set():
        log.warning("job %s: lease lost to another worker; its result is left to that worker", job.id)
        return "lost"
    return status


def _run_job(config, store: Store, job: jobs.Job, stop_event: threading.Event | None,
             lost: threading.Event) -> str:
    last = {"t": 0.0, "detail": None}

    def progress(stage: str, percent: float, detail: str) -> None:
        now = time.monotonic()
        step = detail if detail and "/" in detail else None  # "3/20": windows done in this stage
        if now - last["t"] >= 0.5 or percent >= 100 or step != last["detail"]:
            last["t"], last["detail"] = now, step
            jobs.update_progress(store, job.id, stage, percent, detail=step)

    def stages(done: list[str]) -> None:
        jobs.update_progress(store, job.id, done[-1] if done else "", _current_percent(store, job.id), done)

    def should_stop() -> bool:
        return lost.is_set() or bool(stop_event and stop_event.is_set())

    params = MeetingParams.from_dict(job.params)
    log.info("job %s: meeting %s (attempt %s)", job.id, job.ref, job.attempts)
    try:
        process_meeting(config, store, job.ref or "", progress, params, on_stage_done=stages,
                        should_stop=should_stop)
    except Interrupted:
        if lost.is_set():
            return "lost"
        jobs.requeue(store, job.id)
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
    if lost.is_set():
        return "lost"
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


def run_worker(config, store: Store, stop_event: threading.Event, once: bool = False,
               beat: Callable[[], None] | None = None) -> int:
    """Poll for jobs until `stop_event` is set (or, with once, until the queue is empty).
    Returns the number of jobs processed. `beat` (rathaus.liveness) is called on every poll and
    every lease refresh of a running job."""
    settings = meeting_settings(config)
    poll = max(0.1, float(settings.poll_s))
    me = jobs.worker_id()
    count = 0
    while not stop_event.is_set():
        if beat is not None:
            beat()
        try:
            job = jobs.claim_next(store, me, settings.job_lease_s)
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
        run_job(config, store, job, stop_event, beat)
        count += 1
    return count
