"""The speaker-attributed transcript: the boundary between the audio stages and the minutes.

Diarization and ASR produce it; agenda splitting, the minutes, the exports and the review page
consume it. It is serialised as DIR/transcript.json.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Turn:
    """One diarization turn: a speaker label active from start to end (seconds)."""

    speaker: str
    start: float
    end: float


@dataclass
class TimedWord:
    word: str
    start: float
    end: float
    probability: float
    speaker: str


@dataclass
class Utterance:
    """Consecutive words of one speaker."""

    speaker: str          # diarization label, e.g. SPEAKER_00
    start: float
    end: float
    text: str
    words: list[TimedWord] = field(default_factory=list)
    overlap: bool = False  # another speaker talks at the same time
    agenda_item: str | None = None  # number of the agenda item this falls under


@dataclass
class MeetingTranscript:
    duration: float
    language: str
    segments: list[Utterance]
    speakers: dict[str, str] = field(default_factory=dict)  # label -> shown name
    turns: list[Turn] = field(default_factory=list)          # raw diarization

    def name(self, label: str) -> str:
        return self.speakers.get(label, label)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for seg in data["segments"]:
            seg["speaker_name"] = self.name(seg["speaker"])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MeetingTranscript":
        segments = [
            Utterance(
                speaker=s["speaker"], start=s["start"], end=s["end"], text=s["text"],
                words=[TimedWord(**w) for w in s.get("words", [])],
                overlap=s.get("overlap", False), agenda_item=s.get("agenda_item"),
            )
            for s in data["segments"]
        ]
        return cls(
            duration=data["duration"], language=data.get("language", "de"), segments=segments,
            speakers=dict(data.get("speakers", {})), turns=[Turn(**t) for t in data.get("turns", [])],
        )
