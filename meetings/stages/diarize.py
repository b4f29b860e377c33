"""Stage `diarize`: who spoke when, and one voice embedding per speaker label.

The engine (meetings/diarization) reads the 16 kHz copy window by window and keeps each finished
window in stages/diarize/ (meetings/diarization/windows.py), so a stop or a crash inside a long
recording resumes at the window it was on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from meetings.diarization import DiarizeSettings, get_diarizer
from meetings.stages.decode import Decoded, read_wav
from meetings.stages.runner import Step
from meetings.transcript import Turn

NAME = "diarize"
WEIGHT = 22.0


@dataclass
class Diarized:
    engine: str
    embedding_model: str | None
    device: str | None
    detects_overlap: bool
    turns: list[Turn]
    embeddings: dict[str, np.ndarray] = field(default_factory=dict)   # label -> voice embedding

    def to_stored(self) -> dict[str, Any]:
        return {"engine": self.engine, "embedding_model": self.embedding_model, "device": self.device,
                "detects_overlap": self.detects_overlap, "turns": [asdict(t) for t in self.turns],
                "embeddings": {k: [round(float(x), 6) for x in v] for k, v in self.embeddings.items()}}

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> "Diarized":
        return cls(data["engine"], data["embedding_model"], data.get("device"), data.get("detects_overlap", False),
                   [Turn(**t) for t in data["turns"]],
                   {k: np.asarray(v, dtype=np.float32) for k, v in data["embeddings"].items()})


def diarize(step: Step, settings: DiarizeSettings, engine: str, wav_path: Path, decoded: Decoded,
            num_speakers: int | None, min_speakers: int | None, max_speakers: int | None) -> Diarized:
    """Run the engine `engine` ([meetings] `settings`) over the 16 kHz copy at `wav_path`."""
    diarizer = get_diarizer(settings, engine)
    step.report(0.02, f"{diarizer.name} on {diarizer.device}")

    def windows(done: int, total: int, how: str) -> None:
        step.report(0.02 + 0.93 * done / total, f"{done}/{total}")

    result = diarizer.diarize_reader(
        lambda a, b: read_wav(wav_path, a, b), decoded.duration, decoded.peak,
        num_speakers, min_speakers, max_speakers,
        state_dir=step.state_dir, progress=windows, should_stop=step.should_stop)
    return Diarized(result.engine or engine, result.embedding_model, result.device, result.detects_overlap,
                    list(result.turns), dict(result.embeddings))
