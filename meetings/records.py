"""The meeting flow's rows in the store: all SQL on `meetings`, `meeting_segments`,
`meeting_speakers` and the `jobs` queue lives here; the pipeline, the job queue
(meetings/jobs.py), the worker, the review page and the command line call these functions.

A meeting row is created for an upload or a `rathaus meeting` run, marked processing, failed or
done by the pipeline, which stores the transcript as segments and the speaker names; staff then
rename speakers, correct segment text and edit the minutes (protocol_md) on the review page.
Voice profiles (`voice_profiles`) stay with meetings/speakers.py, the one module that reads them.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from meetings.transcript import MeetingTranscript, TimedWord, Utterance
from rathaus.store import Store, now_iso

if TYPE_CHECKING:
    from meetings.speakers import SpeakerName

KIND_MEETING = "meeting"   # jobs.kind of a meeting's processing; jobs.ref is then the meeting id


# --- meetings --------------------------------------------------------------------------------

def create_meeting(store: Store, *, title: str, source_name: str, created_by: str | None = None,
                   audio_path: str | Path | None = None, body: str = "", date: str = "", place: str = "",
                   agenda: list | None = None, meeting_id: str | None = None) -> str:
    """A new meeting (status `new`); returns its id. Empty header fields are stored as NULL."""
    meeting_id = meeting_id or str(uuid.uuid4())
    store.db["meetings"].insert({
        "id": meeting_id, "title": title, "created_at": now_iso(), "created_by": created_by,
        "source_name": source_name, "audio_path": str(audio_path) if audio_path else None,
        "body": body or None, "date": date or None, "place": place or None,
        "agenda": json.dumps(agenda, ensure_ascii=False) if agenda else None, "status": "new",
    })
    return meeting_id


def exists(store: Store, meeting_id: str) -> bool:
    return bool(store.db["meetings"].count_where("id = ?", [meeting_id]))


def get_meeting(store: Store, meeting_id: str) -> dict | None:
    rows = list(store.db.query("SELECT * FROM meetings WHERE id = ?", [meeting_id]))
    return rows[0] if rows else None


def list_meetings(store: Store) -> list[dict]:
    """Every meeting, newest first, with its number of segments and named speakers."""
    return list(store.db.query(
        """SELECT m.id, m.title, m.created_at, m.created_by, m.source_name, m.duration, m.status, m.date, m.body,
                  (SELECT count(*) FROM meeting_segments s WHERE s.meeting_id = m.id) AS segments,
                  (SELECT count(*) FROM meeting_speakers p WHERE p.meeting_id = m.id) AS speakers
           FROM meetings m ORDER BY m.created_at DESC"""))


def mark_processing(store: Store, meeting_id: str, engine: str) -> None:
    store.db["meetings"].update(meeting_id, {"status": "processing", "engine": engine})


def mark_failed(store: Store, meeting_id: str) -> None:
    store.db["meetings"].update(meeting_id, {"status": "failed"})


def set_audio(store: Store, meeting_id: str, audio_path: str, duration: float) -> None:
    """The 16 kHz copy the review page plays, and the recording's length."""
    store.db["meetings"].update(meeting_id, {"audio_path": audio_path, "duration": duration})


def mark_done(store: Store, meeting_id: str, *, language: str, out_dir: str, agenda: dict | None = None,
              members: list | None = None) -> None:
    """Status `done`; the agenda and members the minutes were drafted with, where there were any."""
    values: dict[str, Any] = {"status": "done", "language": language, "out_dir": out_dir}
    if agenda:
        values["agenda"] = json.dumps(agenda, ensure_ascii=False)
    if members:
        values["members"] = json.dumps(members, ensure_ascii=False)
    store.db["meetings"].update(meeting_id, values)


def save_protocol(store: Store, meeting_id: str, markdown: str | None) -> None:
    """The minutes as Markdown: the draft of a run, or the clerk's edit."""
    with store.conn:
        store.conn.execute("UPDATE meetings SET protocol_md = ? WHERE id = ?", (markdown, meeting_id))


def update_header(store: Store, meeting_id: str, **values: Any) -> None:
    """Title, body, date and place (other keys are ignored)."""
    allowed = {"title", "body", "date", "place"}
    sets = {k: v for k, v in values.items() if k in allowed}
    if not sets:
        return
    with store.conn:
        store.conn.execute(
            f"UPDATE meetings SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?", [*sets.values(), meeting_id])


