"""Stage `decode`: any ffmpeg-readable recording -> a 16 kHz mono 16-bit WAV in the work folder.

Memory stays bounded for long recordings: decoding streams into the WAV, and the later stages
read one window at a time from it (`read_wav`).
"""

from __future__ import annotations

import os
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from rathaus.errors import RathausError

NAME = "decode"
WEIGHT = 3.0   # share of the whole run on CPU
RATE = 16000


@dataclass
class Decoded:
    audio_path: str      # the 16 kHz copy
    duration: float      # seconds
    peak: float          # largest absolute sample (the diarizer's level reference)
    source: str          # the recording it was made from

    def to_stored(self) -> dict[str, Any]:
        return {"audio_path": self.audio_path, "duration": self.duration, "peak": self.peak,
                "source": self.source}

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> "Decoded":
        return cls(data["audio_path"], float(data["duration"]), float(data.get("peak", 1.0)),
                   data.get("source", ""))


def decode(source: Path, wav_path: Path, report: Callable[[float], None]) -> Decoded:
    """Stream `source` into `wav_path` (bounded memory); `report` gets the fraction done."""
    from rathaus.speech import audio as audio_io

    total = 0.0
    try:
        total = audio_io.duration(source)
    except RathausError:
        pass  # ffprobe could not tell: decoding below gives the clear error
    tmp = wav_path.with_suffix(".part.wav")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    samples = 0
    peak = 0.0
    with wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        for chunk in audio_io.stream(source, RATE, chunk_s=30.0):
            out.writeframes(audio_io.to_pcm16(chunk))
            samples += len(chunk)
            peak = max(peak, float(np.max(np.abs(chunk))) if chunk.size else 0.0)
            if total > 0:
                report(min(1.0, samples / RATE / total))
    os.replace(tmp, wav_path)
    return Decoded(str(wav_path), round(samples / RATE, 3), round(peak, 5), str(source))


def read_wav(path: Path, start_s: float = 0.0, end_s: float | None = None) -> np.ndarray:
    """float32 samples of [start_s, end_s) from the 16 kHz 16-bit WAV the decode stage wrote."""
    with wave.open(str(path), "rb") as w:
        n = w.getnframes()
        a = max(0, min(n, int(start_s * RATE)))
        b = n if end_s is None else max(a, min(n, int(end_s * RATE)))
        w.setpos(a)
        data = w.readframes(b - a)
    from rathaus.speech.audio import from_pcm16

    return from_pcm16(data)
