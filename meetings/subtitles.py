"""Subtitles for the published meeting video: WebVTT and SRT.

Readable subtitles keep to at most 42 characters per line and two lines per cue (the common
broadcast rule, e.g. the EBU/Netflix German guidelines), and to at most 7 seconds per cue. A long
utterance becomes several cues over time: at its word timings when the transcript has them, else
at times proportional to the characters spoken. The speaker is a WebVTT voice tag
(`<v Anna Berg>`, on every cue, not counted as text) or, in SRT, a "Name: " prefix on the
first line of an utterance's first cue (counted, since players show it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from meetings.transcript import MeetingTranscript, Utterance

LINE_MAX = 42
LINES_MAX = 2
CUE_MAX_S = 7.0
NAME_MAX = 30   # an SRT speaker prefix leaves room for words on the cue's first line


@dataclass
class Cue:
    start: float
    end: float
    lines: list[str]


def _tokens(seg: Utterance) -> list[tuple[str, float, float]]:
    """(word, start, end) for the segment: its word timings, or spread over the segment by length."""
    timed = [(w.word.strip(), w.start, w.end) for w in seg.words if w.word.strip()]
    if timed and " ".join(t for t, _, _ in timed).split() == seg.text.split():
        return timed
    words = seg.text.split()
    if not words:
        return []
    total = sum(len(w) + 1 for w in words)
    span = max(seg.end - seg.start, 0.01 * len(words))
    out, offset = [], 0
    for word in words:
        start = seg.start + span * offset / total
        offset += len(word) + 1
        out.append((word, start, seg.start + span * offset / total))
    return out


def _split_long(word: str, room: int) -> list[str]:
    """A word longer than a line is cut with a hyphen (never happens with ordinary speech)."""
    parts = []
    while len(word) > room:
        parts.append(word[:room - 1] + "-")
        word = word[room - 1:]
    return parts + [word]


def cues(seg: Utterance, prefix: str = "") -> list[Cue]:
    """The segment as cues of at most LINES_MAX lines of LINE_MAX characters; `prefix` (SRT's
    "Name: ", at most NAME_MAX + 2 characters) starts the first cue and counts toward its first
    line; the following cues of the same utterance continue without it (subtitle convention:
    the name marks a change of speaker)."""
    tokens: list[tuple[str, float, float]] = []
    for word, start, end in _tokens(seg):
        pieces = _split_long(word, LINE_MAX) if len(word) > LINE_MAX else [word]
        step = (end - start) / len(pieces)
        tokens += [(p, start + i * step, start + (i + 1) * step) for i, p in enumerate(pieces)]
    result: list[Cue] = []
    i = 0
    while i < len(tokens):
        lines: list[str] = []
        current = prefix if not result else ""
        first = i
        while i < len(tokens):
            word, start, end = tokens[i]
            if i > first and end - tokens[first][1] > CUE_MAX_S:
                break
            joined = f"{current} {word}" if current and not current.endswith(" ") else current + word
            if len(joined) <= LINE_MAX:
                current = joined
                i += 1
                continue
            if len(lines) + 1 >= LINES_MAX:     # the cue is full
                break
            lines.append(current.rstrip())
            current = word
            i += 1
        lines.append(current.rstrip())
        start, end = tokens[first][1], tokens[i - 1][2]
        result.append(Cue(start, max(end, start + 0.01), [line for line in lines if line]))
    return result


def _stamp(seconds: float, sep: str) -> str:
    millis = int(round(max(0.0, seconds) * 1000))
    h, rest = divmod(millis, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _escape_vtt(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _speaker(transcript: MeetingTranscript, seg: Utterance, names: dict[str, str]) -> str:
    return " ".join((names.get(seg.speaker) or transcript.name(seg.speaker)).split())


def short_name(name: str, room: int = NAME_MAX) -> str:
    """A name that fits the SRT prefix: without the party in brackets, then without leading
    words (titles, roles): "Bürgermeisterin Dr. Anna-Maria Berg-Schneider (SPD)" ->
    "Dr. Anna-Maria Berg-Schneider"; a single over-long word is cut with an ellipsis."""
    if len(name) <= room:
        return name
    bare = re.sub(r"\s*\([^)]*\)\s*$", "", name).strip() or name
    words = bare.split()
    while len(words) > 1 and len(" ".join(words)) > room:
        words.pop(0)
    short = " ".join(words)
    return short if len(short) <= room else short[:room - 1] + "…"


def vtt(transcript: MeetingTranscript, names: dict[str, str] | None = None) -> str:
    """WebVTT with the speaker as a voice tag: `<v Anna Berg>Guten Abend.</v>`."""
    names = names or {}
    out = ["WEBVTT", ""]
    for seg in sorted(transcript.segments, key=lambda s: s.start):
        voice = _escape_vtt(_speaker(transcript, seg, names))
        for cue in cues(seg):
            text = "\n".join(_escape_vtt(line) for line in cue.lines)
            out += [f"{_stamp(cue.start, '.')} --> {_stamp(cue.end, '.')}", f"<v {voice}>{text}</v>", ""]
    return "\n".join(out)


def srt(transcript: MeetingTranscript, names: dict[str, str] | None = None) -> str:
    """SRT with the speaker as a prefix where an utterance starts: `Anna Berg: Guten Abend.`."""
    names = names or {}
    out: list[str] = []
    index = 0
    for seg in sorted(transcript.segments, key=lambda s: s.start):
        prefix = f"{short_name(_speaker(transcript, seg, names))}: "
        for cue in cues(seg, prefix):
            index += 1
            out += [str(index), f"{_stamp(cue.start, ',')} --> {_stamp(cue.end, ',')}", *cue.lines, ""]
    return "\n".join(out)
