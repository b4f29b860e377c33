"""Web conversations in the store: a calls row with channel 'web', its turns, the hand-off
record, callback requests, and the dialog state that lets the next request continue it.

Texts are redacted by the same [privacy] policy as phone calls as they are written. Each turn
(caller text, reply, call fields, state) is one transaction, so a conversation is never half
stored. The browser holds a random token; only its sha256 is stored (a copy of the database
does not let anyone continue or read a conversation).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

from rathaus.catalog.decision import ServiceRef
from rathaus.dialog import ConversationState
from rathaus.dialog.engine import reading
from rathaus.dialog.state import TEXT_KEYS
from rathaus.errors import disk_full_error, is_disk_full
from rathaus.privacy import Policy, policy as privacy_policy
from rathaus.store import Store, now_iso

CHANNEL = "web"
KEEP_TURNS = 20  # dialog history kept in the state (the stored turns keep everything)


@dataclass
class Chat:
    call_id: str
    state: ConversationState
    turns: int          # call_turns rows so far (the next idx)
    outcome: str | None
    language: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def state_to_json(state: ConversationState, redact=lambda text: text) -> str:
    """The state without what the citizen wrote: the turns keep action, service, office, facet
    and the index of their stored call_turns row, whose redacted text `ChatStore.load` puts back;
    a question waiting for yes/no is kept redacted. The row is deleted once the conversation is
    idle (`idle_minutes`)."""
    data = asdict(state)
    data["turns"] = [{k: v for k, v in t.items() if k not in TEXT_KEYS} for t in data["turns"][-KEEP_TURNS:]]
    data["pending_question"] = redact(data.get("pending_question") or "")
    return json.dumps(data, ensure_ascii=False)


def state_from_json(text: str) -> ConversationState:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        data = {}
    known = {k: v for k, v in data.items() if k in ConversationState.__dataclass_fields__}
    pending = known.get("pending_service")
    if isinstance(pending, dict):
        known["pending_service"] = ServiceRef(**{k: str(v) for k, v in pending.items()
                                                 if k in ServiceRef.__dataclass_fields__})
    return ConversationState(**known)


def _retry(store: Store, fn, attempts: int = 30):
    """A write, tried again when SQLite reports a lock (other processes and threads write too)."""
    for attempt in range(attempts):
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            store.rollback_quietly()
            if is_disk_full(exc):
                raise disk_full_error(exc, "the chat record") from None
            if ("locked" not in str(exc) and "busy" not in str(exc)) or attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))


class ChatStore:
    def __init__(self, store: Store, idle_minutes: int = 60, privacy: Policy | None = None):
        self.store = store
        self.idle_minutes = idle_minutes
        self._privacy = privacy
        self._allow: tuple[float, frozenset[str]] = (0.0, frozenset())

    @property
    def privacy(self) -> Policy:
        return self._privacy or privacy_policy()

    def _allowed_numbers(self) -> frozenset[str]:
        """The offices' own numbers are shown in answers and are not personal data (cached 60 s)."""
        at, numbers = self._allow
        if time.monotonic() - at > 60:
            from voice.phone.records import office_numbers

            numbers = office_numbers(self.store)
            self._allow = (time.monotonic(), numbers)
        return numbers

    def redact(self, text: str, names: list[str] | None = None) -> str:
        return self.privacy.redact(text, names or [], self._allowed_numbers()).text

    def _idle_limit(self) -> str:
        return (datetime.now(timezone.utc) - timedelta(minutes=self.idle_minutes)).isoformat(timespec="milliseconds")

    def transcript(self, call_id: str) -> list[dict[str, str]]:
        """The conversation so far as stored (redacted), for the hand-off record."""
        return [{"role": r, "text": t} for r, t in self.store.conn.execute(
            "SELECT role, text FROM call_turns WHERE call_id = ? ORDER BY idx", (call_id,))]

    # ------------------------------------------------------------------------------ lifecycle
    def start(self, language: str) -> tuple[str, str]:
        """A new conversation: (call id, token for the browser). The calls row is written with
        the first turn, so opening the page alone leaves nothing behind."""
        return str(uuid.uuid4()), secrets.token_urlsafe(24)

    def load(self, token: str | None) -> Chat | None:
        """The live conversation of a token, or None (unknown, expired, or deleted by staff)."""
        if not token or len(token) > 64:
            return None
        row = self.store.conn.execute(
            "SELECT w.call_id, w.state, w.turns, w.updated_at, c.outcome, c.language FROM web_chats w"
            " JOIN calls c ON c.id = w.call_id WHERE w.token_hash = ?", (_hash(token),)).fetchone()
        if row is None:
            return None
        if row[3] < self._idle_limit():
            return None
        state = state_from_json(row[1])
        self._restore_texts(row[0], state)
        return Chat(row[0], state, row[2], row[4], row[5] or "de")

    def _restore_texts(self, call_id: str, state: ConversationState) -> None:
        """The earlier turns' words, as stored (redacted), back in the state: a follow-up looks
        back at them ("mein Sohn ist zwölf" ... "was kostet der?") as it does on the phone."""
        rows = {idx: (text, language) for idx, text, language in self.store.conn.execute(
            "SELECT idx, text, language FROM call_turns WHERE call_id = ? AND role = 'caller'", (call_id,))}
        for turn in state.turns:
            text, language = rows.get(turn.get("row"), (None, None))
            if text is not None:
                turn["caller"] = text
                turn["read"] = reading(text, language or "de")

    def record_turn(self, chat: Chat | None, call_id: str, token: str, caller_text: str, reply_text: str,
                    language: str, action: str, service_id: str | None, candidates: list[dict],
                    outcome: str | None, state: ConversationState, latency_ms: float,
                    handoff: dict | None = None, new_turns: int = 1) -> Chat:
        """Write one exchange (caller turn and reply) with the call's fields and the new state;
        the state's last `new_turns` turns are this exchange's (they learn their row)."""
        now = now_iso()
        idx = chat.turns if chat else 0
        for turn in state.turns[len(state.turns) - new_turns:]:
            turn["row"] = idx
        caller_red, reply_red = self.redact(caller_text), self.redact(reply_text)
        handoff_json = (json.dumps(self.privacy.redact_data(handoff, [], self._allowed_numbers()), ensure_ascii=False)
                        if handoff is not None else None)
        state_json, idle_limit = state_to_json(state, self.redact), self._idle_limit()
        fields = {"ended_at": now, "language": language, "outcome": outcome, "decision": action}
        if service_id:
            fields["service_id"] = service_id
        if handoff_json is not None:
            fields["handoff"] = handoff_json

        def write():
            conn = self.store.conn
            with conn:
                if chat is None:
                    conn.execute("INSERT INTO calls (id, started_at, channel, language) VALUES (?, ?, ?, ?)",
                                 (call_id, now, CHANNEL, language))
                    conn.execute("INSERT INTO web_chats (call_id, token_hash, state, updated_at, turns)"
                                 " VALUES (?, ?, '{}', ?, 0)", (call_id, _hash(token), now))
                conn.execute(
                    "INSERT INTO call_turns (call_id, idx, role, started_at, ended_at, text, language, action,"
                    " service_id, candidates) VALUES (?, ?, 'caller', ?, ?, ?, ?, ?, ?, ?)",
                    (call_id, idx, now, now, caller_red, language, action, service_id,
                     json.dumps(candidates, ensure_ascii=False)))
                conn.execute(
                    "INSERT INTO call_turns (call_id, idx, role, started_at, ended_at, text, language, latency_ms)"
                    " VALUES (?, ?, 'bot', ?, ?, ?, ?, ?)", (call_id, idx + 1, now, now, reply_red, language, latency_ms))
                sets = ", ".join(f"{k} = ?" for k in fields)
                conn.execute(f"UPDATE calls SET {sets} WHERE id = ?", [*fields.values(), call_id])
                conn.execute("UPDATE web_chats SET state = ?, updated_at = ?, turns = ? WHERE call_id = ?",
                             (state_json, now, idx + 2, call_id))
                # conversations idle for longer cannot be continued: their state goes
                conn.execute("DELETE FROM web_chats WHERE updated_at < ?", (idle_limit,))

        _retry(self.store, write)
        return Chat(call_id, state, idx + 2, outcome, language)

    def reply_text(self, call_id: str, idx: int) -> tuple[str, str] | None:
        """(text, language) of one stored reply of this conversation (for read-aloud)."""
        row = self.store.conn.execute("SELECT text, language FROM call_turns WHERE call_id = ? AND idx = ?"
                                      " AND role = 'bot'", (call_id, idx)).fetchone()
        return (row[0], row[1] or "de") if row else None

    def add_callback(self, chat: Chat, name: str, number: str, email: str, message: str,
                     service_id: str | None) -> int:
        """A contact request staff see on the review page; the conversation's outcome becomes
        'callback'. The number's keyed hash goes on the call, so `rathaus privacy export --number`
        finds the conversation too."""
        policy = self.privacy
        names = [name] if policy.names and name else []

        def write():
            conn = self.store.conn
            with conn:
                cur = conn.execute(
                    "INSERT INTO callbacks (call_id, created_at, name, number, email, service_id, reason, status)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, 'open')",
                    (chat.call_id, now_iso(), name, number, email, service_id, message))
                fields = {"outcome": "callback", "ended_at": now_iso()}
                digest = policy.caller_hash(number) if number else None
                if digest:
                    fields["caller_hash"] = digest
                sets = ", ".join(f"{k} = ?" for k in fields)
                conn.execute(f"UPDATE calls SET {sets} WHERE id = ?", [*fields.values(), chat.call_id])
                if names:  # [privacy] redact_names: the turns lose the name from now on
                    for row_id, text in conn.execute("SELECT id, text FROM call_turns WHERE call_id = ?",
                                                     (chat.call_id,)).fetchall():
                        new = self.redact(text, names)
                        if new != text:
                            conn.execute("UPDATE call_turns SET text = ? WHERE id = ?", (new, row_id))
                return cur.lastrowid

        return _retry(self.store, write)
