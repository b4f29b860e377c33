"""The files a clerk takes away from a meeting: minutes and transcript in common formats.

protocol.md (the draft to correct), protocol.docx and protocol.pdf (to print, sign and archive:
A4, German document language, tagged PDF/A-2b), protocol.html (accessible web page),
protocol.oparl.json (OParl 1.1, for the council information system), transcript.json
(everything, for the review page and re-processing), transcript.vtt / transcript.srt (subtitles
for the published video, speaker names as WebVTT voice tags or an SRT prefix) and
diarization.rttm (who spoke when, for scoring). EXPORTS is the one list of these kinds (file
name, MIME type, renderer) that `rathaus meeting`, `rathaus minutes` and the review page's
downloads share; `render` gives one of them as bytes for downloads; `write_exports` writes them.

DOCX, PDF and HTML come from one path: the minutes' Markdown (drafted, or the clerk's edit) is
parsed by a CommonMark parser into meetings.docmodel, which render_docx and render_html draw;
the PDF is LibreOffice's conversion of that DOCX (render_pdf). Subtitles: meetings.subtitles;
OParl: meetings.oparl.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import prompts
from meetings.docmodel import Block, parse_markdown
from meetings.minutes import Minutes
from meetings.oparl import oparl_meeting
from meetings.subtitles import srt, vtt
from meetings.transcript import MeetingTranscript, Turn
from rathaus.errors import RathausError
from rathaus.privacy.documents import redact_json, redact_text, redact_transcript

__all__ = ["ExportKind", "EXPORTS", "ALL_FORMATS", "check_formats", "write_exports", "render", "vtt", "srt",
           "oparl_meeting", "document_blocks"]


@dataclass(frozen=True)
class ExportKind:
    """One kind of export: its file name (written by `rathaus meeting`, offered for download with
    the meeting's title in front), its MIME type and how it is drawn, before redaction, from the
    transcript, the minutes and the OParl base URL."""

    kind: str
    filename: str
    mime: str
    renderer: Callable[[MeetingTranscript, Minutes, "str | None"], bytes]


# in writing order: the OParl file comes last, its File objects describe the files written before
EXPORTS: dict[str, ExportKind] = {e.kind: e for e in (
    ExportKind("md", "protocol.md", "text/markdown; charset=utf-8", lambda t, m, base: _markdown(m).encode("utf-8")),
    ExportKind("json", "transcript.json", "application/json", lambda t, m, base: _json(t, m)),
    ExportKind("rttm", "diarization.rttm", "text/plain; charset=utf-8", lambda t, m, base: _rttm(t, m)),
    ExportKind("vtt", "transcript.vtt", "text/vtt; charset=utf-8",
               lambda t, m, base: vtt(t, _subtitle_names(t, m)).encode("utf-8")),
    ExportKind("srt", "transcript.srt", "application/x-subrip; charset=utf-8",
               lambda t, m, base: srt(t, _subtitle_names(t, m)).encode("utf-8")),
    ExportKind("docx", "protocol.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               lambda t, m, base: _docx(m)),
    ExportKind("pdf", "protocol.pdf", "application/pdf", lambda t, m, base: _pdf(m)),
    ExportKind("html", "protocol.html", "text/html; charset=utf-8", lambda t, m, base: _html(m)),
    ExportKind("oparl", "protocol.oparl.json", "application/json", lambda t, m, base: _oparl(m, base, None)),
)}
ALL_FORMATS = tuple(EXPORTS)


def check_formats(formats: tuple[str, ...] | list[str]) -> None:
    """Raise a one-line error naming the unknown export kinds among `formats`."""
    unknown = [f for f in formats if f not in EXPORTS]
    if unknown:
        raise RathausError(f"unknown export format(s): {', '.join(unknown)} "
                           f"(known: {', '.join(EXPORTS)})")


def write_exports(out_dir: str | Path, transcript: MeetingTranscript, minutes: Minutes,
                  formats: tuple[str, ...] | list[str] = ALL_FORMATS,
                  oparl_base_url: str | None = None) -> dict[str, Path]:
    """Write the chosen formats into `out_dir` (created); returns format -> path.

    `oparl_base_url`: where the OParl ids live (meetings.oparl.base_url(config))."""
    check_formats(formats)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RathausError(f"cannot create output folder {out}: {exc.strerror}") from None
    written: dict[str, Path] = {}
    docx: bytes | None = None
    for kind in sorted(formats, key=ALL_FORMATS.index):
        path = out / EXPORTS[kind].filename
        if kind == "rttm":
            from meetings.diarization.rttm import write_rttm

            write_rttm(_turns(transcript), minutes.meta.file_id, path)
            written[kind] = path
            continue
        if kind == "pdf" and docx is not None:   # the PDF is the DOCX converted: convert it once
            from meetings.render_pdf import render_pdf

            data = render_pdf(docx, document_blocks(minutes), _title(minutes), minutes.language)
        elif kind == "oparl":
            data = _redacted(kind, _oparl(minutes, oparl_base_url, dict(written)))
        else:
            data = render(kind, transcript, minutes)
        if kind == "docx":
            docx = data
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)  # a reader never sees half a file
        written[kind] = path
    return written


def render(kind: str, transcript: MeetingTranscript, minutes: Minutes,
           oparl_base_url: str | None = None) -> bytes:
    """One export as bytes (for downloads from the review page)."""
    if kind not in EXPORTS:
        raise RathausError(f"unknown export format: {kind} (known: {', '.join(EXPORTS)})")
    return _redacted(kind, EXPORTS[kind].renderer(redact_transcript(transcript), minutes, oparl_base_url))


def _redacted(kind: str, data: bytes) -> bytes:
    """Personal data out of the files that leave the system ([privacy] redact_meetings); DOCX,
    PDF and HTML are made from the redacted Markdown (document_blocks)."""
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


def _oparl(minutes: Minutes, base: str | None, files: dict[str, Path] | None) -> bytes:
    return json.dumps(oparl_meeting(minutes, base, files), ensure_ascii=False, indent=2).encode("utf-8")


# --- documents: Markdown -> model -> DOCX / PDF / HTML -----------------------------------------

def document_blocks(minutes: Minutes) -> list[Block]:
    """The minutes (the clerk's edit, else the draft) as the document model, redacted."""
    return parse_markdown(redact_text(_markdown(minutes)))


def _title(minutes: Minutes) -> str:
    title = prompts.text("meetings.document_title", minutes.language)
    return f"{title}: {minutes.meta.title}" if minutes.meta.title else title


def _author(minutes: Minutes) -> str:
    return minutes.meta.body or prompts.text("meetings.document_author", minutes.language)


def _docx(minutes: Minutes) -> bytes:
    from meetings.render_docx import render_docx

    return render_docx(document_blocks(minutes), _title(minutes), _author(minutes), minutes.language)


def _pdf(minutes: Minutes) -> bytes:
    from meetings.render_pdf import render_pdf

    return render_pdf(_docx(minutes), document_blocks(minutes), _title(minutes), minutes.language)


def _html(minutes: Minutes) -> bytes:
    from meetings.render_html import render_html

    return render_html(document_blocks(minutes), _title(minutes), minutes.language).encode("utf-8")


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
    from meetings.diarization.rttm import format_rttm

    return format_rttm(_turns(transcript), minutes.meta.file_id).encode("utf-8")
