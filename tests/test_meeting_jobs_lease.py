"""Issue 15 item 4: a meeting job's liveness is a lease (heartbeat + boot id), not a PID.

After a reboot the recorded PID may belong to another process, or to the new worker itself; the
job stayed `running` forever and `rathaus jobs retry` refused it. Real SQLite files, a real worker
process that holds a job with a live heartbeat and is then killed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from meetings import jobs, lease
from meetings.pipeline import create_meeting
from rathaus.errors import RathausError
from rathaus.store import now_iso
from tests.conftest import ROOT, run_cli
from rathaus.speech.audio import write_wav

LEASE_S = 1.0


def _job(config, store, tmp_path, **row) -> int:
    audio = write_wav(tmp_path / f"kurz{time.monotonic_ns()}.wav", np.zeros(16000, dtype=np.float32), 16000)
    job_id = jobs.enqueue_meeting(store, create_meeting(config, store, audio), {"source": str(audio)})
    if row:
        store.db["jobs"].update(job_id, row)
    return job_id


def test_defect_stuck_meeting_job_after_reboot_with_reused_pid(config, store, tmp_path):
    """The job was claimed in an earlier boot by a worker whose PID is now this very process (the
    new worker itself): the boot id tells it is dead, so the new worker takes it over, and `jobs
    retry` may queue it again, even though its heartbeat looks fresh and the PID is alive."""
    me = jobs.worker_id()
    assert lease.boot_id(), "this test needs /proc/sys/kernel/random/boot_id"
    job_id = _job(config, store, tmp_path, status="running", worker=me, heartbeat_at=time.time(),
                  boot_id="00000000-0000-0000-0000-000000000000")
    assert jobs.is_stale(jobs.get_job(store, job_id))
    claimed = jobs.claim_next(store, me)
    assert claimed is not None and claimed.id == job_id and claimed.boot_id == lease.boot_id()
    assert claimed.attempts == 1 and not jobs.is_stale(claimed)

    other = _job(config, store, tmp_path, status="running", worker=f"{os.getpid()}@{socket.gethostname()}",
                 heartbeat_at=time.time(), boot_id="11111111-1111-1111-1111-111111111111")
    assert jobs.retry(store, other).status == "queued"


def test_defect_stuck_meeting_job_with_a_live_pid_but_expired_lease(config, store, tmp_path):
    """The PID (this test process, alive) says nothing: no heartbeat for longer than the lease is dead."""
    job_id = _job(config, store, tmp_path, status="running", worker=f"{os.getpid()}@{socket.gethostname()}",
                  heartbeat_at=time.time() - 120, boot_id=lease.boot_id())
    assert jobs.claim_next(store, "other@elsewhere", lease_s=60).id == job_id
    legacy = _job(config, store, tmp_path, status="running", worker=f"{os.getpid()}@{socket.gethostname()}")
    assert jobs.is_stale(jobs.get_job(store, legacy))  # claimed before the migration: no heartbeat
    cli = run_cli("jobs", "retry", str(legacy))
    assert cli.returncode == 0 and "queued again" in cli.stdout, cli.stderr


HOLDER = """
import sys, time
from rathaus.config import Config
from rathaus.store import open_store
from meetings import jobs
from meetings.lease import Heartbeat
store = open_store(Config.load())
job = jobs.claim_next(store, lease_s=float(sys.argv[1]))
with Heartbeat(lambda: jobs.heartbeat(store, job.id, job.worker), float(sys.argv[1])):
    print(job.id, flush=True)
    time.sleep(600)
"""


def test_defect_stuck_meeting_job_lease_held_while_alive_freed_when_killed(config, store, tmp_path):
    job_id = _job(config, store, tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(LEASE_S)], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert int(holder.stdout.readline()) == job_id
        deadline = time.time() + 3 * LEASE_S  # three leases long the live heartbeat keeps the job
        while time.time() < deadline:
            assert jobs.claim_next(store, "other@host", LEASE_S) is None
            with pytest.raises(RathausError, match="lease"):
                jobs.retry(store, job_id, LEASE_S)
            time.sleep(0.1)
        beat = jobs.get_job(store, job_id).heartbeat_at
        assert time.time() - beat < LEASE_S
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # same host, same boot, and its PID is gone: dead at once, without waiting for the lease
    taken = jobs.claim_next(store, "other@host", 3600)
    assert taken is not None and taken.id == job_id and taken.worker == "other@host" and taken.attempts == 2


def test_defect_stuck_meeting_job_holder_on_another_host_waits_for_its_lease(config, store, tmp_path):
    job_id = _job(config, store, tmp_path, status="running", worker="4711@other-host", heartbeat_at=time.time(),
                  boot_id="22222222-2222-2222-2222-222222222222")
    assert jobs.claim_next(store, "me@here", LEASE_S) is None  # its lease is fresh: it lives
    time.sleep(LEASE_S + 0.2)
    assert jobs.claim_next(store, "me@here", LEASE_S).id == job_id


def test_lease_lost_to_another_worker_stops_the_heartbeat(config, store, tmp_path):
    job_id = _job(config, store, tmp_path)
    job = jobs.claim_next(store, "a@host", 0.4)
    with lease.Heartbeat(lambda: jobs.heartbeat(store, job_id, "a@host"), 0.4) as beat:
        time.sleep(0.3)
        assert not beat.lost.is_set()
        store.db["jobs"].update(job_id, {"worker": "b@host", "updated_at": now_iso()})
        assert beat.lost.wait(2.0)
    assert job.id == job_id