def delete_meeting(store: Store, meeting_id: str) -> bool:
    """The meeting, its segments and speakers (foreign keys) and its jobs (jobs.ref has none);
    False when there is no such meeting. Its files are the caller's."""
    if get_meeting(store, meeting_id) is None:
        return False
    with store.conn:
        store.conn.execute("DELETE FROM jobs WHERE kind = ? AND ref = ?", (KIND_MEETING, meeting_id))
        store.conn.execute("DELETE FROM meetings WHERE id = ?", (meeting_id,))
    return True


# --- transcript: segments and speakers -------------------------------------------------------

def has_segments(store: Store, meeting_id: str) -> bool:
    return store.db["meeting_segments"].count_where("meeting_id = ?", [meeting_id]) > 0


def replace_transcript(store: Store, meeting_id: str, transcript: MeetingTranscript,
                       names: dict[str, "SpeakerName"]) -> None:
    """Segments and speaker names of a run, in place of any before (one transaction)."""
    conn = store.conn
    with conn:
        conn.execute("DELETE FROM meeting_segments WHERE meeting_id = ?", [meeting_id])
        conn.executemany(
            "INSERT INTO meeting_segments (meeting_id, idx, speaker, start, end, text, words, agenda_item) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(meeting_id, i, s.speaker, s.start, s.end, s.text,
              json.dumps([asdict(w) for w in s.words], ensure_ascii=False), s.agenda_item)
             for i, s in enumerate(transcript.segments)],
        )
        conn.execute("DELETE FROM meeting_speakers WHERE meeting_id = ?", [meeting_id])
        conn.executemany(
            "INSERT INTO meeting_speakers (meeting_id, label, name, profile_id, similarity) VALUES (?, ?, ?, ?, ?)",
            [(meeting_id, label, n.name, n.profile_id, n.similarity) for label, n in names.items()],
        )


def segments(store: Store, meeting_id: str) -> list[dict]:
    """The segment rows in order, each with its words parsed as `words_data`."""
    rows = list(store.db.query("SELECT * FROM meeting_segments WHERE meeting_id = ? ORDER BY idx, start", [meeting_id]))
    for row in rows:
        try:
            row["words_data"] = json.loads(row["words"]) if row["words"] else []
        except ValueError:
            row["words_data"] = []
    return rows


def named_speakers(store: Store, meeting_id: str) -> dict[str, dict]:
    """label -> meeting_speakers row, for the labels that have a name."""
    return {r["label"]: r for r in store.db.query("SELECT * FROM meeting_speakers WHERE meeting_id = ?", [meeting_id])}


def speaker_names(store: Store, meeting_id: str, segment_rows: list[dict]) -> dict[str, str]:
    """Every label of the meeting (named or speaking in `segment_rows`), sorted, with its shown
    name (the label itself where none is stored)."""
    named = named_speakers(store, meeting_id)
    labels = set(named) | {row["speaker"] for row in segment_rows}
    return {label: named[label]["name"] if label in named else label for label in sorted(labels)}


def rename_speaker(store: Store, meeting_id: str, label: str, name: str) -> None:
    store.db["meeting_speakers"].upsert({"meeting_id": meeting_id, "label": label, "name": name},
                                        pk=("meeting_id", "label"))


def correct_segment(store: Store, meeting_id: str, segment_id: int, text: str) -> dict | None:
    """Replace a segment's text; word times are kept where the word count is unchanged and
    spread evenly over the segment otherwise, so click-to-play stays usable. Returns the text
    before and after, or None when the segment is not the meeting's."""
    rows = list(store.db.query("SELECT * FROM meeting_segments WHERE id = ? AND meeting_id = ?", [segment_id, meeting_id]))
    if not rows:
        return None
    row = rows[0]
    old_words = json.loads(row["words"]) if row["words"] else []
    tokens = text.split()
    if old_words and len(old_words) == len(tokens):
        words = [{**w, "word": tok} for w, tok in zip(old_words, tokens)]
    else:
        span = max(0.0, row["end"] - row["start"])
        step = span / len(tokens) if tokens else 0.0
        words = [
            {"word": tok, "start": round(row["start"] + i * step, 3), "end": round(row["start"] + (i + 1) * step, 3),
             "probability": 1.0, "speaker": row["speaker"]}
            for i, tok in enumerate(tokens)
        ]
    with store.conn:
        store.conn.execute("UPDATE meeting_segments SET text = ?, words = ? WHERE id = ?",
                           (" ".join(tokens), json.dumps(words, ensure_ascii=False), segment_id))
    return {"before": row["text"], "after": " ".join(tokens)}


