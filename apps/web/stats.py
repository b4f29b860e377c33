"""Figures for the dashboard, straight from the calls the phone bot wrote."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta

from rathaus.store import Store

# hand-off reasons meaning "the caller wanted a person", not "the catalog had nothing": as codes,
# and as the texts the phone bot (prompts phone.reason.*) and the catalog (catalog.reason.*) write
PERSON_CODES = ("asked_for_human", "asked_for_person", "request", "dtmf")
PERSON_PROMPTS = ("phone.reason.request", "phone.reason.dtmf", "catalog.reason.asked_for_person")


@dataclass
class Dashboard:
    days: list[tuple[str, int]]                 # (YYYY-MM-DD, calls)
    outcomes: list[tuple[str, int]]             # (outcome, calls)
    total: int
    top_services: list[tuple[str, int]]         # (service id, calls)
    gaps: list[dict] = field(default_factory=list)  # {text, count, last, call_id}
    latency: dict = field(default_factory=dict)     # count, mean, p50, p90, p95, max, histogram
    channels: dict = field(default_factory=dict)    # channel (phone, web) -> [(YYYY-MM-DD, conversations)]
    callbacks: list[dict] = field(default_factory=list)  # open callback/contact requests, newest first


def dashboard(store: Store, days: int = 30, today: date | None = None) -> Dashboard:
    today = today or date.today()
    first = today - timedelta(days=days - 1)
    per_day = dict(store.conn.execute(
        "SELECT substr(started_at, 1, 10), count(*) FROM calls WHERE substr(started_at, 1, 10) >= ? GROUP BY 1",
        (first.isoformat(),)).fetchall())
    series = [((first + timedelta(d)).isoformat(), per_day.get((first + timedelta(d)).isoformat(), 0)) for d in range(days)]
    window = (first.isoformat(),)
    outcomes = store.conn.execute(
        "SELECT coalesce(outcome, 'live'), count(*) FROM calls WHERE substr(started_at, 1, 10) >= ? GROUP BY 1 ORDER BY 2 DESC",
        window).fetchall()
    top = store.conn.execute(
        """SELECT coalesce(corrected_service_id, service_id) AS s, count(*) FROM calls
           WHERE s IS NOT NULL AND substr(started_at, 1, 10) >= ? GROUP BY s ORDER BY 2 DESC LIMIT 10""", window).fetchall()
    return Dashboard(days=series, outcomes=[tuple(r) for r in outcomes], total=sum(n for _, n in outcomes),
                     top_services=[tuple(r) for r in top], gaps=catalog_gaps(store, first.isoformat()),
                     latency=latency(store, first.isoformat()), channels=by_channel(store, first, days),
                     callbacks=open_callbacks(store))


def open_callbacks(store: Store, limit: int = 20) -> list[dict]:
    """Callback requests from the phone and contact requests from the chat that are still open."""
    return list(store.db.query(
        "SELECT b.id, b.created_at, b.name, b.number, b.email, b.reason, b.call_id, c.channel FROM callbacks b"
        " LEFT JOIN calls c ON c.id = b.call_id WHERE b.status = 'open' ORDER BY b.created_at DESC LIMIT ?", [limit]))


def by_channel(store: Store, first: date, days: int) -> dict[str, list[tuple[str, int]]]:
    """Conversations per day for each channel: phone calls and web chats."""
    counts: dict[str, dict[str, int]] = {"phone": {}, "web": {}}
    for channel, day, n in store.conn.execute(
            "SELECT channel, substr(started_at, 1, 10), count(*) FROM calls WHERE substr(started_at, 1, 10) >= ?"
            " GROUP BY 1, 2", (first.isoformat(),)):
        counts.setdefault(channel or "phone", {})[day] = n
    dates = [(first + timedelta(d)).isoformat() for d in range(days)]
    return {channel: [(d, per_day.get(d, 0)) for d in dates] for channel, per_day in counts.items()}


def _person_reasons() -> set[str]:
    import prompts

    texts = {c for c in PERSON_CODES}
    for lang in prompts.languages():
        for key in PERSON_PROMPTS:
            if prompts.has(key, lang):
                texts.add(str(prompts.text(key, lang)))
    return {t.strip().lower() for t in texts}


def catalog_gaps(store: Store, since: str = "", limit: int = 20) -> list[dict]:
    """Caller questions the catalog could not answer: caller turns decided `forward` with no
    service found, most frequent first. Left out: the turn in which a caller asked for a person
    (the hand-off reason says so) and calls staff have already assigned a service to."""
    person = _person_reasons()
    rows = list(store.db.query(
        """SELECT t.id, t.text, t.call_id, t.started_at, c.handoff,
                  (SELECT max(idx) FROM call_turns x WHERE x.call_id = t.call_id AND x.role = 'caller') AS last_idx,
                  t.idx
           FROM call_turns t JOIN calls c ON c.id = t.call_id
           WHERE t.role = 'caller' AND t.action = 'forward' AND coalesce(t.service_id, '') = ''
             AND c.corrected_service_id IS NULL AND substr(t.started_at, 1, 10) >= ?
           ORDER BY t.started_at DESC""", [since]))
    grouped: dict[str, dict] = {}
    for row in rows:
        reason = ""
        if row["handoff"]:
            try:
                reason = str((json.loads(row["handoff"]) or {}).get("reason") or "")
            except (ValueError, AttributeError):
                reason = ""
        if row["idx"] == row["last_idx"] and reason.strip().lower() in person:
            continue
        key = " ".join(row["text"].lower().split())
        if not key:
            continue
        entry = grouped.setdefault(key, {"text": row["text"], "count": 0, "last": row["started_at"], "call_id": row["call_id"]})
        entry["count"] += 1
    return sorted(grouped.values(), key=lambda e: (e["count"], e["last"]), reverse=True)[:limit]


def latency(store: Store, since: str = "") -> dict:
    # the phone's figure (end of speech to first answer audio); chat replies are measured by bench/chat.py
    values = [r[0] for r in store.conn.execute(
        "SELECT t.latency_ms FROM call_turns t JOIN calls c ON c.id = t.call_id WHERE t.latency_ms IS NOT NULL"
        " AND c.channel = 'phone' AND substr(t.started_at, 1, 10) >= ? ORDER BY 1", (since,))]
    if not values:
        return {"count": 0}

    def pct(p: float) -> float:
        return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]

    edges = [500, 1000, 1500, 2000, 3000, 5000]
    hist = []
    lower = 0
    for edge in edges + [None]:
        n = sum(1 for v in values if v >= lower and (edge is None or v < edge))
        hist.append((lower, edge, n))
        lower = edge
    return {"count": len(values), "mean": sum(values) / len(values), "p50": pct(0.5), "p90": pct(0.9),
            "p95": pct(0.95), "max": values[-1], "histogram": hist}
