"""SVOX Pico synthesis in-process through libttspico (ctypes): the default German voice.

Why Pico: it is the most intelligible German voice that installs offline (Debian non-free,
`libttspico-utils`): whisper-base understands it at 8 kHz where it hardly understands espeak-ng.
Why ctypes and not `pico2wave`: a process and a temporary WAV file per sentence cost tens of
milliseconds, and the lingware (about 1 MB per language) would be read again every time. Here the
library and the lingware are loaded once per process.

Pico allows one engine per system; the engine is not thread-safe, so one lock serialises
synthesis. The engine is switched between languages on demand (de-DE, en-US, en-GB, fr-FR,
it-IT, es-ES ship with Debian's libttspico-data).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import threading
from pathlib import Path

import numpy as np

from rathaus.errors import RathausError
from rathaus.speech.audio import from_pcm16
from voice.process_wide import process_wide

SAMPLE_RATE = 16000
LANG_DIR = Path("/usr/share/pico/lang")
# Our two-letter language -> Pico's language and the speaker suffix of its signal file.
LANGUAGES = {"de": ("de-DE", "gl0"), "en": ("en-US", "lh0"), "fr": ("fr-FR", "nk0"),
             "it": ("it-IT", "cm0"), "es": ("es-ES", "zl0")}
_MEMORY = 12_000_000  # bytes: pico2wave gives 2.5 MB for one language; room for several here
_STEP_BUSY, _STEP_IDLE = 201, 200
_LIB_NAMES = ("libttspico.so.0", "libttspico.so")


class PicoError(RathausError):
    """libttspico or its lingware is missing, or the engine failed."""


def lingware(language: str, lang_dir: Path = LANG_DIR) -> tuple[Path, Path] | None:
    """The text-analysis and signal-generation files for `language`, or None if not installed."""
    entry = LANGUAGES.get(language)
    if entry is None:
        return None
    code, speaker = entry
    ta, sg = lang_dir / f"{code}_ta.bin", lang_dir / f"{code}_{speaker}_sg.bin"
    return (ta, sg) if ta.is_file() and sg.is_file() else None


def available(language: str) -> bool:
    """Whether Pico can speak `language` on this machine (library and lingware installed)."""
    return lingware(language) is not None and _find_library() is not None


@functools.cache
def _find_library() -> str | None:
    """The loadable name of libttspico, looked up once per process."""
    found = ctypes.util.find_library("ttspico")
    for name in ((found,) if found else ()) + _LIB_NAMES:
        try:
            ctypes.CDLL(name)
            return name
        except OSError:
            continue
    return None


class Pico:
    """The process-wide Pico system. Use `engine()`; do not construct twice."""

    def __init__(self) -> None:
        name = _find_library()
        if name is None:
            raise PicoError("libttspico is not installed (Debian non-free: apt-get install libttspico-utils, "
                            "or run `make run`)")
        self._lib = lib = ctypes.CDLL(name)
        p = ctypes.c_void_p
        lib.pico_initialize.argtypes = [p, ctypes.c_uint32, ctypes.POINTER(p)]
        lib.pico_loadResource.argtypes = [p, ctypes.c_char_p, ctypes.POINTER(p)]
        lib.pico_getResourceName.argtypes = [p, p, ctypes.c_char_p]
        lib.pico_createVoiceDefinition.argtypes = [p, ctypes.c_char_p]
        lib.pico_addResourceToVoiceDefinition.argtypes = [p, ctypes.c_char_p, ctypes.c_char_p]
        lib.pico_newEngine.argtypes = [p, ctypes.c_char_p, ctypes.POINTER(p)]
        lib.pico_disposeEngine.argtypes = [p, ctypes.POINTER(p)]
        lib.pico_putTextUtf8.argtypes = [p, ctypes.c_char_p, ctypes.c_int16, ctypes.POINTER(ctypes.c_int16)]
        lib.pico_getData.argtypes = [p, p, ctypes.c_int16, ctypes.POINTER(ctypes.c_int16),
                                     ctypes.POINTER(ctypes.c_int16)]
        lib.pico_resetEngine.argtypes = [p, ctypes.c_int32]
        lib.pico_getSystemStatusMessage.argtypes = [p, ctypes.c_int, ctypes.c_char_p]
        self._memory = ctypes.create_string_buffer(_MEMORY)  # Pico allocates nothing else
        self._system = p()
        self._check(lib.pico_initialize(self._memory, _MEMORY, ctypes.byref(self._system)), "initialise")
        self._voices: set[str] = set()
        self._engine = p()
        self._engine_language = ""
        self._buffer = ctypes.create_string_buffer(4096)
        self._lock = threading.Lock()

    def _check(self, status: int, what: str) -> None:
        if status != 0:
            message = ctypes.create_string_buffer(200)
            if self._system:
                self._lib.pico_getSystemStatusMessage(self._system, status, message)
            raise PicoError(f"pico: cannot {what} ({status}: {message.value.decode(errors='replace')})")

    def _define_voice(self, language: str) -> None:
        files = lingware(language)
        if files is None:
            raise PicoError(f"pico has no lingware for '{language}' in {LANG_DIR} "
                            f"(languages: {', '.join(sorted(LANGUAGES))})")
        lib, voice = self._lib, language.encode()
        lib.pico_createVoiceDefinition(self._system, voice)
        for path in files:
            resource = ctypes.c_void_p()
            self._check(lib.pico_loadResource(self._system, str(path).encode(), ctypes.byref(resource)),
                        f"load {path}")
            name = ctypes.create_string_buffer(200)
            self._check(lib.pico_getResourceName(self._system, resource, name), "name a resource")
            self._check(lib.pico_addResourceToVoiceDefinition(self._system, voice, name.value), "define a voice")
        self._voices.add(language)

    def _use(self, language: str) -> None:
        if language == self._engine_language:
            return
        if language not in self._voices:
            self._define_voice(language)
        if self._engine:
            self._lib.pico_disposeEngine(self._system, ctypes.byref(self._engine))
            self._engine_language = ""
        self._check(self._lib.pico_newEngine(self._system, language.encode(), ctypes.byref(self._engine)),
                    f"start an engine for '{language}'")
        self._engine_language = language

    def load(self, language: str) -> None:
        """Load the lingware of `language` now rather than on the first sentence."""
        with self._lock:
            self._use(language)

    def synthesize(self, text: str, language: str = "de", speed: int = 100, pitch: int = 100) -> np.ndarray:
        """Float32 mono samples at 16 kHz. `speed` and `pitch` are percentages of the voice's own."""
        text = _escape(text)
        if speed != 100 or pitch != 100:
            text = f'<speed level="{int(speed)}"><pitch level="{int(pitch)}">{text}</pitch></speed>'
        data = text.encode("utf-8") + b"\0"
        lib = self._lib
        with self._lock:
            self._use(language)
            engine, put = self._engine, ctypes.c_int16()
            received, kind = ctypes.c_int16(), ctypes.c_int16()
            chunks: list[bytes] = []
            offset = 0
            while offset < len(data):
                piece = data[offset:offset + 32000]
                status = lib.pico_putTextUtf8(engine, piece, len(piece), ctypes.byref(put))
                if status != 0 or put.value <= 0:
                    lib.pico_resetEngine(engine, 0)
                    raise PicoError(f"pico refused the text ({status})")
                offset += put.value
                while True:
                    status = lib.pico_getData(engine, self._buffer, len(self._buffer),
                                              ctypes.byref(received), ctypes.byref(kind))
                    if received.value > 0:
                        chunks.append(self._buffer.raw[: received.value])
                    if status == _STEP_IDLE:
                        break
                    if status != _STEP_BUSY:
                        lib.pico_resetEngine(engine, 1)
                        raise PicoError(f"pico failed while synthesizing ({status})")
        return from_pcm16(b"".join(chunks))


def _escape(text: str) -> str:
    """Pico reads `<...>` as markup: keep the caller's text plain."""
    return text.replace("<", " ").replace(">", " ")


engine = process_wide(Pico)
