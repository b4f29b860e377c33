"""The files a clerk takes away from a meeting: minutes and transcript in common formats.

protocol.md (the draft to correct), protocol.docx and protocol.pdf (to print and sign),
protocol.oparl.json (for the council information system), transcript.json (everything, for
the review page and re-processing), transcript.vtt / transcript.srt (subtitles for the published
video, speaker names as WebVTT voice tags or an SRT prefix) and diarization.rttm (who spoke when,
for scoring). `render` gives one of them as bytes for downloads; `write_exports` writes them.
"""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import prompts
from meetings.minutes import Minutes, MinutesItem, format_clock, format_date, member_line
from meetings.transcript import MeetingTranscript, Turn, Utterance
from rathaus.errors import RathausError
from rathaus.privacy.documents import redact_blocks, redact_json, redact_text, redact_transcript

FILES = {
    "md": "protocol.md",
    "json": "transcript.json",
    "rttm": "diarization.rttm",
    "vtt": "transcript.vtt",
    "srt": "transcript.srt",
    "docx": "protocol.docx",
    "pdf": "protocol.pdf",
    "oparl": "protocol.oparl.json",
}
MIME_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "rttm": "text/plain; charset=utf-8",
    "vtt": "text/vtt; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "oparl": "application/json",
}
ALL_FORMATS = tuple(FILES)

_CUE_MAX_S = 7.0      # subtitle cues: at most this long ...
_CUE_MAX_CHARS = 84   # ... and this many characters (two lines of 42)
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
              "/usr/local/share/fonts/dejavu", "/Library/Fonts", "C:/Windows/Fonts")


def write_exports(out_dir: str | Path, transcript: MeetingTranscript, minutes: Minutes,
                  formats: tuple[str, ...] | list[str] = ALL_FORMATS) -> dict[str, Path]:
    """Write the chosen formats into `out_dir` (created); returns format -> path."""
    unknown = [f for f in formats if f not in FILES]
    if unknown:
        raise RathausError(f"unknown export format(s): {', '.join(unknown)} "
                           f"(known: {', '.join(FILES)})")
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RathausError(f"cannot create output folder {out}: {exc.strerror}") from None
    written: dict[str, Path] = {}
    for kind in formats:
        path = out / FILES[kind]
        if kind == "rttm":
            from meetings.rttm import write_rttm

            write_rttm(_turns(transcript), minutes.meta.file_id, path)
        else:
            data = render(kind, transcript, minutes)
            tmp = path.with_name(path.name + ".part")
            tmp.write_bytes(data)
            tmp.replace(path)  # a reader never sees half a file
        written[kind] = path
    return written


def render(kind: str, transcript: MeetingTranscript, minutes: Minutes) -> bytes:
    """One export as bytes (for downloads from the review page)."""
    renderers: dict[str, Callable[[MeetingTranscript, Minutes], bytes]] = {
        "md": lambda t, m: _markdown(m).encode("utf-8"),
        "json": _json,
        "rttm": _rttm,
        "vtt": lambda t, m: vtt(t, _subtitle_names(t, m)).encode("utf-8"),
        "srt": lambda t, m: srt(t, _subtitle_names(t, m)).encode("utf-8"),
        "docx": _docx,
        "pdf": _pdf,
        "oparl": lambda t, m: json.dumps(oparl_meeting(m), ensure_ascii=False, indent=2)
        .encode("utf-8"),
    }
    if kind not in renderers:
        raise RathausError(f"unknown export format: {kind} (known: {', '.join(FILES)})")
    return _redacted(kind, renderers[kind](redact_transcript(transcript), minutes))


def _redacted(kind: str, data: bytes) -> bytes:
    """Personal data out of the files that leave the system ([privacy] redact_meetings); DOCX and
    PDF are redacted block by block in `_blocks`' callers."""
    if kind in ("md", "vtt", "srt"):
        return redact_text(data.decode("utf-8")).encode("utf-8")
    if kind in ("json", "oparl"):
        indent = 1 if kind == "json" else 2
        return json.dumps(redact_json(json.loads(data)), ensure_ascii=False, indent=indent).encode("utf-8")
    return data


def _subtitle_names(transcript: MeetingTranscript, minutes: Minutes) -> dict[str, str]:
    """Short names for subtitles: the enrolled name, else the minutes' "Sprecher N"."""
    names = dict(minutes.speakers)
    names.update({k: v for k, v in transcript.speakers.items() if v and v != k})
    return names


def _markdown(minutes: Minutes) -> str:
    return minutes.markdown(minutes.language)


# --- transcript formats -----------------------------------------------------------------------

