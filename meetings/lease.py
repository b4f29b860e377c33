"""Whether the worker holding a meeting job is still alive: a lease, not a PID.

A PID says nothing after a reboot: it may belong to any other process, or to the new worker
itself, and the job stayed `running` forever. So the holder refreshes a heartbeat while it works
(`Heartbeat`, a thread, every quarter of the lease), and a running job is dead when its heartbeat
is older than the lease ([meetings] job_lease_s), or when it was claimed on this host in an
earlier boot (/proc/sys/kernel/random/boot_id changes with every boot).

One shortcut stays from the PID: on the same host in the same boot, a holder PID that no longer
exists proves the worker died (a crash restarted by systemd resumes at once instead of after the
lease). A PID that exists proves nothing (it may have been reused), so then the lease decides.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

BOOT_ID_FILE = Path("/proc/sys/kernel/random/boot_id")
DEFAULT_LEASE_S = 60.0


@lru_cache(maxsize=1)
def boot_id() -> str | None:
    """This boot of this machine (None where /proc does not tell, e.g. not Linux)."""
    try:
        return BOOT_ID_FILE.read_text(encoding="ascii").strip() or None
    except OSError:
        return None


def holder_host(worker: str | None) -> str | None:
    return worker.split("@", 1)[1] if worker and "@" in worker else None


def is_dead(worker: str | None, heartbeat_at: float | None, job_boot: str | None, lease_s: float,
            now: float | None = None, my_boot: str | None = None) -> bool:
    """Whether a running job's holder is gone (see the module docstring)."""
    now = time.time() if now is None else now
    my_boot = boot_id() if my_boot is None else my_boot
    if heartbeat_at is None:
        return True  # claimed before leases existed, or never heartbeated: nobody vouches for it
    if job_boot and my_boot and holder_host(worker) == socket.gethostname() and job_boot != my_boot:
        return True  # claimed on this host before the last reboot
    if job_boot and job_boot == my_boot and holder_host(worker) == socket.gethostname() and _pid_gone(worker):
        return True
    return now - float(heartbeat_at) > lease_s


def _pid_gone(worker: str | None) -> bool:
    try:
        os.kill(int((worker or "").split("@", 1)[0]), 0)
    except ProcessLookupError:
        return True
    except (ValueError, PermissionError, OverflowError):
        return False
    return False


def seconds_since(heartbeat_at: float | None, now: float | None = None) -> float | None:
    return None if heartbeat_at is None else (time.time() if now is None else now) - float(heartbeat_at)


class Heartbeat:
    """Refreshes one job's lease from a thread while the job runs. `lost` is set when the row no
    longer belongs to this worker (another worker took it over after a stall): the job must stop."""

    def __init__(self, beat, lease_s: float):
        self._beat = beat  # () -> bool: refresh the lease; False when the job is no longer ours
        self._interval = max(0.05, float(lease_s) / 4)
        self._stop = threading.Event()
        self.lost = threading.Event()
        self._thread = threading.Thread(target=self._run, name="job-heartbeat", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                if not self._beat():
                    log.warning("meeting job lease lost: another worker holds the job now")
                    self.lost.set()
                    return
            except Exception as exc:  # a locked or full database: try again next beat
                log.warning("meeting job heartbeat failed: %s", exc)
