"""espeak-ng synthesis in-process through libespeak-ng (ctypes).

Why not the `espeak-ng` command: starting a process per sentence costs 30-80 ms on a small CPU,
and time to first audio on the phone matters. The library is loaded once; espeak-ng is not
thread-safe, so all synthesis goes through one lock. It speaks the languages that neither Piper nor
Pico has, MBROLA voices (`mb-de7`), and German only as the last resort (see voice.tts_engines).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading

import numpy as np

from rathaus.errors import RathausError
from rathaus.speech.audio import from_pcm16
from voice.process_wide import process_wide

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_CHARS_UTF8 = 1
_ENDPAUSE = 0x1000
_RATE, _VOLUME, _PITCH = 1, 2, 3
_LIB_NAMES = ("libespeak-ng.so.1", "libespeak-ng.so", "libespeak-ng.dylib")
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class EspeakError(RathausError):
    """libespeak-ng is missing or refused a voice."""


def _load_library() -> ctypes.CDLL:
    candidates = list(_LIB_NAMES)
    found = ctypes.util.find_library("espeak-ng")
    if found:
        candidates.insert(0, found)
    for name in candidates:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    raise EspeakError("libespeak-ng is not installed (apt-get install espeak-ng, or run `make run`)")


class Espeak:
    """One process-wide espeak-ng engine. Use `engine()`; do not construct twice."""

    def __init__(self) -> None:
        self._lib = _load_library()
        self._lib.espeak_Initialize.restype = ctypes.c_int
        self._lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        self._lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self._lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self._lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                           ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        rate = self._lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 200, None, 0)
        if rate <= 0:
            raise EspeakError("libespeak-ng failed to initialise (is espeak-ng-data installed?)")
        self.sample_rate = int(rate)
        self._lock = threading.Lock()
        self._chunks: list[np.ndarray] = []
        self._callback = _CALLBACK(self._collect)  # keep a reference: ctypes does not
        self._lib.espeak_SetSynthCallback(self._callback)
        self._voice = ""

    def _collect(self, wav, numsamples, events) -> int:
        if wav and numsamples > 0:
            self._chunks.append(from_pcm16(np.ctypeslib.as_array(wav, shape=(numsamples,))))
        return 0

    def synthesize(self, text: str, voice: str = "de", words_per_minute: int = 160, pitch: int = 50) -> np.ndarray:
        """Float32 mono samples at `self.sample_rate` (22050 Hz for espeak-ng)."""
        with self._lock:
            if voice != self._voice:
                if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
                    raise EspeakError(f"espeak-ng has no voice '{voice}'")
                self._voice = voice
            self._lib.espeak_SetParameter(_RATE, int(words_per_minute), 0)
            self._lib.espeak_SetParameter(_PITCH, int(pitch), 0)
            self._chunks = []
            data = text.encode("utf-8") + b"\0"
            self._lib.espeak_Synth(data, len(data), 0, 1, 0, _CHARS_UTF8 | _ENDPAUSE, None, None)
            self._lib.espeak_Synchronize()
            chunks, self._chunks = self._chunks, []
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)

    def voice_sample_rate(self, voice: str) -> int:
        """The rate `voice` synthesizes at: espeak-ng's own voices 22050 Hz, an MBROLA voice its own
        (16000 Hz for mb-de7). Raises EspeakError when the voice (or its MBROLA data) is missing."""
        with self._lock:
            if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
                self._voice = ""
                raise EspeakError(f"espeak-ng has no voice '{voice}'")
            self._voice = voice
            return int(self._lib.espeak_ng_GetSampleRate())


engine = process_wide(Espeak)
