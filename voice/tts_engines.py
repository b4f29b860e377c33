"""The speech engines behind voice.tts, one small class each, and the registry that picks them.

Order of preference for a language (voice.tts.Synthesizer applies it):
1. a Piper voice installed for the language (neural, most natural; the bundled en_US voice);
2. SVOX Pico (Debian non-free): German, English, French, Italian, Spanish; clear on the phone;
3. MBROLA through espeak-ng (`mb-de7`, Debian contrib/non-free): German, a second choice;
4. espeak-ng: every language, but German callers hardly understand it (a warning says so).

Each engine loads what it needs once per process (Pico's lingware, libespeak-ng, the ONNX voice)
and serialises synthesis with its own lock, so one `Backend` is shared by all calls.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice.voices import VoiceInfo

log = logging.getLogger(__name__)

# espeak-ng voice names for languages callers may speak; anything else is passed through.
ESPEAK_VOICES = {"de": "de", "en": "en-us", "tr": "tr", "ar": "ar", "uk": "uk", "ru": "ru", "pl": "pl",
                 "fr": "fr-fr", "it": "it", "es": "es", "ro": "ro", "hr": "hr", "sr": "sr", "el": "el",
                 "fa": "fa", "vi": "vi", "nl": "nl"}
# MBROLA voices known to speak a language well through espeak-ng, best first.
MBROLA_VOICES = {"de": ("de7", "de2", "de6", "de1", "de4", "de5", "de3", "de8")}
MBROLA_DIR = Path("/usr/share/mbrola")


class EngineUnavailable(Exception):
    """An engine that is not installed here or cannot speak the language."""


@dataclass(frozen=True)
class EngineOptions:
    """What the engines take from [tts]."""

    length_scale: float = 1.0   # Piper: > 1 is slower
    pico_speed: int = 90        # Pico: percent of its own rate
    espeak_rate: int = 150      # espeak-ng and MBROLA: words per minute


class Backend:
    """One voice of one engine: `synthesize` turns a sentence into float32 samples at `sample_rate`."""

    name: str
    engine: str
    sample_rate: int

    def synthesize(self, sentence: str) -> np.ndarray:
        raise NotImplementedError


def _peak_normalized(samples: np.ndarray, peak: float = 0.9) -> np.ndarray:
    top = float(np.max(np.abs(samples))) if samples.size else 0.0
    return (samples * (peak / top)).astype(np.float32) if top > 1e-6 else samples


class PiperBackend(Backend):
    engine = "piper"

    def __init__(self, info: VoiceInfo, options: EngineOptions):
        from piper import PiperVoice, SynthesisConfig

        started = time.perf_counter()
        self._voice = PiperVoice.load(info.model_path, config_path=info.config_path)
        scale = options.length_scale
        self._config = SynthesisConfig(length_scale=scale if scale != 1.0 else None, normalize_audio=True, volume=0.9)
        self._lock = threading.Lock()
        self.name = info.name
        self.sample_rate = self._voice.config.sample_rate
        log.info("piper voice %s loaded in %.2f s", info.name, time.perf_counter() - started)

    def synthesize(self, sentence: str) -> np.ndarray:
        with self._lock:
            parts = [c.audio_float_array for c in self._voice.synthesize(sentence, syn_config=self._config)]
        return np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)


class PicoBackend(Backend):
    engine = "pico"

    def __init__(self, language: str, options: EngineOptions):
        from voice import pico

        if not pico.available(language):
            raise EngineUnavailable(f"SVOX Pico is not installed for '{language}' (libttspico-utils, Debian non-free)")
        self._engine = pico.engine()
        self._engine.load(language)
        self._language = language
        self._speed = int(options.pico_speed)
        self.name = f"pico:{pico.LANGUAGES[language][0]}"
        self.sample_rate = pico.SAMPLE_RATE

    def synthesize(self, sentence: str) -> np.ndarray:
        return _peak_normalized(self._engine.synthesize(sentence, self._language, speed=self._speed))


class EspeakBackend(Backend):
    """espeak-ng's own voice, or an MBROLA voice through it (`voice` = "mb-de7")."""

    def __init__(self, voice: str, words_per_minute: int, name: str, engine: str = "espeak"):
        from voice.espeak import EspeakError, engine as espeak_engine

        self._engine = espeak_engine()
        self._voice = voice
        self._wpm = words_per_minute
        self.name = name
        self.engine = engine
        try:
            self.sample_rate = self._engine.voice_sample_rate(voice)
        except EspeakError as exc:
            raise EngineUnavailable(str(exc)) from None

    def synthesize(self, sentence: str) -> np.ndarray:
        return _peak_normalized(self._engine.synthesize(sentence, self._voice, self._wpm))


def make_espeak(language: str, options: EngineOptions) -> Backend:
    voice = ESPEAK_VOICES.get(language, language)
    return EspeakBackend(voice, options.espeak_rate, f"espeak-ng:{voice}")


def mbrola_voices(language: str) -> list[str]:
    """Installed MBROLA voices for `language`, best first (empty without the `mbrola` program)."""
    if shutil.which("mbrola") is None:
        return []
    return [v for v in MBROLA_VOICES.get(language, ()) if (MBROLA_DIR / v / v).is_file()]


def make_mbrola(language: str, options: EngineOptions) -> Backend:
    voices = mbrola_voices(language)
    if not voices:
        raise EngineUnavailable(f"no MBROLA voice for '{language}' (mbrola and mbrola-de7, Debian contrib/non-free)")
    return EspeakBackend(f"mb-{voices[0]}", options.espeak_rate, f"mbrola:{voices[0]}", engine="mbrola")


# The engines that need no voice files of their own, by the names [tts] voice_xx and fallback use.
ENGINES: dict[str, Callable[[str, EngineOptions], Backend]] = {
    "pico": PicoBackend, "mbrola": make_mbrola, "espeak": make_espeak,
}


def system_voices() -> list[tuple[str, str, str]]:
    """(engine, voice, languages) of the non-Piper engines installed on this machine."""
    from voice import pico

    rows = []
    pico_langs = [lang for lang in pico.LANGUAGES if pico.available(lang)]
    if pico_langs:
        rows.append(("pico", "SVOX Pico", ", ".join(pico_langs)))
    for lang in MBROLA_VOICES:
        for voice in mbrola_voices(lang):
            rows.append(("mbrola", f"mb-{voice}", lang))
    from voice.espeak import EspeakError, engine

    try:
        engine()
    except EspeakError:  # libespeak-ng missing or broken: nothing to list
        return rows
    rows.append(("espeak", "espeak-ng", ", ".join(sorted(ESPEAK_VOICES))))
    return rows