def _json(transcript: MeetingTranscript, minutes: Minutes) -> bytes:
    # "speakers" stays label -> enrolled name (what a redraft reads back); the printed names of
    # the minutes ("Stadtrat Karl Ott (CDU)", "Sprecher 2") go to speaker_name / speaker_names
    data = transcript.to_dict()
    for seg in data["segments"]:
        seg["speaker_name"] = minutes.speakers.get(seg["speaker"], seg["speaker_name"])
    data["speaker_names"] = dict(minutes.speakers)
    if len(minutes.segment_items) == len(data["segments"]):
        for seg, item in zip(data["segments"], minutes.segment_items):
            seg["agenda_item"] = seg.get("agenda_item") or item
    data["minutes"] = minutes.to_dict()
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def _turns(transcript: MeetingTranscript) -> list[Turn]:
    if transcript.turns:
        return list(transcript.turns)
    return [Turn(s.speaker, s.start, s.end) for s in transcript.segments if s.end > s.start]


def _rttm(transcript: MeetingTranscript, minutes: Minutes) -> bytes:
    from meetings.rttm import format_rttm

    return format_rttm(_turns(transcript), minutes.meta.file_id).encode("utf-8")


def _cues(seg: Utterance) -> list[tuple[float, float, str]]:
    """Split a long utterance into subtitle-sized cues at word times."""
    text = " ".join(seg.text.split())
    if not text:
        return []
    if not seg.words or (seg.end - seg.start <= _CUE_MAX_S and len(text) <= _CUE_MAX_CHARS):
        return [(seg.start, max(seg.end, seg.start + 0.01), text)]
    cues: list[tuple[float, float, str]] = []
    current: list = []
    for word in seg.words:
        candidate = " ".join(w.word.strip() for w in current + [word])
        if current and (word.end - current[0].start > _CUE_MAX_S or len(candidate) > _CUE_MAX_CHARS):
            cues.append((current[0].start, current[-1].end, " ".join(w.word.strip() for w in current)))
            current = []
        current.append(word)
    if current:
        cues.append((current[0].start, current[-1].end, " ".join(w.word.strip() for w in current)))
    return [(s, max(e, s + 0.01), t) for s, e, t in cues if t]


