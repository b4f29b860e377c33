"""Rate limits for the public chat: per address and for everyone together, in memory.

A sliding window of one minute per key. In memory because a flood must be refused without a
database write per request; each process (the review page or a `--chat-only` unit) has its own
window, which makes the limits per process — stated in the README.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class SlidingWindow:
    """At most `limit` events per `window_s` for each key; the oldest keys are dropped when more
    than `max_keys` are tracked (a flood from many addresses must not grow memory without end)."""

    def __init__(self, limit: int, window_s: float = 60.0, max_keys: int = 50_000):
        self.limit = max(1, int(limit))
        self.window_s = window_s
        self.max_keys = max_keys
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> float:
        """Record an event; 0 when allowed, else the seconds until the next one is."""
        now = time.monotonic() if now is None else now
        with self._lock:
            events = self._events.get(key)
            if events is None:
                if len(self._events) >= self.max_keys:
                    self._events.pop(next(iter(self._events)))
                events = self._events[key] = deque()
            while events and events[0] <= now - self.window_s:
                events.popleft()
            if len(events) >= self.limit:
                return max(0.1, events[0] + self.window_s - now)
            events.append(now)
            return 0.0


class ChatLimits:
    """Per address first (one noisy address is refused before it uses up the global share)."""

    def __init__(self, per_address: int, global_limit: int):
        self.per_address = SlidingWindow(per_address)
        self.everyone = SlidingWindow(global_limit, max_keys=1)

    def check(self, address: str | None) -> float:
        wait = self.per_address.hit(address or "-")
        if wait:
            return wait
        return self.everyone.hit("all")
