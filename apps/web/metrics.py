"""/metrics in the Prometheus text exposition format (version 0.0.4).

From the database, so right whichever unit serves the page: calls in progress, calls by outcome,
the answer latency of caller turns, meeting jobs by state. From this process (rathaus.metrics):
ASR seconds per caller turn and logged errors; these are only filled where the phone bot runs in
the same process (`rathaus serve`), see docs in apps/web/README.md.

Calls and turns are counted over what the database still holds: retention deletes old ones, so
these are exposed as gauges, not counters (a counter must never go down).
"""

from __future__ import annotations

import math

from rathaus import metrics
from rathaus.store import Store

LATENCY_BUCKETS_S = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
JOB_STATES = ("queued", "running", "done", "failed")


def _label(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if isinstance(value, float) and math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if isinstance(value, float) else str(int(value))


class _Out:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str) -> None:
        self.lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]

    def sample(self, name: str, value: float, **labels: str) -> None:
        inner = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
        self.lines.append(f"{name}{{{inner}}} {_number(value)}" if inner else f"{name} {_number(value)}")

    def histogram(self, name: str, buckets: list[tuple[float, int]], total: float, count: int) -> None:
        for bound, n in buckets:
            self.sample(f"{name}_bucket", n, le=_number(float(bound)))
        self.sample(f"{name}_sum", float(total))
        self.sample(f"{name}_count", count)


def render(store: Store, stale_jobs: int) -> str:
    out = _Out()
    conn = store.conn
    active = conn.execute("SELECT count(*) FROM calls WHERE outcome IS NULL AND ended_at IS NULL").fetchone()[0]
    out.family("rathaus_calls_active", "gauge", "Calls in progress (no outcome yet).")
    out.sample("rathaus_calls_active", active)
    out.family("rathaus_calls", "gauge", "Finished calls held in the database, by outcome (retention deletes old ones).")
    for outcome, n in conn.execute("SELECT outcome, count(*) FROM calls WHERE outcome IS NOT NULL GROUP BY outcome ORDER BY outcome"):
        out.sample("rathaus_calls", n, outcome=outcome)

    latencies = [row[0] / 1000.0 for row in conn.execute("SELECT latency_ms FROM call_turns WHERE latency_ms IS NOT NULL")]
    out.family("rathaus_turn_latency_seconds", "histogram",
               "End of caller speech to the first answer audio, caller turns held in the database.")
    out.histogram("rathaus_turn_latency_seconds",
                  [(b, sum(1 for v in latencies if v <= b)) for b in LATENCY_BUCKETS_S] + [(math.inf, len(latencies))],
                  sum(latencies), len(latencies))

    buckets, total, count = metrics.asr_seconds.snapshot()
    out.family("rathaus_asr_seconds", "histogram", "Speech recognition time per caller turn, in this process.")
    out.histogram("rathaus_asr_seconds", buckets, total, count)

    by_state = dict.fromkeys(JOB_STATES, 0)
    by_state.update(dict(conn.execute("SELECT status, count(*) FROM jobs GROUP BY status").fetchall()))
    out.family("rathaus_meeting_jobs", "gauge", "Meeting jobs by state (stale: running, but the worker's lease has expired).")
    for state, n in sorted(by_state.items()):
        out.sample("rathaus_meeting_jobs", n, state=state)
    out.sample("rathaus_meeting_jobs", stale_jobs, state="stale")

    out.family("rathaus_log_errors_total", "counter", "Log records at ERROR or above in this process, by package.")
    for package, n in sorted(metrics.errors.counts.items()):
        out.sample("rathaus_log_errors_total", n, package=package)
    out.family("rathaus_calls_with_error", "gauge", "Calls held in the database whose record has an error.")
    out.sample("rathaus_calls_with_error", conn.execute("SELECT count(*) FROM calls WHERE error IS NOT NULL").fetchone()[0])
    return "\n".join(out.lines) + "\n"
