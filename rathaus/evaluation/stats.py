"""Summary figures that more than one benchmark or evaluation reports, computed one way."""

from __future__ import annotations


def percentile(values: list[float], q: float) -> float | None:
    """The `q` quantile (0..1) of `values`, interpolated linearly between the two nearest ranks
    (numpy's default method, and `statistics.median` for q = 0.5), rounded to 0.1; None when
    there are no values. Every p50/p95 that bench/ and `rathaus eval` print comes from here."""
    if not values:
        return None
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return round(values[lo] + (values[hi] - values[lo]) * (k - lo), 1)