def _stamp(seconds: float, sep: str) -> str:
    millis = int(round(max(0.0, seconds) * 1000))
    h, rest = divmod(millis, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _escape_vtt(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def vtt(transcript: MeetingTranscript, names: dict[str, str] | None = None) -> str:
    """WebVTT with the speaker as a voice tag: `<v Anna Berg>Guten Abend.</v>`."""
    names = names or {}
    lines = ["WEBVTT", ""]
    for seg in sorted(transcript.segments, key=lambda s: s.start):
        speaker = names.get(seg.speaker) or transcript.name(seg.speaker)
        voice = _escape_vtt(speaker).replace("\n", " ")
        for start, end, text in _cues(seg):
            lines += [f"{_stamp(start, '.')} --> {_stamp(end, '.')}",
                      f"<v {voice}>{_escape_vtt(text)}</v>", ""]
    return "\n".join(lines)


def srt(transcript: MeetingTranscript, names: dict[str, str] | None = None) -> str:
    """SRT with the speaker as a prefix: `Anna Berg: Guten Abend.`."""
    names = names or {}
    lines: list[str] = []
    index = 0
    for seg in sorted(transcript.segments, key=lambda s: s.start):
        speaker = names.get(seg.speaker) or transcript.name(seg.speaker)
        for start, end, text in _cues(seg):
            index += 1
            lines += [str(index), f"{_stamp(start, ',')} --> {_stamp(end, ',')}",
                      f"{speaker}: {text}", ""]
    return "\n".join(lines)


# --- OParl ------------------------------------------------------------------------------------

def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    if re.match(r"^\d{4}-\d{2}-\d{2}", value):
        return value
    return None


def oparl_meeting(minutes: Minutes) -> dict:
    """The protocol as an OParl 1.1 Meeting with embedded AgendaItem objects.

    Ids are URNs built from the recording id (the town's OParl server assigns its own URLs on
    import); each AgendaItem carries number, name, public, result and resolutionText."""
    meta = minutes.meta
    base = f"urn:rathaus:meeting:{meta.file_id}"
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    name = meta.title or (prompts.text("meetings.oparl.meeting_name", minutes.language, body=meta.body)
                          if meta.body else meta.file_id)
    meeting: dict = {
        "id": (minutes.agenda.id if minutes.agenda and minutes.agenda.id else base),
        "type": "https://schema.oparl.org/1.1/Meeting",
        "name": name,
        "meetingState": "durchgeführt",
        "created": now,
        "modified": now,
    }
    start = _iso_date(meta.date)
    if start:
        meeting["start"] = start
    if meta.place:
        meeting["location"] = {"id": f"{base}:location", "type": "https://schema.oparl.org/1.1/Location",
                               "description": meta.place}
    items = []
    order = 0
    for item in minutes.items:
        if item.number is None and not item.contributions:
            continue
        order += 1
        entry = {
            "id": f"{base}:agendaitem:{order}",
            "type": "https://schema.oparl.org/1.1/AgendaItem",
            "meeting": meeting["id"],
            "number": item.number or "",
            "order": order,
            "name": item.title,
            "public": item.public,
            "result": item.result_text(minutes.language),
            "created": now,
            "modified": now,
        }
        if not item.public:  # published data: a non-public item shows its name only
            entry.pop("result")
            items.append(entry)
            continue
        resolution = item.resolution()
        if resolution:
            entry["resolutionText"] = resolution
        items.append(entry)
    meeting["agendaItem"] = items
    return meeting


# --- documents --------------------------------------------------------------------------------

def _blocks(minutes: Minutes) -> list[tuple[str, str]]:
    """The minutes as (style, text) blocks shared by DOCX and PDF: title, field, note,
    heading, label (bold label + text, "Label\tText"), meta, para."""
    edited = minutes.edited_markdown
    if edited:
        return blocks_from_markdown(edited)
    lang = minutes.language
    t = lambda key, **kw: prompts.text(f"meetings.{key}", lang, **kw)  # noqa: E731
    meta = minutes.meta
    none = t("unknown_value")
    blocks: list[tuple[str, str]] = [
        ("title", t("document_title") + (f": {meta.title}" if meta.title else "")),
        ("field", f"{t('header.body')}\t{meta.body or meta.title or none}"),
        ("field", f"{t('header.date')}\t{format_date(meta.date, lang) or none}"),
        ("field", f"{t('header.place')}\t{meta.place or none}"),
        ("field", f"{t('header.chair')}\t{meta.chair or none}"),
        ("field", f"{t('header.duration')}\t{format_clock(minutes.duration)}"),
        ("field", f"{t('header.attendees')}\t"
                  + (", ".join(member_line(m, lang) for m in minutes.attendees) or t("attendees_none"))),
    ]
    if minutes.absent:
        blocks.append(("field", f"{t('header.absent')}\t"
                       + ", ".join(member_line(m, lang) for m in minutes.absent)))
    blocks.append(("note", t("draft_note")))
    for item in minutes.items:
        blocks += _item_blocks(item, t, lang)
    return blocks


_MD_LABEL = re.compile(r"^\*\*(.+?)\*\*:?\s*(?:\(([^)]*)\))?:?\s*(.*)$")


def blocks_from_markdown(text: str) -> list[tuple[str, str]]:
    """Blocks from Markdown as the minutes template writes it (and a clerk edits it): headings,
    "| a | b |" table rows, "**Label:** text" lines, *notes*, "> quotes" and paragraphs."""
    blocks: list[tuple[str, str]] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(_md_line(" ".join(paragraph)))
            paragraph.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        if heading:
            flush()
            level = len(heading.group(1))
            blocks.append(({1: "title", 2: "heading"}.get(level, "subheading"), heading.group(2).strip()))
        elif line.startswith("|"):
            flush()
            cells = [c.strip() for c in line.strip("|").split("|")]
            if all(re.fullmatch(r":?-{2,}:?|", c) for c in cells):
                continue
            cells = [c for c in cells if c]
            if len(cells) >= 2:
                blocks.append(("field", f"{cells[0]}\t{' | '.join(cells[1:])}"))
            elif cells:
                blocks.append(("para", cells[0]))
        elif line.startswith(">"):
            flush()
            blocks.append(("note", line.lstrip("> ").strip()))
        else:
            paragraph.append(line)
    flush()
    return blocks


def _md_line(line: str) -> tuple[str, str]:
    label = re.match(r"^\*\*(.+?)\*\*\s*(.*)$", line)
    if label:
        name, rest = label.group(1).rstrip(":"), label.group(2)
        if rest.startswith(":"):
            rest = rest[1:]
        paren = re.match(r"^(\([^)]*\)):\s*(.*)$", rest)
        if paren:  # "**Name** (0:01:02): text"
            return "label", f"{name} {paren.group(1)}\t{paren.group(2)}"
        return "label", f"{name}\t{rest.strip()}"
    if re.fullmatch(r"\*[^*].*\*", line):
        return "meta", line.strip("*").strip()
    return "para", line.replace("**", "")


def _item_blocks(item: MinutesItem, t, lang: str) -> list[tuple[str, str]]:
    blocks = [("heading", item.heading)]
    if not item.public:
        blocks.append(("note", f"{t('non_public')}: {t('non_public_note')}"))
    if item.start is not None:
        blocks.append(("meta", f"{t('section.time')}: {format_clock(item.start)}–{format_clock(item.end)}"))
    if item.public:
        for motion in item.motions:
            blocks.append(("label", f"{motion.kind}\t{motion.text}"))
    if item.resolution():
        blocks.append(("label", f"{t('section.decision')}\t{item.resolution()}"))
    if item.number is not None or item.votes:
        blocks.append(("label", f"{t('section.vote')}\t{item.result_text(lang)}"))
    if not item.detected:
        blocks.append(("note", t("item_not_detected")))
    elif item.public:
        blocks.append(("subheading", t("section.discussion")))
        if item.summary:
            blocks.append(("para", item.summary))
        for c in item.contributions:
            blocks.append(("label", f"{c.speaker} ({format_clock(c.start)})\t{c.text}"))
        if not item.contributions:
            blocks.append(("para", t("no_discussion")))
    return blocks


def _docx(transcript: MeetingTranscript, minutes: Minutes) -> bytes:
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.core_properties.title = minutes.meta.title or prompts.text("meetings.document_title")
    doc.core_properties.language = minutes.language
    table = None
    for style, text in redact_blocks(_blocks(minutes)):
        if style == "title":
            doc.add_heading(text, level=0)
        elif style == "field":
            if table is None:
                table = doc.add_table(rows=0, cols=2)
                table.style = "Table Grid"
            label, _, value = text.partition("\t")
            row = table.add_row().cells
            row[0].text, row[1].text = label, value
            row[0].paragraphs[0].runs[0].bold = True
        elif style == "heading":
            doc.add_heading(text, level=1)
        elif style == "subheading":
            doc.add_heading(text, level=2)
        elif style == "label":
            label, _, value = text.partition("\t")
            para = doc.add_paragraph()
            para.add_run(f"{label}: ").bold = True
            para.add_run(value)
        elif style in ("note", "meta"):
            para = doc.add_paragraph()
            run = para.add_run(text)
            run.italic = True
            run.font.size = Pt(9)
        else:
            doc.add_paragraph(text)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _font_path(name: str) -> Path | None:
    for folder in _FONT_DIRS:
        path = Path(folder) / name
        if path.is_file():
            return path
    return None


_LATIN1 = str.maketrans({"„": '"', "“": '"', "”": '"', "‚": "'", "‘": "'", "’": "'", "–": "-",
                         "—": "-", "…": "...", "€": "EUR", "\u00a0": " "})


def _pdf(transcript: MeetingTranscript, minutes: Minutes) -> bytes:
    """PDF via fpdf2 with DejaVu Sans (Debian fonts-dejavu-core) for full Unicode; without the
    font, the built-in Helvetica with text reduced to Latin-1 (umlauts and ß survive)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(20, 18, 20)
    regular, bold = _font_path("DejaVuSans.ttf"), _font_path("DejaVuSans-Bold.ttf")
    if regular and bold:
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        oblique = _font_path("DejaVuSans-Oblique.ttf")
        pdf.add_font("DejaVu", "I", str(oblique or regular))
        family = "DejaVu"
        clean = lambda s: s  # noqa: E731
    else:
        family = "Helvetica"
        clean = lambda s: s.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")  # noqa: E731
    pdf.set_title(clean(minutes.meta.title or prompts.text("meetings.document_title")))
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for style, text in redact_blocks(_blocks(minutes)):
        text = clean(text)
        pdf.set_x(pdf.l_margin)
        if style == "title":
            pdf.set_font(family, "B", 16)
            pdf.multi_cell(width, 8, text)
            pdf.ln(3)
        elif style == "field":
            label, _, value = text.partition("\t")
            pdf.set_font(family, "B", 10)
            pdf.cell(50, 6, label)
            pdf.set_font(family, "", 10)
            pdf.multi_cell(width - 50, 6, value)
        elif style in ("heading", "subheading"):
            pdf.ln(3)
            pdf.set_font(family, "B", 13 if style == "heading" else 11)
            pdf.multi_cell(width, 7, text)
            pdf.ln(1)
        elif style == "label":
            label, _, value = text.partition("\t")
            pdf.set_font(family, "", 10)
            pdf.multi_cell(width, 5.5, f"**{_md_escape(label)}:** {_md_escape(value)}", markdown=True)
            pdf.ln(1)
        elif style in ("note", "meta"):
            pdf.set_font(family, "I", 9)
            pdf.multi_cell(width, 5, text)
            pdf.ln(1)
        else:
            pdf.set_font(family, "", 10)
            pdf.multi_cell(width, 5.5, text)
            pdf.ln(1)
    return bytes(pdf.output())


def _md_escape(text: str) -> str:
    """fpdf2's markdown mode treats ** __ -- as markup; break them up in spoken text."""
    return text.replace("**", "* *").replace("__", "_ _").replace("--", "- -")
