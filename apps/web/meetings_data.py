"""Meetings in the store: creation from an upload, transcript rows, speakers, corrections.

The meeting module writes meeting_segments and meeting_speakers; the page reads them and lets
staff rename speakers, correct segment text and edit the draft minutes (meetings.protocol_md).
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

from rathaus.store import Store, now_iso

N_COLOURS = 8


def create_meeting(store: Store, *, title: str, created_by: str, source_name: str, audio_path: Path,
                   body: str = "", date: str = "", place: str = "", agenda: list | None = None,
                   meeting_id: str | None = None) -> str:
    meeting_id = meeting_id or str(uuid.uuid4())
    with store.conn:
        store.conn.execute(
            "INSERT INTO meetings (id, title, created_at, created_by, source_name, audio_path, body, date, place,"
            " agenda, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new')",
            (meeting_id, title, now_iso(), created_by, source_name, str(audio_path), body or None, date or None,
             place or None, json.dumps(agenda, ensure_ascii=False) if agenda else None),
        )
    return meeting_id


def list_meetings(store: Store) -> list[dict]:
    return list(store.db.query(
        """SELECT m.id, m.title, m.created_at, m.created_by, m.source_name, m.duration, m.status, m.date, m.body,
                  (SELECT count(*) FROM meeting_segments s WHERE s.meeting_id = m.id) AS segments,
                  (SELECT count(*) FROM meeting_speakers p WHERE p.meeting_id = m.id) AS speakers
           FROM meetings m ORDER BY m.created_at DESC"""))


def get_meeting(store: Store, meeting_id: str) -> dict | None:
    rows = list(store.db.query("SELECT * FROM meetings WHERE id = ?", [meeting_id]))
    return rows[0] if rows else None


def latest_job(store: Store, meeting_id: str) -> dict | None:
    rows = list(store.db.query(
        "SELECT * FROM jobs WHERE kind = 'meeting' AND ref = ? ORDER BY id DESC LIMIT 1", [meeting_id]))
    return rows[0] if rows else None


def segments(store: Store, meeting_id: str) -> list[dict]:
    rows = list(store.db.query("SELECT * FROM meeting_segments WHERE meeting_id = ? ORDER BY idx, start", [meeting_id]))
    for row in rows:
        try:
            row["words_data"] = json.loads(row["words"]) if row["words"] else []
        except ValueError:
            row["words_data"] = []
    return rows


def speakers(store: Store, meeting_id: str, segment_rows: list[dict] | None = None) -> list[dict]:
    """Every speaker label of the meeting with its shown name and colour index."""
    named = {r["label"]: r for r in store.db.query("SELECT * FROM meeting_speakers WHERE meeting_id = ?", [meeting_id])}
    labels = set(named)
    for row in segment_rows if segment_rows is not None else segments(store, meeting_id):
        labels.add(row["speaker"])
    result = []
    for index, label in enumerate(sorted(labels)):
        row = named.get(label)
        result.append({
            "label": label,
            "name": row["name"] if row else label,
            "colour": index % N_COLOURS,
            "seconds": 0.0,
        })
    if segment_rows is not None:
        by_label = {s["label"]: s for s in result}
        for row in segment_rows:
            by_label[row["speaker"]]["seconds"] += max(0.0, row["end"] - row["start"])
    return result


def rename_speaker(store: Store, meeting_id: str, label: str, name: str) -> None:
    with store.conn:
        store.conn.execute(
            "INSERT INTO meeting_speakers (meeting_id, label, name) VALUES (?, ?, ?)"
            " ON CONFLICT (meeting_id, label) DO UPDATE SET name = excluded.name",
            (meeting_id, label, name),
        )


def correct_segment(store: Store, meeting_id: str, segment_id: int, text: str) -> dict | None:
    """Replace a segment's text; word times are kept where the word count is unchanged and
    spread evenly over the segment otherwise, so click-to-play stays usable."""
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


def save_protocol(store: Store, meeting_id: str, markdown: str) -> None:
    with store.conn:
        store.conn.execute("UPDATE meetings SET protocol_md = ? WHERE id = ?", (markdown, meeting_id))


def update_meta(store: Store, meeting_id: str, **values: Any) -> None:
    allowed = {"title", "body", "date", "place"}
    sets = {k: v for k, v in values.items() if k in allowed}
    if not sets:
        return
    with store.conn:
        store.conn.execute(
            f"UPDATE meetings SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?", [*sets.values(), meeting_id])


def delete_meeting(store: Store, meeting_id: str, upload_root: Path) -> bool:
    meeting = get_meeting(store, meeting_id)
    if meeting is None:
        return False
    with store.conn:
        store.conn.execute("DELETE FROM jobs WHERE kind = 'meeting' AND ref = ?", (meeting_id,))
        store.conn.execute("DELETE FROM meetings WHERE id = ?", (meeting_id,))
    remove_folder(upload_root, meeting_id)
    return True


def remove_folder(root: Path, meeting_id: str) -> None:
    """Remove <root>/<meeting_id> (uploads, work files), never anything outside root."""
    folder = root / meeting_id
    if meeting_id and folder.is_dir() and folder.resolve().is_relative_to(root.resolve()) and folder.resolve() != root.resolve():
        shutil.rmtree(folder, ignore_errors=True)


def to_transcript(store: Store, meeting_id: str):
    """The meeting as meetings.transcript.MeetingTranscript (for exports), built from the store so
    that staff corrections and speaker names are in every export."""
    from meetings.transcript import MeetingTranscript, TimedWord, Utterance

    meeting = get_meeting(store, meeting_id)
    rows = segments(store, meeting_id)
    names = {s["label"]: s["name"] for s in speakers(store, meeting_id, rows)}
    utterances = []
    for row in rows:
        words = []
        for w in row["words_data"]:
            try:
                words.append(TimedWord(word=str(w["word"]), start=float(w["start"]), end=float(w["end"]),
                                       probability=float(w.get("probability", 1.0)), speaker=str(w.get("speaker") or row["speaker"])))
            except (KeyError, TypeError, ValueError):
                continue
        utterances.append(Utterance(speaker=row["speaker"], start=row["start"], end=row["end"], text=row["text"],
                                    words=words, agenda_item=row["agenda_item"]))
    duration = meeting["duration"] or (rows[-1]["end"] if rows else 0.0)
    return MeetingTranscript(duration=float(duration), language=meeting["language"] or "de", segments=utterances,
                             speakers=names)
