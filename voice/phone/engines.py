"""The heavy parts every call shares, loaded once per process: ASR, TTS, the catalog assistant.

Each call gets its own VAD (it keeps recurrent state). `warm_up()` runs each model once so that
the first caller does not pay for loading.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace

import numpy as np

from rathaus.config import Config
from rathaus.dialog import DialogEngine
from rathaus.errors import RathausError
from rathaus.speech.asr import PHONE_TURN
from rathaus.store import Store
from voice.phone.settings import PhoneSettings

log = logging.getLogger(__name__)


@dataclass
class Heard:
    """One caller turn as recognized."""

    text: str
    language: str
    asr_s: float


class Engines:
    def __init__(self, config: Config, store: Store):
        from rathaus.speech.asr import AsrSettings, pick_device, shared_recognizer
        from voice.tts import TtsSettings, shared_synthesizer

        self.config = config
        self.phone = config.settings("phone", PhoneSettings)
        # every caller turn is decoded alike: the phone preset with this town's beam and fallback
        self.decode = replace(PHONE_TURN, beam_size=max(1, int(self.phone.asr_beam_size)),
                              fallback=bool(self.phone.asr_fallback))
        self.asr_settings = config.settings("asr", AsrSettings)
        # On a GPU the calls of this process decode concurrently (CTranslate2 workers share the
        # weights); on a CPU they are serialized, since parallel decodes only split the cores.
        device, _ = pick_device(self.asr_settings.device, self.asr_settings.compute_type)
        workers = min(4, max(1, int(self.phone.max_calls))) if device == "cuda" else 1
        self.recognizer = shared_recognizer(self.asr_settings, config.data_dir / "models", num_workers=workers)
        batch = str(self.phone.asr_batch).lower()
        if batch not in ("auto", "on", "off"):
            raise RathausError(f"[phone] asr_batch must be auto, on or off, not {batch!r}")
        self.batcher = None
        if batch == "on" or (batch == "auto" and device == "cuda"):
            from voice.turn_batcher import TurnBatcher

            self.batcher = TurnBatcher(self.recognizer)
        self.tts = shared_synthesizer(config.settings("tts", TtsSettings), config.path("tts.voice_dir", "voices"))
        self.vad_threshold = float(config.get("vad.threshold"))
        self.languages = list(self.phone.languages or ["de"])
        self._store = store
        self._assistant = None
        self._assistant_lock = threading.Lock()

    @property
    def assistant(self):
        """The catalog assistant; loads the sample catalog into an empty store on first use."""
        with self._assistant_lock:
            if self._assistant is None:
                from rathaus.catalog import load_assistant

                self._assistant = load_assistant(self.config, self._store)
            return self._assistant

    def new_vad(self):
        from voice.vad import Vad

        return Vad(sample_rate=8000, threshold=self.vad_threshold)

    def recognize(self, samples_16k: np.ndarray, language_hint: str | None = None, detect: bool = True) -> Heard:
        """Transcribe a caller turn. With several [phone] languages and `detect`, the language is
        detected and kept only when whisper is sure; otherwise the call's language (or the first)
        is used. Sessions detect on the first turn only: callers rarely switch."""
        started = time.perf_counter()
        default = language_hint or self.languages[0]
        if detect and len(self.languages) > 1:
            result = self.recognizer.transcribe(samples_16k, language="", options=self.decode)
            if result.language not in self.languages or result.language_probability < 0.8:
                if result.language != default:
                    result = self.recognizer.transcribe(samples_16k, language=default, options=self.decode)
                language = default
            else:
                language = result.language
        elif self.batcher is not None and not self.decode.fallback:
            text = self.batcher.recognize(samples_16k, default, self.decode)
            return Heard(text, default, time.perf_counter() - started)
        else:
            result = self.recognizer.transcribe(samples_16k, language=default, options=self.decode)
            language = default
        return Heard(result.text, language, time.perf_counter() - started)

    def warm_up(self) -> None:
        started = time.perf_counter()
        rng = np.random.default_rng(0)
        noise = (rng.standard_normal(16000) * 0.01).astype(np.float32)
        self.recognizer.transcribe(noise, language="de", options=PHONE_TURN)
        if self.batcher is not None:
            self.batcher.recognize(noise, self.languages[0], PHONE_TURN)
        try:
            self.tts.warm_up(tuple(self.languages))
        except Exception:
            log.exception("TTS warm-up failed")
        DialogEngine(self.assistant).warm_up()  # the catalog index and the dialog's tables, before the first call
        self.new_vad()
        log.info("phone engines ready in %.1f s", time.perf_counter() - started)
