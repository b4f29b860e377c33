"""Stage `align`: every word to the speaker whose turn covers it most, words into utterances,
and every speaker label a shown name (an enrolled voice profile, else "Sprecher N").

The result is the speaker-attributed transcript (meetings.transcript) that the minutes, the
exports and the review page work from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meetings.align import build_transcript
from meetings.speakers import SpeakerName, list_profiles, name_speakers
from meetings.stages.diarize import Diarized
from meetings.stages.transcribe import Transcribed
from meetings.transcript import MeetingTranscript
from rathaus.store import Store

NAME = "align"
WEIGHT = 3.0


@dataclass
class Aligned:
    transcript: MeetingTranscript
    names: dict[str, SpeakerName]    # label -> shown name, with the matched profile

    def to_stored(self) -> dict[str, Any]:
        return {"transcript": self.transcript.to_dict(),
                "names": {k: {"name": v.name, "profile_id": v.profile_id, "similarity": v.similarity}
                          for k, v in self.names.items()}}

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> "Aligned":
        return cls(MeetingTranscript.from_dict(data["transcript"]),
                   {k: SpeakerName(k, v["name"], v.get("profile_id"), v.get("similarity"))
                    for k, v in data["names"].items()})


def align(store: Store, diarized: Diarized, heard: Transcribed, duration: float, match_threshold: float) -> Aligned:
    """Words to speakers and speakers to names (voice profiles of the diarizer's embedding model
    whose similarity reaches `match_threshold`)."""
    profiles = list_profiles(store, diarized.embedding_model) if diarized.embedding_model else []
    names = name_speakers(diarized.embeddings, diarized.turns, profiles, match_threshold, heard.language)
    transcript = build_transcript(heard.words, diarized.turns, duration, heard.language,
                                  {k: v.name for k, v in names.items()})
    return Aligned(transcript, names)
