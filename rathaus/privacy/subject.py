"""Data-subject requests (GDPR Art. 15 and 17): everything stored about one call or one caller
number, as an export or erased.

A number matches a call by the keyed hash of the full number (calls.caller_hash), or by the
stored number itself where [phone] mask_caller = "none"; callback requests store the number the
caller gave in full and match on its normalized form. Calls from before the hash existed and
stored masked cannot be matched by number; `Subject.unmatched_masked` counts them.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rathaus.privacy import Policy
from rathaus.privacy.redact import normalize_number
from rathaus.privacy.retention import immediate, remove_file
from rathaus.store import Store, now_iso


@dataclass
class Subject:
    """The rows of one request."""

    by: str                       # "call" or "number"
    call_ids: list[str] = field(default_factory=list)
    callback_ids: list[int] = field(default_factory=list)
    unmatched_masked: int = 0

    @property
    def empty(self) -> bool:
        return not self.call_ids and not self.callback_ids


def find(store: Store, policy: Policy, call_id: str | None = None, number: str | None = None) -> Subject:
    conn = store.conn
    if call_id:
        subject = Subject("call")
        if conn.execute("SELECT 1 FROM calls WHERE id = ?", (call_id,)).fetchone():
            subject.call_ids.append(call_id)
        subject.callback_ids = [r[0] for r in conn.execute("SELECT id FROM callbacks WHERE call_id = ?", (call_id,))]
        return subject
    wanted = normalize_number(number or "")
    subject = Subject("number")
    if len(wanted) < 3:
        return subject
    digest = policy.caller_hash(number)
    ids: dict[str, None] = {}
    for row_id, caller, caller_hash in conn.execute("SELECT id, caller, caller_hash FROM calls ORDER BY started_at"):
        if (digest and caller_hash == digest) or (caller and normalize_number(caller) == wanted):
            ids[row_id] = None
        elif caller_hash is None and caller and any(ch.isdigit() for ch in caller) and ("x" in caller or "*" in caller):
            subject.unmatched_masked += 1
    subject.call_ids = list(ids)
    callbacks: dict[int, None] = {}
    for row_id, cb_number, cb_call in conn.execute("SELECT id, number, call_id FROM callbacks ORDER BY id"):
        if normalize_number(cb_number or "") == wanted or (cb_call and cb_call in ids):
            callbacks[row_id] = None
    subject.callback_ids = list(callbacks)
    return subject


def _rows(store: Store, sql: str, params: list) -> list[dict[str, Any]]:
    return [dict(r) for r in store.db.query(sql, params)]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def collect(store: Store, subject: Subject) -> dict[str, Any]:
    """The request's data as one JSON-ready dict (audio as file references, see `write_export`)."""
    calls = _rows(store, f"SELECT * FROM calls WHERE id IN ({_marks(len(subject.call_ids))})", subject.call_ids)
    for call in calls:
        call.pop("caller_hash", None)  # a derived key, not data about the person
        if call.get("handoff"):
            try:
                call["handoff"] = json.loads(call["handoff"])
            except ValueError:
                pass
        call["turns"] = _rows(store, "SELECT idx, role, started_at, ended_at, text, language, action, service_id"
                                     " FROM call_turns WHERE call_id = ? ORDER BY idx", [call["id"]])
        path = Path(call["audio_path"]) if call.get("audio_path") else None
        call["audio"] = _audio_ref(path) if path and path.is_file() else None
    callbacks = _rows(store, f"SELECT * FROM callbacks WHERE id IN ({_marks(len(subject.callback_ids))})",
                      subject.callback_ids)
    return {"generated_at": now_iso(), "request": subject.by, "calls": calls, "callbacks": callbacks}


def _audio_ref(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    return {"path": str(path), "file": f"audio/{path.name}", "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}


def write_export(data: dict[str, Any], out: Path | None, audio: str = "zip") -> bytes | None:
    """Write the export. A path ending in .zip gets data.json plus the audio files under audio/;
    any other path (or stdout, returned as bytes) gets JSON, with the audio base64-encoded in
    each call's "audio" entry when audio == "base64" and as a file reference otherwise."""
    as_zip = out is not None and out.suffix.lower() == ".zip"
    if not as_zip and audio == "base64":
        for call in data["calls"]:
            if call.get("audio"):
                call["audio"]["base64"] = base64.b64encode(Path(call["audio"]["path"]).read_bytes()).decode("ascii")
    body = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    if as_zip:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("data.json", body)
            for call in data["calls"]:
                if call.get("audio"):
                    zf.write(call["audio"]["path"], call["audio"]["file"])
        body = buffer.getvalue()
    if out is None:
        return body
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(body)
    tmp.chmod(0o600)
    tmp.replace(out)
    return None


@dataclass
class Erased:
    calls: int = 0
    turns: int = 0
    callbacks: int = 0
    audio_files: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"calls": self.calls, "turns": self.turns, "callbacks": self.callbacks, "audio_files": self.audio_files}


def count(store: Store, subject: Subject) -> Erased:
    """What `erase` would delete."""
    ids = subject.call_ids
    turns = store.conn.execute(f"SELECT count(*) FROM call_turns WHERE call_id IN ({_marks(len(ids))})", ids).fetchone()[0]
    audio = [r[0] for r in store.conn.execute(
        f"SELECT audio_path FROM calls WHERE audio_path IS NOT NULL AND id IN ({_marks(len(ids))})", ids)]
    return Erased(len(ids), turns, len(subject.callback_ids), sum(1 for p in audio if Path(p).is_file()))


def erase(store: Store, subject: Subject) -> Erased:
    """Delete the rows (turns go with their call, and the search index with its triggers) and the
    audio files, then record in the audit log that an erasure happened, without what it erased."""
    done = count(store, subject)
    ids = subject.call_ids
    audio = [r[0] for r in store.conn.execute(
        f"SELECT audio_path FROM calls WHERE audio_path IS NOT NULL AND id IN ({_marks(len(ids))})", ids)]
    with immediate(store) as conn:
        conn.execute(f"DELETE FROM callbacks WHERE id IN ({_marks(len(subject.callback_ids))})", subject.callback_ids)
        conn.execute(f"DELETE FROM call_turns WHERE call_id IN ({_marks(len(ids))})", ids)
        conn.execute(f"DELETE FROM calls WHERE id IN ({_marks(len(ids))})", ids)
        conn.execute(
            "INSERT INTO audit_log (at, user_id, username, action, object_type, object_id, detail, ip)"
            " VALUES (?, NULL, NULL, 'delete', 'privacy_request', NULL, ?, NULL)",
            (now_iso(), json.dumps({"via": "cli", "os_user": _os_user(), "by": subject.by, **done.to_dict()})))
    done.audio_files = sum(remove_file(p, False) for p in audio)
    return done


def _os_user() -> str | None:
    """Who ran the command, for the audit entry (the admin, not the data subject)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None
