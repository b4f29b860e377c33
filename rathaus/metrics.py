"""In-process measurements for /metrics: ASR seconds per caller turn and logged errors.

What the database holds (calls, turn latency, jobs) is read from there by apps.web.metrics, so
it is right in every unit layout. These figures only exist in the process that measured them:
with `rathaus serve` (all in one) the page shows them; in the split units the web process has
no phone calls of its own and shows zero counts.
"""

from __future__ import annotations

import bisect
import logging
import threading
from collections import Counter

ASR_BUCKETS = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)


class Histogram:
    """Cumulative buckets, sum and count, as Prometheus histograms are exposed."""

    def __init__(self, buckets: tuple[float, ...]):
        self.buckets = tuple(sorted(buckets))
        self._counts = [0] * (len(self.buckets) + 1)
        self._sum = 0.0
        self._lock = threading.Lock()

    def observe(self, value: float) -> None:
        with self._lock:
            self._counts[bisect.bisect_left(self.buckets, value)] += 1
            self._sum += value

    def snapshot(self) -> tuple[list[tuple[float, int]], float, int]:
        """([(upper bound, cumulative count)] ending with +Inf, sum, count)."""
        with self._lock:
            counts, total = list(self._counts), self._sum
        cumulative, running = [], 0
        for bound, n in zip(self.buckets + (float("inf"),), counts):
            running += n
            cumulative.append((bound, running))
        return cumulative, total, running


asr_seconds = Histogram(ASR_BUCKETS)


class ErrorCounter(logging.Handler):
    """Counts ERROR and CRITICAL records by the top-level package of their logger."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.counts: Counter[str] = Counter()
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._guard:
            self.counts[record.name.split(".", 1)[0] or "root"] += 1


errors = ErrorCounter()


def install_error_counter(logger: logging.Logger | None = None) -> None:
    logger = logger or logging.getLogger()
    if errors not in logger.handlers:
        logger.addHandler(errors)
