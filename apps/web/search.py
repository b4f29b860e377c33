"""Full-text search over call turns and meeting segments (FTS5, trigram tokenizer).

Hits come back with the matched parts marked by private-use characters, which the template
escapes first and only then turns into <mark>: the transcript text can never inject markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from rathaus.store import Store

OPEN, CLOSE = "\ue000", "\ue001"


@dataclass
class Hit:
    kind: str            # call or meeting
    ref: str             # call id or meeting id
    title: str
    when: str | None
    snippet: str         # with OPEN/CLOSE markers
    item_id: int         # call_turns.id or meeting_segments.id
    start: float | None = None
    speaker: str | None = None

    @property
    def html(self) -> Markup:
        return highlight(self.snippet)


def highlight(snippet: str) -> Markup:
    return Markup(str(escape(snippet)).replace(OPEN, "<mark>").replace(CLOSE, "</mark>"))


def crop(marked: str, before: int = 90, after: int = 220) -> str:
    """Cut a long highlighted text to the part around the first hit, at word boundaries.
    (FTS5's snippet() counts trigram tokens, which gives fragments of a few letters.)"""
    first = marked.find(OPEN)
    if first < 0 or len(marked) <= before + after:
        return marked
    start = max(0, first - before)
    end = min(len(marked), first + after)
    if start > 0:
        space = marked.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    if end < len(marked):
        space = marked.rfind(" ", first, end)
        end = space if space > first else end
    text = marked[start:end]
    if text.count(OPEN) > text.count(CLOSE):
        text += CLOSE
    return ("…" if start > 0 else "") + text + ("…" if end < len(marked) else "")


def fts_query(text: str) -> str | None:
    """A safe FTS5 query: every word a quoted phrase (AND), words under 3 letters dropped
    (the trigram index cannot match them)."""
    words = [w.replace('"', "") for w in text.split()]
    words = [w for w in words if len(w) >= 3]
    if not words:
        return None
    return " AND ".join(f'"{w}"' for w in words[:12])


def search(store: Store, text: str, limit: int = 50, kinds: tuple[str, ...] = ("call", "meeting")) -> list[Hit]:
    query = fts_query(text)
    hits: list[Hit] = []
    if query is None:
        return hits
    if "call" in kinds:
        for row in store.db.query(
            f"""SELECT t.id, t.call_id, t.role, c.started_at, c.caller,
                       highlight(call_turns_fts, 0, '{OPEN}', '{CLOSE}') AS snip
                FROM call_turns_fts JOIN call_turns t ON t.id = call_turns_fts.rowid JOIN calls c ON c.id = t.call_id
                WHERE call_turns_fts MATCH ? ORDER BY rank LIMIT ?""", [query, limit]):
            hits.append(Hit("call", row["call_id"], row["caller"] or "", row["started_at"], crop(row["snip"]), row["id"],
                            speaker=row["role"]))
    if "meeting" in kinds:
        for row in store.db.query(
            f"""SELECT s.id, s.meeting_id, s.start, s.speaker, m.title, m.created_at,
                       coalesce(p.name, s.speaker) AS speaker_name,
                       highlight(meeting_segments_fts, 0, '{OPEN}', '{CLOSE}') AS snip
                FROM meeting_segments_fts JOIN meeting_segments s ON s.id = meeting_segments_fts.rowid
                JOIN meetings m ON m.id = s.meeting_id
                LEFT JOIN meeting_speakers p ON p.meeting_id = s.meeting_id AND p.label = s.speaker
                WHERE meeting_segments_fts MATCH ? ORDER BY rank LIMIT ?""", [query, limit]):
            hits.append(Hit("meeting", row["meeting_id"], row["title"], row["created_at"], crop(row["snip"]), row["id"],
                            start=row["start"], speaker=row["speaker_name"]))
    return hits
