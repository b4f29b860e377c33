"""Text to speech: Piper voices where one is installed for the language, espeak-ng otherwise.

Why sentence by sentence: on the phone the caller should hear the first sentence while the rest
is still being synthesized. `Synthesizer.stream()` prepares the text for speech (voice.speakable),
splits it into sentences and yields one `AudioChunk` per sentence, each resampled to the rate the
caller needs (8000 Hz for G.711).

Voices are loaded once per process and per language and shared by all threads; synthesis with
one voice is serialised by a lock (two calls at once would only compete for the same cores).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice import audio as audio_io
from voice.speakable import speakable
from voice.voices import VoiceInfo, voice_for_language

log = logging.getLogger(__name__)

ESPEAK = "espeak"
# espeak-ng voice names for languages callers may speak; anything else is passed through.
_ESPEAK_VOICES = {"de": "de", "en": "en-us", "tr": "tr", "ar": "ar", "uk": "uk", "ru": "ru", "pl": "pl",
                  "fr": "fr-fr", "it": "it", "es": "es", "ro": "ro", "hr": "hr", "sr": "sr", "el": "el",
                  "fa": "fa", "vi": "vi", "nl": "nl"}
_MAX_CLAUSE = 180  # characters; longer sentences are split at commas so that first audio comes soon
_FIRST_MAX = 90  # the first piece is kept shorter still: it decides the time to first audio


@dataclass
class TtsSettings:
    voice_dir: str = ""
    voice_de: str = "de_DE-thorsten-high"
    voice_en: str = "en_US-joe-medium"
    length_scale: float = 1.0
    espeak_rate: int = 150
    sentence_pause_s: float = 0.25


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


class _Backend:
    name: str
    sample_rate: int

    def synthesize(self, sentence: str) -> np.ndarray:
        raise NotImplementedError


class _PiperBackend(_Backend):
    def __init__(self, info: VoiceInfo, length_scale: float):
        from piper import PiperVoice, SynthesisConfig

        started = time.perf_counter()
        self._voice = PiperVoice.load(info.model_path, config_path=info.config_path)
        self._config = SynthesisConfig(length_scale=length_scale if length_scale != 1.0 else None,
                                       normalize_audio=True, volume=0.9)
        self._lock = threading.Lock()
        self.name = info.name
        self.sample_rate = self._voice.config.sample_rate
        log.info("piper voice %s loaded in %.2f s", info.name, time.perf_counter() - started)

    def synthesize(self, sentence: str) -> np.ndarray:
        with self._lock:
            parts = [c.audio_float_array for c in self._voice.synthesize(sentence, syn_config=self._config)]
        return np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)


class _EspeakBackend(_Backend):
    def __init__(self, language: str, words_per_minute: int):
        from voice.espeak import engine

        self._engine = engine()
        self._voice = _ESPEAK_VOICES.get(language, language)
        self._wpm = words_per_minute
        self.name = f"espeak-ng:{self._voice}"
        self.sample_rate = self._engine.sample_rate
        if not self._engine.has_voice(self._voice):
            from voice.espeak import EspeakError

            raise EspeakError(f"espeak-ng has no voice for language '{language}'")

    def synthesize(self, sentence: str) -> np.ndarray:
        samples = self._engine.synthesize(sentence, self._voice, self._wpm)
        peak = float(np.max(np.abs(samples))) if samples.size else 0.0
        return samples * (0.9 / peak) if peak > 1e-6 else samples


class Synthesizer:
    """All voices of one configuration. Thread-safe; create one per process and share it."""

    def __init__(self, settings: TtsSettings, voice_dir: str | Path | None = None):
        self.settings = settings
        configured = voice_dir or settings.voice_dir
        self.voice_dir = Path(configured).expanduser() if configured else None  # None: bundled voices only
        self._backends: dict[str, _Backend] = {}
        self._lock = threading.Lock()

    def _preferred(self, language: str) -> str:
        return str(getattr(self.settings, f"voice_{language}", "") or "")

    def backend(self, language: str = "de") -> _Backend:
        """The voice for `language`, loaded on first use."""
        language = (language or "de").split("-")[0].split("_")[0].lower()
        with self._lock:
            if language not in self._backends:
                self._backends[language] = self._load(language)
            return self._backends[language]

    def _load(self, language: str) -> _Backend:
        preferred = self._preferred(language)
        if preferred != ESPEAK:
            info = voice_for_language(language, self.voice_dir, preferred)
            if info is not None:
                if preferred and info.name != preferred:
                    log.warning("tts: voice %s is not installed; using %s for '%s'", preferred, info.name, language)
                return _PiperBackend(info, self.settings.length_scale)
            log.warning("tts: no Piper voice for '%s' in %s%s; speaking %s with espeak-ng "
                        "(install one with `rathaus voices install %s`)", language, self.voice_dir,
                        f" (configured: {preferred})" if preferred else "", language,
                        preferred or f"{language}_..-NAME-medium")
        return _EspeakBackend(language, self.settings.espeak_rate)

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
            if index < len(sentences) - 1 and pause.size:
                samples = np.concatenate([samples, pause])
            yield AudioChunk(np.clip(samples, -1.0, 1.0).astype(np.float32), out_rate, sentence)

    def synthesize(self, text: str, language: str = "de", rate: int | None = None) -> tuple[np.ndarray, int]:
        """The whole text as one array, and its sample rate."""
        chunks = list(self.stream(text, language, rate))
        out_rate = rate or self.backend(language).sample_rate
        if not chunks:
            return np.zeros(0, dtype=np.float32), out_rate
        return np.concatenate([c.samples for c in chunks]), out_rate


_shared: dict[tuple, Synthesizer] = {}
_shared_lock = threading.Lock()


def shared_synthesizer(settings: TtsSettings, voice_dir: str | Path) -> Synthesizer:
    """One synthesizer per process and settings (the phone calls share it)."""
    key = (str(voice_dir), tuple(sorted(vars(settings).items())))
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Synthesizer(settings, voice_dir)
        return _shared[key]
