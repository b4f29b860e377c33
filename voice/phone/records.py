"""Call records in the store: the call row, its turns, the hand-off JSON and callback requests.

Everything a call leaves behind is written as it happens (not at hang-up), so a crash or a
caller who hangs up mid-answer still leaves a readable record that `close()` finishes.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from rathaus.errors import disk_full_error, is_disk_full
from rathaus.privacy import Policy, policy as privacy_policy
from rathaus.privacy.redact import normalize_number
from rathaus.store import Store, now_iso

OUTCOMES = ("answered", "forwarded", "callback", "abandoned", "aborted", "error")


def mask_number(number: str, mode: str) -> str:
    """The caller number as stored: none (as is), partial (last 3 digits hidden), full (hidden)."""
    number = (number or "").strip()
    if not number or mode == "none":
        return number
    if mode == "full":
        return "***"
    digits = [i for i, ch in enumerate(number) if ch.isdigit()]
    hide = set(digits[-3:])
    return "".join("x" if i in hide else ch for i, ch in enumerate(number))


def caller_number(remote_uri: str) -> str:
    """The user part of a SIP URI: '"Anna" <sip:+4971112345@host>' -> '+4971112345'."""
    uri = remote_uri
    if "<" in uri and ">" in uri:
        uri = uri[uri.index("<") + 1: uri.index(">")]
    for prefix in ("sips:", "sip:", "tel:"):
        if uri.startswith(prefix):
            uri = uri[len(prefix):]
    return uri.split("@", 1)[0].split(";", 1)[0]


@dataclass
class TurnRecord:
    role: str
    text: str
    started_at: str
    ended_at: str | None = None
    language: str | None = None
    action: str | None = None
    service_id: str | None = None
    candidates: list | None = None
    latency_ms: float | None = None


_WRITE_LOCK = threading.Lock()  # phone writes of this process, one at a time


def _write(store: Store, fn, attempts: int = 50):
    """Run a write with retries. SQLite answers "database is locked" at once (the busy timeout
    does not apply) when a connection's read snapshot went stale while other threads of the
    process wrote; rolling back and trying again is the documented remedy."""
    for attempt in range(attempts):
        try:
            with _WRITE_LOCK:
                return fn()
        except sqlite3.OperationalError as exc:
            if is_disk_full(exc):
                store.rollback_quietly()
                raise disk_full_error(exc, "the call record") from None
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            store.rollback_quietly()
            if attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))


def office_numbers(store: Store) -> frozenset[str]:
    """The catalog offices' own numbers: the bot reads them out, and they are not personal data."""
    try:
        rows = store.conn.execute("SELECT phone FROM catalog_offices WHERE phone != ''").fetchall()
    except sqlite3.Error:
        return frozenset()
    return frozenset(normalize_number(part) for (phone,) in rows for part in re.split(r"[,;]| oder ", phone)
                     if normalize_number(part))


class CallRecord:
    """One call's rows. Thread-safe: the session thread and the SIP loop both write to it.

    Turn texts and the hand-off record are redacted ([privacy]) as they are written; the dialog
    keeps working on the raw text in memory. The caller number is stored masked, plus a keyed
    hash of the full number for data-subject requests."""

    def __init__(self, store: Store, caller: str, mask: str, worker: str = "", call_id: str | None = None,
                 privacy: Policy | None = None):
        self.store = store
        self.privacy = privacy or privacy_policy()
        self._names: list[str] = []
        self._allow = office_numbers(store)
        self.id = call_id or str(uuid.uuid4())
        self.started_at = now_iso()
        self._lock = threading.Lock()
        self._idx = 0
        self._closed = False
        self.caller = mask_number(caller, mask)
        caller_hash = self.privacy.caller_hash(caller)
        _write(store, lambda: store.db["calls"].insert({
            "id": self.id, "started_at": self.started_at, "caller": self.caller,
            "caller_hash": caller_hash, "sip_worker": worker or None,
        }))

    def add_turn(self, turn: TurnRecord) -> int:
        """Store one turn; returns its row id."""
        def insert():
            table = self.store.db["call_turns"]
            table.insert({
                "call_id": self.id, "idx": self._idx, "role": turn.role, "started_at": turn.started_at,
                "ended_at": turn.ended_at, "text": self._redact(turn.text), "language": turn.language,
                "action": turn.action, "service_id": turn.service_id,
                "candidates": json.dumps(turn.candidates, ensure_ascii=False) if turn.candidates is not None else None,
                "latency_ms": turn.latency_ms,
            })
            return table.last_pk

        with self._lock:
            pk = _write(self.store, insert)
            self._idx += 1
            return pk

    def set_latency(self, turn_id: int, latency_ms: float) -> None:
        _write(self.store, lambda: self.store.db["call_turns"].update(turn_id, {"latency_ms": latency_ms}))

    def _redact(self, text: str) -> str:
        return self.privacy.redact(text, self._names, self._allow).text

    def update(self, **fields) -> None:
        if "handoff" in fields and isinstance(fields["handoff"], dict):
            handoff = self.privacy.redact_data(fields["handoff"], self._names, self._allow)
            fields["handoff"] = json.dumps(handoff, ensure_ascii=False)
        _write(self.store, lambda: self.store.db["calls"].update(self.id, fields))

    def add_callback(self, name: str, number: str, service_id: str | None, reason: str) -> int:
        """The request keeps name and number (staff need them to call back); with [privacy]
        redact_names, the turns already stored lose the name from now on."""
        if self.privacy.names and name and name.strip():
            self._names.append(name.strip())
            self._redact_stored_turns()

        def insert():
            table = self.store.db["callbacks"]
            table.insert({"call_id": self.id, "created_at": now_iso(), "name": name, "number": number,
                          "service_id": service_id, "reason": reason, "status": "open"})
            return table.last_pk

        return _write(self.store, insert)

    def _redact_stored_turns(self) -> None:
        def rewrite():
            with self.store.conn:
                rows = self.store.conn.execute("SELECT id, text FROM call_turns WHERE call_id = ?", (self.id,)).fetchall()
                for row_id, text in rows:
                    new = self._redact(text)
                    if new != text:
                        self.store.conn.execute("UPDATE call_turns SET text = ? WHERE id = ?", (new, row_id))

        with self._lock:
            _write(self.store, rewrite)

    def close(self, outcome: str, error: str | None = None) -> None:
        """Set end time and outcome once; later calls do nothing."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        with self._lock:
            if self._closed:
                return
            self._closed = True
            ended = now_iso()
            duration = (datetime.fromisoformat(ended) - datetime.fromisoformat(self.started_at)).total_seconds()
            fields = {"ended_at": ended, "outcome": outcome, "duration_s": round(duration, 3)}
            if error:
                fields["error"] = error[:2000]
            _write(self.store, lambda: self.store.db["calls"].update(self.id, fields))

    @property
    def closed(self) -> bool:
        return self._closed


def close_stale_calls(store: Store, worker: str | None = None) -> int:
    """Calls left open by a process that died (crash, SIGKILL, power loss) get outcome 'aborted' at
    the next start: apart from a plain 'error', the call itself may have been fine until then."""
    where = "ended_at IS NULL" + (" AND sip_worker = ?" if worker else "")
    params = [worker] if worker else []
    cur = store.conn.execute(
        f"UPDATE calls SET ended_at = ?, outcome = 'aborted', error = 'process ended during the call' WHERE {where}",
        [now_iso(), *params])
    store.conn.commit()
    return cur.rowcount
