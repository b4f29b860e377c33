"""systemd's notify protocol in pure Python: READY=1 when serving, WATCHDOG=1 while healthy.

The units are `Type=notify` with `WatchdogSec=`: systemd starts dependants only after READY=1 and
kills and restarts a process whose watchdog pings stop. The pings are sent by a task on the
process's event loop and only while every component in its `Liveness` is fine, so a blocked loop,
a hung SIP stack or a dead worker thread all end in a restart. Outside systemd ($NOTIFY_SOCKET
unset) every call is a no-op.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket

from rathaus.liveness import Liveness

log = logging.getLogger(__name__)


_VARIABLES = ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")
_claimed: dict[str, str] | None = None


def claim() -> None:
    """Take the notify variables out of the environment (sd_notify's unset_environment), so that
    child processes (SIP workers, kamailio) do not notify in this service's name."""
    global _claimed
    if _claimed is None:
        _claimed = {k: os.environ.pop(k) for k in _VARIABLES if k in os.environ}


def _env(name: str) -> str | None:
    return (_claimed if _claimed is not None else os.environ).get(name)


def notify(message: str) -> bool:
    """Send one datagram to $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace)."""
    address = _env("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        # never blocks the event loop: a full receive queue drops this one message
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC | socket.SOCK_NONBLOCK) as sock:
            sock.connect(address)
            sock.send(message.encode("utf-8"))
        return True
    except OSError as exc:
        log.warning("sd_notify to %s failed: %s", _env("NOTIFY_SOCKET"), exc)
        return False


def watchdog_interval() -> float | None:
    """Seconds between pings (half of WatchdogSec), or None when no watchdog is asked for."""
    usec = _env("WATCHDOG_USEC")
    pid = _env("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return max(0.05, int(usec) / 1e6 / 2)
    except ValueError:
        return None


async def supervise(stop: asyncio.Event, liveness: Liveness, status: str) -> None:
    """READY=1, then WATCHDOG=1 every half watchdog period while `liveness` is healthy, until
    `stop`; STOPPING=1 at the end."""
    notify(f"READY=1\nSTATUS={status}")
    interval = watchdog_interval()
    warned = False
    try:
        while not stop.is_set():
            if interval is not None:
                report = liveness.report()
                failing = {k: v for k, v in report.items() if v != "ok"}
                if not failing:
                    notify("WATCHDOG=1")
                    warned = False
                elif not warned:
                    log.error("watchdog not fed, a component is unhealthy: %s", failing)
                    notify("STATUS=unhealthy: " + ", ".join(f"{k} {v}" for k, v in failing.items()))
                    warned = True
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval or 3600)
            except asyncio.TimeoutError:
                pass
    finally:
        notify("STOPPING=1")
