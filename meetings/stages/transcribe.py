"""Stage `asr`: the words of the recording with their times, by whisper (rathaus.speech.asr).

The recording is transcribed in windows of about [meetings] asr_window_s seconds, cut in a pause
between diarization turns where one is near (`asr_windows`), so no word is cut in two. Each
finished window is kept as stages/asr/NNNN.json; a resumed run transcribes only the windows
it does not have.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from meetings.align import WordIn
from meetings.stages.decode import read_wav
from meetings.stages.runner import Step, read_json, write_json
from meetings.transcript import Turn

NAME = "asr"
WEIGHT = 62.0


@dataclass
class Transcribed:
    language: str        # the given language, else the one detected most often
    model: str
    device: str
    windows: int
    words: list[WordIn]  # times in seconds from the start of the recording

    def to_stored(self) -> dict[str, Any]:
        return {"language": self.language, "model": self.model, "device": self.device, "windows": self.windows,
                "words": [asdict(w) for w in self.words]}

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> "Transcribed":
        return cls(data["language"], data.get("model", ""), data.get("device", ""), data.get("windows", 0),
                   [WordIn(**w) for w in data["words"]])


def asr_windows(duration: float, turns: list[Turn], window: float, search: float = 30.0) -> list[tuple[float, float]]:
    """Windows of about `window` seconds, cut in a pause between turns where one is near."""
    if duration <= window * 1.2:
        return [(0.0, duration)]
    busy = sorted((t.start, t.end) for t in turns)
    # pauses: gaps between the union of turns
    gaps, last = [], 0.0
    for s, e in busy:
        if s > last:
            gaps.append((last, s))
        last = max(last, e)
    gaps.append((last, duration))
    cuts, pos = [], 0.0
    while duration - pos > window * 1.2:
        target = pos + window
        best = None
        for s, e in gaps:
            if e < target - search or s > target + search:
                continue
            mid = min(max((s + e) / 2, target - search), target + search)
            mid = min(max(mid, s), e)
            score = (e - s) - abs(mid - target) / search  # prefer long pauses close to the target
            if best is None or score > best[0]:
                best = (score, mid)
        cut = best[1] if best else target
        cuts.append(cut)
        pos = cut
    edges = [0.0] + cuts + [duration]
    return list(zip(edges[:-1], edges[1:]))


def transcribe(step: Step, config, wav_path: Path, duration: float, turns: list[Turn], window_s: float,
               language: str) -> Transcribed:
    """Transcribe the 16 kHz copy window by window; `language` empty: whisper detects it."""
    from rathaus.speech.asr import AsrSettings, shared_recognizer

    recognizer = shared_recognizer(config.settings("asr", AsrSettings), config.data_dir / "models")
    windows = asr_windows(duration, turns, window_s)
    words, detected = [], []
    for i, (a, b) in enumerate(windows):
        part = step.state_dir / f"{i:04d}.json"
        done = read_json(part)
        if done is None or done.get("window") != [a, b]:
            step.check_stop()
            samples = read_wav(wav_path, a, b)
            tr = recognizer.transcribe(samples, language=language)  # asr.RECORDING: with word times
            done = {"window": [a, b], "language": tr.language,
                    "words": [{"word": w.word, "start": round(w.start + a, 3), "end": round(w.end + a, 3),
                               "probability": w.probability} for s in tr.segments for w in s.words]}
            write_json(part, done)
        words.extend(done["words"])
        detected.append(done["language"])
        step.report((i + 1) / len(windows), f"{i + 1}/{len(windows)}")
    lang = language or (max(set(detected), key=detected.count) if detected else "de")
    return Transcribed(lang, recognizer.model_name, recognizer.device, len(windows), [WordIn(**w) for w in words])
