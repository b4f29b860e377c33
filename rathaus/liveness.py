"""Whether the parts of one process (SIP stack, meeting worker, ...) are still alive.

Each component registered here proves it lives by calling `beat()` from its own loop (the SIP
poll loop, the worker's poll loop and job heartbeat); it is stale when its last beat is older than
its `max_age_s`, and dead when its `alive` callable (a thread or task still running) says so.
`/healthz` reports these, and the systemd watchdog is only fed while all of them are fine, so a
hung or dead part gets the process restarted instead of answering "ok" forever.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class _Component:
    max_age_s: float | None
    alive: Callable[[], bool] | None
    last: float = field(default_factory=time.monotonic)


class Liveness:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._components: dict[str, _Component] = {}

    def register(self, name: str, max_age_s: float | None = None,
                 alive: Callable[[], bool] | None = None) -> Callable[[], None]:
        """Add a component; returns its beat function (cheap: one clock read)."""
        with self._lock:
            self._components[name] = _Component(max_age_s, alive)
        return lambda: self.beat(name)

    def beat(self, name: str) -> None:
        component = self._components.get(name)
        if component is not None:
            component.last = time.monotonic()

    def report(self) -> dict[str, str]:
        """name -> "ok" or what is wrong, for every registered component."""
        now = time.monotonic()
        with self._lock:
            items = list(self._components.items())
        out = {}
        for name, c in items:
            try:
                running = c.alive() if c.alive is not None else True
            except Exception as exc:  # a broken probe is a failed check, not a crashed health page
                running, out[name] = False, f"check failed: {type(exc).__name__}"
                continue
            if not running:
                out[name] = "stopped"
            elif c.max_age_s is not None and now - c.last > c.max_age_s:
                out[name] = f"no heartbeat for {now - c.last:.1f} s"
            else:
                out[name] = "ok"
        return out

    def healthy(self) -> bool:
        return all(v == "ok" for v in self.report().values())

    def names(self) -> list[str]:
        with self._lock:
            return list(self._components)
