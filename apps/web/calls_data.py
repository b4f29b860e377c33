"""Queries over the calls the phone bot wrote (calls, call_turns), for lists and details."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rathaus.store import Store

OUTCOMES = ("answered", "forwarded", "callback", "abandoned", "aborted", "error")


@dataclass
class CallFilter:
    date_from: str = ""   # YYYY-MM-DD, inclusive
    date_to: str = ""     # YYYY-MM-DD, inclusive
    outcome: str = ""
    service: str = ""
    language: str = ""
    channel: str = ""     # phone or web (the citizen chat)

    @classmethod
    def from_query(cls, query) -> "CallFilter":
        def clean(name: str, length: int = 80) -> str:
            return str(query.get(name, "")).strip()[:length]

        f = cls(clean("from", 10), clean("to", 10), clean("outcome", 20), clean("service"), clean("language", 10),
                clean("channel", 10))
        for name in ("date_from", "date_to"):
            value = getattr(f, name)
            if value and not _is_date(value):
                setattr(f, name, "")
        return f

    def where(self) -> tuple[str, list[Any]]:
        clauses, params = ["1=1"], []
        if self.date_from:
            clauses.append("substr(c.started_at, 1, 10) >= ?")
            params.append(self.date_from)
        if self.date_to:
            clauses.append("substr(c.started_at, 1, 10) <= ?")
            params.append(self.date_to)
        if self.outcome:
            clauses.append("c.outcome = ?")
            params.append(self.outcome)
        if self.service:
            clauses.append("coalesce(c.corrected_service_id, c.service_id) = ?")
            params.append(self.service)
        if self.language:
            clauses.append("c.language = ?")
            params.append(self.language)
        if self.channel:
            clauses.append("c.channel = ?")
            params.append(self.channel)
        return " AND ".join(clauses), params


def _is_date(value: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(value)
        return True
    except ValueError:
        return False


def list_calls(store: Store, flt: CallFilter, limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
    where, params = flt.where()
    total = store.conn.execute(f"SELECT count(*) FROM calls c WHERE {where}", params).fetchone()[0]
    rows = list(store.db.query(
        f"""SELECT c.*, coalesce(c.corrected_service_id, c.service_id) AS effective_service,
               (SELECT text FROM call_turns t WHERE t.call_id = c.id AND t.role = 'caller' ORDER BY idx LIMIT 1) AS question,
               (SELECT count(*) FROM call_turns t WHERE t.call_id = c.id) AS turns
            FROM calls c WHERE {where} ORDER BY c.started_at DESC LIMIT ? OFFSET ?""",
        params + [limit, offset],
    ))
    return rows, total


def filter_options(store: Store) -> dict[str, list[str]]:
    def distinct(sql: str) -> list[str]:
        return [r[0] for r in store.conn.execute(sql) if r[0]]

    return {
        "outcomes": sorted(set(OUTCOMES) | set(distinct("SELECT DISTINCT outcome FROM calls"))),
        "languages": distinct("SELECT DISTINCT language FROM calls ORDER BY language"),
        "services": distinct("SELECT DISTINCT coalesce(corrected_service_id, service_id) FROM calls ORDER BY 1"),
        "channels": distinct("SELECT DISTINCT channel FROM calls ORDER BY 1"),
    }


def get_call(store: Store, call_id: str) -> dict | None:
    rows = list(store.db.query("SELECT * FROM calls WHERE id = ?", [call_id]))
    if not rows:
        return None
    call = rows[0]
    call["handoff_data"] = _json(call.get("handoff"))
    turns = list(store.db.query("SELECT * FROM call_turns WHERE call_id = ? ORDER BY idx", [call_id]))
    for turn in turns:
        turn["candidates_data"] = _json(turn.get("candidates")) or []
    call["turns"] = turns
    call["callbacks"] = list(store.db.query("SELECT * FROM callbacks WHERE call_id = ? ORDER BY id", [call_id]))
    return call


def handoff(store: Store, call_id: str) -> dict | None:
    """The hand-off record as staff receive it, with the call's key facts beside it."""
    call = get_call(store, call_id)
    if call is None:
        return None
    return {
        "call_id": call["id"],
        "started_at": call["started_at"],
        "caller": call["caller"],
        "language": call["language"],
        "outcome": call["outcome"],
        "service_id": call["service_id"],
        "corrected_service_id": call["corrected_service_id"],
        "handoff": call["handoff_data"],
    }


def caller_texts(call: dict) -> list[str]:
    return [t["text"] for t in call["turns"] if t["role"] == "caller" and t["text"].strip()]


def set_corrected_service(store: Store, call_id: str, service_id: str | None) -> None:
    with store.conn:
        store.conn.execute("UPDATE calls SET corrected_service_id = ? WHERE id = ?", (service_id or None, call_id))


def delete_call(store: Store, call_id: str) -> str | None:
    """Delete a call with its turns; returns the audio path it had (for the caller to remove)."""
    row = store.conn.execute("SELECT audio_path FROM calls WHERE id = ?", (call_id,)).fetchone()
    if row is None:
        return None
    with store.conn:
        store.conn.execute("DELETE FROM calls WHERE id = ?", (call_id,))
    return row[0] or ""


def _json(value: str | None) -> Any:
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value