def stored_transcript(store: Store, meeting_id: str) -> MeetingTranscript:
    """The meeting as stored, staff corrections and speaker names included (for the exports of
    the review page)."""
    meeting = get_meeting(store, meeting_id) or {}
    rows = segments(store, meeting_id)
    utterances = []
    for row in rows:
        words = []
        for w in row["words_data"]:
            try:
                words.append(TimedWord(word=str(w["word"]), start=float(w["start"]), end=float(w["end"]),
                                       probability=float(w.get("probability", 1.0)),
                                       speaker=str(w.get("speaker") or row["speaker"])))
            except (KeyError, TypeError, ValueError):
                continue
        utterances.append(Utterance(speaker=row["speaker"], start=row["start"], end=row["end"], text=row["text"],
                                    words=words, agenda_item=row["agenda_item"]))
    duration = meeting.get("duration") or (rows[-1]["end"] if rows else 0.0)
    return MeetingTranscript(duration=float(duration), language=meeting.get("language") or "de", segments=utterances,
                             speakers=speaker_names(store, meeting_id, rows))


# --- jobs ------------------------------------------------------------------------------------

def insert_job(store: Store, kind: str, ref: str, params: dict) -> int:
    """A queued job; returns its id."""
    now = now_iso()
    table = store.db["jobs"]
    table.insert({"kind": kind, "ref": ref, "params": json.dumps(params, ensure_ascii=False),
                  "status": "queued", "percent": 0.0, "stages_done": "[]", "created_at": now, "updated_at": now})
    return int(table.last_pk)


def job_row(store: Store, job_id: int) -> dict | None:
    rows = list(store.db.query("SELECT * FROM jobs WHERE id = ?", [job_id]))
    return rows[0] if rows else None


def job_rows(store: Store, status: str | None = None, limit: int = 50) -> list[dict]:
    """Newest first."""
    sql, params = "SELECT * FROM jobs", []
    if status:
        sql, params = sql + " WHERE status = ?", [status]
    return list(store.db.query(sql + " ORDER BY id DESC LIMIT ?", params + [limit]))


def latest_job(store: Store, meeting_id: str) -> dict | None:
    """The newest job of a meeting."""
    rows = list(store.db.query(
        "SELECT * FROM jobs WHERE kind = ? AND ref = ? ORDER BY id DESC LIMIT 1", [KIND_MEETING, meeting_id]))
    return rows[0] if rows else None


def claim_job(store: Store, kind: str, me: str, boot: str | None,
              can_take: Callable[[str, str | None, float | None, str | None], bool]) -> int | None:
    """In one write transaction: the oldest queued or running job of `kind` that
    `can_take(status, worker, heartbeat_at, boot_id)`, marked running for worker `me` (attempt
    counted, heartbeat now); its id, or None."""
    conn = store.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        rows = conn.execute(
            "SELECT id, status, worker, heartbeat_at, boot_id FROM jobs"
            " WHERE kind = ? AND status IN ('queued', 'running') ORDER BY id",
            [kind],
        ).fetchall()
        chosen = next((job_id for job_id, *state in rows if can_take(*state)), None)
        if chosen is None:
            conn.execute("COMMIT")
            return None
        conn.execute(
            "UPDATE jobs SET status = 'running', worker = ?, attempts = attempts + 1, error = NULL, updated_at = ?,"
            " heartbeat_at = ?, boot_id = ? WHERE id = ?",
            [me, now_iso(), time.time(), boot, chosen],
        )
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    return chosen


def touch_job(store: Store, job_id: int, me: str) -> bool:
    """Refresh the heartbeat of a running job held by `me`; False when it is not (any more)."""
    with store.conn:
        cursor = store.conn.execute(
            "UPDATE jobs SET heartbeat_at = ? WHERE id = ? AND worker = ? AND status = 'running'",
            [time.time(), job_id, me],
        )
    return cursor.rowcount == 1


def update_job(store: Store, job_id: int, values: dict[str, Any]) -> None:
    store.db["jobs"].update(job_id, values)
