"""Redaction of meeting exports ([privacy] redact_meetings): transcripts with word times, the
rendered minutes and JSON documents.

The stored meeting transcript stays as it is (clerks correct it before the minutes are
published); only what leaves the system as a file is redacted. Word lists are redacted with their
segment, since a number spread over several words ("0711", "123", "456") is only found in the
joined text.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from rathaus.privacy import policy


def enabled() -> bool:
    return policy().meetings


def redact_text(text: str) -> str:
    return policy().redact(text).text if enabled() else text


def redact_json(value: Any) -> Any:
    return policy().redact_data(value) if enabled() else value


def redact_transcript(transcript):
    """A copy of a meetings.transcript.MeetingTranscript with redacted segment texts and words."""
    if not enabled():
        return transcript
    return dataclasses.replace(transcript, segments=[_segment(s) for s in transcript.segments])


def _segment(seg):
    result = policy().redact(seg.text)
    if not result.findings:
        return seg
    return dataclasses.replace(seg, text=result.text, words=_words(seg, result))


def _words(seg, result) -> list:
    """The words with each finding's words replaced by one placeholder word (keeping the first
    word's start and the last word's end). Words that cannot be lined up with the text are
    dropped: timing detail is lost, never the redaction."""
    from rathaus.privacy.redact import placeholders

    offsets = _offsets(seg.text, [w.word for w in seg.words])
    if offsets is None:
        return []
    marks = placeholders()
    spans = [(f.start, f.end, marks[f.kind]) for f in result.findings]
    out: list = []
    owner: list[int | None] = []  # which finding each kept word stands for
    for word, (start, end) in zip(seg.words, offsets):
        hit = next((k for k, s in enumerate(spans) if s[0] < end and start < s[1]), None)
        if hit is None:
            out.append(word)
            owner.append(None)
        elif owner and owner[-1] == hit:
            out[-1] = dataclasses.replace(out[-1], end=word.end)  # one placeholder per finding
        else:
            lead = word.word[:len(word.word) - len(word.word.lstrip())]
            out.append(dataclasses.replace(word, word=lead + spans[hit][2]))
            owner.append(hit)
    return out


def _offsets(text: str, words: list[str]) -> list[tuple[int, int]] | None:
    """Where each word lies in `text` (whisper's words carry their own leading space, other
    sources are joined with one); None when they do not line up."""
    spans, pos = [], 0
    for word in words:
        core = word.strip()
        at = text.find(core, pos) if core else pos
        if at < 0 or text[pos:at].strip():
            return None
        spans.append((at, at + len(core)))
        pos = at + len(core)
    return spans if not text[pos:].strip() else None
