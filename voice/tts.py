"""Text to speech: the best voice installed for each language, streamed sentence by sentence.

Why sentence by sentence: on the phone the caller should hear the first sentence while the rest
is still being synthesized. `Synthesizer.stream()` prepares the text for speech (voice.speakable),
splits it into sentences and yields one `AudioChunk` per sentence, each resampled to the rate the
caller needs (8000 Hz for G.711).

Which engine speaks a language is decided once per process and language (voice.tts_engines):
the configured voice, then an installed Piper voice, then the `[tts] fallback` engines in order
(Pico, MBROLA, espeak-ng by default). Voices are shared by all threads.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rathaus.speech import audio as audio_io
from voice.speakable import speakable
from voice.tts_engines import ENGINES, Backend, EngineOptions, EngineUnavailable, PiperBackend
from voice.voices import voice_for_language

log = logging.getLogger(__name__)

_MAX_CLAUSE = 180  # characters; longer sentences are split at commas so that first audio comes soon
_FIRST_MAX = 90  # the first piece is kept shorter still: it decides the time to first audio
# Languages whose callers hardly understand espeak-ng's own voice (measured: WER about 1.0 at 8 kHz).
_ESPEAK_POOR = {"de"}


@dataclass
class TtsSettings:
    voice_dir: str = ""
    voice_de: str = "de_DE-thorsten-high"
    voice_en: str = "en_US-joe-medium"
    fallback: list[str] = field(default_factory=lambda: ["pico", "mbrola", "espeak"])
    length_scale: float = 1.0
    pico_speed: int = 90
    espeak_rate: int = 150
    sentence_pause_s: float = 0.25

    def engine_options(self) -> EngineOptions:
        return EngineOptions(length_scale=self.length_scale, pico_speed=self.pico_speed,
                             espeak_rate=self.espeak_rate)


@dataclass
class AudioChunk:
    """One sentence of speech: float32 mono samples at `sample_rate`, and the text it says."""

    samples: np.ndarray
    sample_rate: int
    text: str

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


def split_sentences(text: str, first_max: int = _FIRST_MAX) -> list[str]:
    """Sentences (and clauses of very long ones), in order, without empty pieces. A long first
    sentence is cut at its first comma after 25 characters so that the caller hears it sooner."""
    pieces = _sentences(text)
    if pieces and len(pieces[0]) > first_max:
        cut = pieces[0].find(", ", 25, first_max)
        if cut > 0:
            pieces[0:1] = [pieces[0][: cut + 1], pieces[0][cut + 2:]]
    return pieces


def _sentences(text: str) -> list[str]:
    pieces = []
    for line in text.splitlines():
        for sentence in re.split(r"(?<=[.!?])\s+(?=[^\s])", line.strip()):
            sentence = sentence.strip()
            if not sentence or not re.search(r"\w", sentence):
                continue
            while len(sentence) > _MAX_CLAUSE:
                cut = max(sentence.rfind(", ", 0, _MAX_CLAUSE), sentence.rfind("; ", 0, _MAX_CLAUSE))
                if cut < 40:
                    cut = sentence.find(", ", _MAX_CLAUSE)
                    if cut < 0:
                        break
                pieces.append(sentence[: cut + 1].strip())
                sentence = sentence[cut + 1:].strip()
            if sentence:
                pieces.append(sentence)
    return pieces


class Synthesizer:
    """All voices of one configuration. Thread-safe; create one per process and share it."""

    def __init__(self, settings: TtsSettings, voice_dir: str | Path | None = None):
        self.settings = settings
        configured = voice_dir or settings.voice_dir
        self.voice_dir = Path(configured).expanduser() if configured else None  # None: bundled voices only
        self._backends: dict[str, Backend] = {}
        self._lock = threading.Lock()

    def _preferred(self, language: str) -> str:
        return str(getattr(self.settings, f"voice_{language}", "") or "")

    def backend(self, language: str = "de") -> Backend:
        """The voice for `language`, loaded on first use."""
        language = (language or "de").split("-")[0].split("_")[0].lower()
        with self._lock:
            if language not in self._backends:
                self._backends[language] = self._load(language)
            return self._backends[language]

    def _load(self, language: str) -> Backend:
        preferred = self._preferred(language)
        chain = [preferred] if preferred in ENGINES else []
        chain += [name for name in self.settings.fallback if name not in chain]
        unknown = [name for name in chain if name not in ENGINES]
        if unknown:
            raise EngineUnavailable(f"[tts] fallback: unknown engine(s) {', '.join(unknown)} "
                                    f"(known: {', '.join(ENGINES)})")
        if preferred not in ENGINES:
            info = voice_for_language(language, self.voice_dir, preferred)
            if info is not None:
                if preferred and info.name != preferred:
                    log.warning("tts: voice %s is not installed; using %s for '%s'", preferred, info.name, language)
                return PiperBackend(info, self.settings.engine_options())
        reasons = []
        for name in chain:
            try:
                backend = ENGINES[name](language, self.settings.engine_options())
            except EngineUnavailable as exc:
                reasons.append(str(exc))
                continue
            if preferred and preferred != name:
                log.info("tts: no Piper voice %s for '%s' in %s; speaking with %s (`rathaus voices install` adds one)",
                         preferred, language, self.voice_dir, backend.name)
            if backend.engine == "espeak" and language in _ESPEAK_POOR:
                log.warning("tts: speaking '%s' with espeak-ng: callers will hardly understand it. Install SVOX "
                            "Pico (apt-get install libttspico-utils, Debian non-free; `make run` does it) or a "
                            "Piper voice (rathaus voices install de_DE-thorsten-high)%s", language,
                            f" [{'; '.join(reasons)}]" if reasons else "")
            return backend
        raise EngineUnavailable(f"no voice can speak '{language}': {'; '.join(reasons)}")

    def voice_name(self, language: str = "de") -> str:
        return self.backend(language).name

    def warm_up(self, languages: tuple[str, ...] = ("de",)) -> None:
        """Load voices and run one short synthesis so that the first caller does not wait."""
        for lang in languages:
            for rate in (None, 8000):
                list(self.stream("Ja.", lang, rate))

    def stream(self, text: str, language: str = "de", rate: int | None = None) -> Iterator[AudioChunk]:
        """One chunk per sentence; the first is yielded before the next sentence is synthesized."""
        backend = self.backend(language)
        sentences = split_sentences(speakable(text, language))
        out_rate = rate or backend.sample_rate
        pause = np.zeros(int(self.settings.sentence_pause_s * out_rate), dtype=np.float32)
        for index, sentence in enumerate(sentences):
            samples = audio_io.resample(backend.synthesize(sentence), backend.sample_rate, out_rate)
            if index < len(sentences) - 1:
                samples = np.concatenate([_trimmed(samples, out_rate), pause])
            yield AudioChunk(np.clip(samples, -1.0, 1.0).astype(np.float32), out_rate, sentence)

    def synthesize(self, text: str, language: str = "de", rate: int | None = None) -> tuple[np.ndarray, int]:
        """The whole text as one array, and its sample rate."""
        chunks = list(self.stream(text, language, rate))
        out_rate = rate or self.backend(language).sample_rate
        if not chunks:
            return np.zeros(0, dtype=np.float32), out_rate
        return np.concatenate([c.samples for c in chunks]), out_rate


def _trimmed(samples: np.ndarray, rate: int, tail_s: float = 0.2) -> np.ndarray:
    """A sentence followed by another, without the quiet its engine puts after it (Pico ends each
    with about 0.8 s): the pause between sentences is ours (`sentence_pause_s`). A second of
    silence after a short sentence made callers wait and whisper stop listening ("Bürgerbüro."
    and nothing more)."""
    if samples.size == 0:
        return samples
    level = np.abs(samples)
    loud = np.flatnonzero(level > max(1e-4, 0.005 * float(level.max())))
    if loud.size == 0:
        return samples
    return samples[:min(samples.size, int(loud[-1]) + 1 + int(tail_s * rate))]


_shared: dict[tuple, Synthesizer] = {}
_shared_lock = threading.Lock()


def shared_synthesizer(settings: TtsSettings, voice_dir: str | Path) -> Synthesizer:
    """One synthesizer per process and settings (the phone calls share it)."""
    key = (str(voice_dir), repr(sorted(vars(settings).items())))
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Synthesizer(settings, voice_dir)
        return _shared[key]
