"""Subtitles keep to 42 characters per line and two lines per cue, in WebVTT and SRT.

A long utterance is split into several cues over time: at its word timings when it has them,
proportionally to the characters when it does not. Every spoken word stays, in order.
"""

from __future__ import annotations

import re

import pytest

from meetings.subtitles import CUE_MAX_S, LINE_MAX, LINES_MAX, srt, vtt
from meetings.transcript import MeetingTranscript, TimedWord, Utterance

LONG = ("Meine sehr geehrten Damen und Herren, die Verwaltung schlägt Ihnen heute vor, die "
        "Sanierung der Grundschule am Lindenweg vorzuziehen und die Mittel dafür aus dem "
        "Haushaltsrest des Straßenbaus zu nehmen, weil die Zuschüsse des Landes nur noch bis "
        "zum Jahresende beantragt werden können und die Bauzeit sonst in das nächste Schuljahr fällt.")
LONG_NAME = "Bürgermeisterin Dr. Anna-Maria Berg-Schneider (SPD)"
TIME = r"(\d{2}):(\d{2}):(\d{2})[.,](\d{3})"


def _seconds(h, m, s, ms) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def _timed(text: str, start: float) -> Utterance:
    """Uneven word timings, as ASR gives them: longer words take longer, with a pause mid-way."""
    words, t = [], start
    for index, word in enumerate(text.split()):
        duration = 0.08 * len(word) + 0.1
        if index == 20:
            t += 1.5
        words.append(TimedWord(word, round(t, 3), round(t + duration, 3), 0.9, "SPEAKER_00"))
        t += duration + 0.05
    return Utterance("SPEAKER_00", start, words[-1].end, text, words)


def _transcript(with_words: bool) -> MeetingTranscript:
    first = _timed(LONG, 3.0) if with_words else Utterance("SPEAKER_00", 3.0, 25.0, LONG)
    second = Utterance("SPEAKER_01", 40.0, 42.0, "Danke.")
    return MeetingTranscript(duration=60.0, language="de", segments=[first, second],
                             speakers={"SPEAKER_00": LONG_NAME, "SPEAKER_01": "Karl Ott"})


def _cues(text: str) -> list[tuple[float, float, list[str]]]:
    out = []
    for block in text.strip().split("\n\n"):
        lines = block.split("\n")
        index = next(i for i, line in enumerate(lines) if "-->" in line)
        times = re.match(rf"^{TIME} --> {TIME}$", lines[index])
        assert times, lines[index]
        out.append((_seconds(*times.groups()[:4]), _seconds(*times.groups()[4:]), lines[index + 1:]))
    return out


@pytest.mark.parametrize("with_words", [True, False], ids=["word-timings", "proportional"])
@pytest.mark.parametrize("kind", ["vtt", "srt"])
def test_subtitle_lines_at_most_42_characters_and_two_lines(kind, with_words):
    transcript = _transcript(with_words)
    text = vtt(transcript) if kind == "vtt" else srt(transcript)
    if kind == "vtt":
        assert text.startswith("WEBVTT\n\n")
        text = text[len("WEBVTT\n\n"):]
    cues = _cues(text)
    assert len(cues) >= 6   # the 330-character utterance became several cues
    previous_end = 0.0
    shown_words: list[str] = []
    for start, end, lines in cues:
        assert 1 <= len(lines) <= LINES_MAX, lines
        if kind == "vtt":
            joined = "\n".join(lines)
            assert re.fullmatch(r"<v [^>]+>[^<]*</v>", joined, re.S), joined
            lines = re.sub(r"<v [^>]+>|</v>", "", joined).split("\n")
        for line in lines:
            assert 0 < len(line) <= LINE_MAX, line
        assert start >= previous_end - 1e-6 and end > start
        assert end - start <= CUE_MAX_S + 0.01
        previous_end = end
        shown = " ".join(lines)
        if kind == "srt" and (not shown_words or shown_words[-1] == LONG.split()[-1]):
            assert shown.startswith(("Dr. Anna-Maria Berg-Schneider: ", "Karl Ott: ")), shown
            shown = re.sub(r"^(Dr. Anna-Maria Berg-Schneider|Karl Ott): ", "", shown)
        elif kind == "srt":   # the same speaker goes on: no name
            assert not re.match(r"^(Dr. Anna-Maria Berg-Schneider|Karl Ott):", shown), shown
        else:
            assert joined.startswith((f"<v {LONG_NAME}>", "<v Karl Ott>"))   # tags are not shown text
        shown_words += shown.split()
    assert shown_words == LONG.split() + ["Danke."]
    first_start, last_end = cues[0][0], max(end for start, end, _ in cues[:-1])
    assert first_start == pytest.approx(3.0, abs=0.002)
    if with_words:   # cues follow the words' own times: the last word ends the last cue
        assert last_end == pytest.approx(transcript.segments[0].words[-1].end, abs=0.002)
    else:            # spread over the utterance
        assert last_end == pytest.approx(25.0, abs=0.002)
    assert cues[-1][0] == pytest.approx(40.0, abs=0.002)


def test_cue_follows_word_timings_across_a_pause():
    transcript = _transcript(with_words=True)
    words = transcript.segments[0].words
    starts = {round(w.start, 3) for w in words}
    for start, _, _ in _cues(srt(transcript)):
        if start < 30:
            assert round(start, 3) in starts   # every cue starts where one of its words starts
