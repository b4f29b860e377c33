"""Word-level speaker assignment: ASR words + diarization turns -> a MeetingTranscript.

Each word gets the speaker whose turns cover most of the word's time span (not the segment
midpoint). A word that falls in a gap gets the nearest speaker within `max_gap` seconds.
When a second speaker covers a substantial part of the word as well, the word is marked as
overlapped and goes to the speaker of the longer turn around it (the clustered voice; the
engine adds short overlap-only turns for the second voice); the utterance that holds it carries `overlap=True`, so the minutes and the review
page can show that two people talked at once. Consecutive words of one speaker form an
Utterance; a long pause or a very long run starts a new one at a sentence end.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from meetings.transcript import MeetingTranscript, TimedWord, Turn, Utterance

UNKNOWN = "SPEAKER_UNKNOWN"


@dataclass
class AlignSettings:
    max_gap: float = 1.0          # a word this far from any turn still gets the nearest speaker
    overlap_share: float = 0.3    # second speaker covering this share of a word marks it overlapped
    pause_split: float = 2.0      # silence (s) inside one speaker's words that starts a new utterance
    max_utterance: float = 30.0   # beyond this, break at the next sentence end


@dataclass
class WordIn:
    """A recognised word with its times, as rathaus.speech.asr.Word (duck-typed)."""

    word: str
    start: float
    end: float
    probability: float = 1.0


class _TurnIndex:
    def __init__(self, turns: list[Turn]):
        self.turns = sorted(turns, key=lambda t: t.start)
        self.starts = [t.start for t in self.turns]
        self.max_len = max((t.end - t.start for t in self.turns), default=0.0)

    def near(self, start: float, end: float, margin: float) -> list[Turn]:
        lo = bisect.bisect_left(self.starts, start - self.max_len - margin)
        hi = bisect.bisect_right(self.starts, end + margin)
        return self.turns[lo:hi]


def speaker_for(start: float, end: float, index: _TurnIndex, settings: AlignSettings) -> tuple[str, bool]:
    """(speaker, overlapped) for one word span."""
    cover: dict[str, float] = {}
    span: dict[str, float] = {}
    nearest, nearest_dist = UNKNOWN, float("inf")
    for t in index.near(start, end, settings.max_gap):
        ov = min(end, t.end) - max(start, t.start)
        if ov > 0:
            cover[t.speaker] = cover.get(t.speaker, 0.0) + ov
            span[t.speaker] = max(span.get(t.speaker, 0.0), t.end - t.start)
        dist = max(t.start - end, start - t.end, 0.0)
        if dist < nearest_dist:
            nearest, nearest_dist = t.speaker, dist
    if not cover:
        return (nearest if nearest_dist <= settings.max_gap else UNKNOWN), False
    # in overlapped speech both speakers cover the word fully: it goes to the one whose turn
    # around it is longer, the voice the clustering heard there (the overlap-only turn of the
    # second speaker is short), which is also the voice the recogniser transcribes
    ranked = sorted(cover.items(), key=lambda kv: (-round(kv[1], 3), -span[kv[0]]))
    length = max(end - start, 1e-3)
    overlapped = len(ranked) > 1 and ranked[1][1] / length >= settings.overlap_share
    return ranked[0][0], overlapped


def assign_words(words: list, turns: list[Turn], settings: AlignSettings | None = None) -> list[tuple[TimedWord, bool]]:
    """Every word with its speaker and whether it lies in overlapped speech."""
    settings = settings or AlignSettings()
    index = _TurnIndex(turns)
    out = []
    for w in words:
        speaker, overlapped = speaker_for(float(w.start), float(w.end), index, settings)
        out.append((TimedWord(w.word, float(w.start), float(w.end), float(getattr(w, "probability", 1.0)), speaker),
                    overlapped))
    return out


def _join(words: list[TimedWord]) -> str:
    text = ""
    for w in words:
        token = w.word.strip()
        if not token:
            continue
        if text and not token.startswith((",", ".", "!", "?", ";", ":")):
            text += " "
        text += token
    return text


def group_utterances(assigned: list[tuple[TimedWord, bool]], settings: AlignSettings | None = None) -> list[Utterance]:
    """Consecutive words of one speaker -> Utterances (split at long pauses / long runs)."""
    settings = settings or AlignSettings()
    utterances: list[Utterance] = []
    current: list[TimedWord] = []
    overlap = False

    def flush() -> None:
        nonlocal current, overlap
        if current:
            utterances.append(Utterance(current[0].speaker, current[0].start, current[-1].end, _join(current),
                                        current, overlap))
        current, overlap = [], False

    for word, overlapped in sorted(assigned, key=lambda a: a[0].start):
        if current:
            prev = current[-1]
            same = word.speaker == prev.speaker
            pause = word.start - prev.end
            long_run = prev.end - current[0].start > settings.max_utterance and prev.word.rstrip().endswith((".", "?", "!"))
            if not same or pause > settings.pause_split or long_run:
                flush()
        current.append(word)
        overlap = overlap or overlapped
    flush()
    return utterances


def build_transcript(words: list, turns: list[Turn], duration: float, language: str,
                     speakers: dict[str, str] | None = None, settings: AlignSettings | None = None) -> MeetingTranscript:
    """The speaker-attributed transcript of a meeting."""
    utterances = group_utterances(assign_words(words, turns, settings), settings)
    return MeetingTranscript(duration=duration, language=language, segments=utterances,
                             speakers=dict(speakers or {}), turns=list(turns))
