"""Speech recognition with faster-whisper: one model per process, shared by all callers.

Public API: `AsrSettings`, `DecodeOptions` with its presets (`RECORDING`, `RECORDING_TEXT`,
`PHONE_TURN`), `Recognizer.transcribe()` returning a `Transcript` of `Segment`s and `Word`s
(start/end in seconds, probability). Audio is a path (decoded by rathaus.speech.audio) or float32
mono samples at 16 kHz.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from rathaus.speech import audio as audio_io
from rathaus.speech.whisper_model import resolve

log = logging.getLogger(__name__)

# Closing lines whisper invents on silence or music: they come from subtitle credits in its training data.
HALLUCINATIONS = (
    "untertitel im auftrag des zdf",
    "untertitel der amara.org-community",
    "untertitel von stephanie geiges",
    "untertitelung des zdf",
    "untertitelung im auftrag des zdf",
    "untertitelung aufgrund der amara.org-community",
    "copyright wdr",
    "swr 20",
    "ard text im auftrag",
    "vielen dank fürs zuschauen",
    "vielen dank für's zuschauen",
    "danke fürs zuschauen",
    "bis zum nächsten mal",
    "thanks for watching",
    "thank you for watching",
    "subtitles by the amara.org community",
)


@dataclass
class AsrSettings:
    model: str = "base"
    device: str = "auto"
    compute_type: str = ""
    cpu_threads: int = 0
    language: str = "de"
    beam_size: int = 5


@dataclass(frozen=True)
class DecodeOptions:
    """How whisper decodes one transcription, apart from the language (which the caller decides
    per call: configured, detected, or kept from a call's first turn). One value instead of
    keyword arguments repeated at every call, modelled on faster-whisper's TranscriptionOptions;
    frozen, so that a preset is shared safely, compared, and used as a key (turns decoded alike
    are batched together: voice.turn_batcher).

    `beam_size=None` takes [asr] beam_size. `fallback=False` decodes once at temperature 0:
    whisper's re-decoding of unsure segments at higher temperatures can multiply the time, which a
    caller on the phone would wait for. `vad_filter` lets Silero VAD skip silence first.
    """

    word_timestamps: bool = True
    vad_filter: bool = True
    beam_size: int | None = None
    fallback: bool = True
    initial_prompt: str | None = None


# The presets, one for each reason callers decode differently:
# a recording (a file on the command line, a meeting): word times for subtitles, speakers and minutes,
# silence skipped, the configured beam, re-decoding of unsure segments for accuracy;
RECORDING = DecodeOptions()
# a recording of which only the text counts (the web page's test call: a question recorded in the browser);
RECORDING_TEXT = DecodeOptions(word_timestamps=False)
# a caller's turn, already cut by the call's own VAD, while the caller waits for the answer: no word
# times, no second VAD pass, greedy, one pass ([phone] asr_beam_size and asr_fallback adjust it).
PHONE_TURN = DecodeOptions(word_timestamps=False, vad_filter=False, beam_size=1, fallback=False)


@dataclass
class Word:
    word: str
    start: float
    end: float
    probability: float


@dataclass
class Segment:
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    language: str = ""


@dataclass
class Transcript:
    language: str
    language_probability: float
    duration: float
    segments: list[Segment]
    model: str = ""
    device: str = ""
    elapsed_s: float = 0.0

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments).strip()

    def to_dict(self) -> dict:
        data = asdict(self)
        data["text"] = self.text
        return data


def cuda_available() -> bool:
    try:
        import ctranslate2

        return ctranslate2.get_cuda_device_count() > 0
    except Exception:  # a broken CUDA install means: use the CPU
        return False


def pick_device(device: str, compute_type: str) -> tuple[str, str]:
    """`auto` -> CUDA/float16 when a GPU is usable, else CPU/int8."""
    if device == "auto":
        device = "cuda" if cuda_available() else "cpu"
    if not compute_type:
        compute_type = "float16" if device == "cuda" else "int8"
    return device, compute_type


def is_hallucination(text: str) -> bool:
    norm = text.strip().lower().strip(".!?… ")
    return any(norm.startswith(h) for h in HALLUCINATIONS)


def _key(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalnum())


def collapse_loops(words: list[Word], min_repeats: int = 3, max_n: int = 6) -> list[Word]:
    """Drop the repeats of an n-gram that occurs `min_repeats` or more times in a row
    ("ganzes, ganzes, ganzes, ganzes" -> "ganzes"): whisper's repetition loop on unclear audio.
    Genuine repetitions in speech are rarely three in a row; two are kept."""
    keys = [_key(w.word) for w in words]
    out: list[Word] = []
    i = 0
    while i < len(words):
        collapsed = False
        for n in range(1, max_n + 1):
            gram = keys[i:i + n]
            if len(gram) < n or not any(gram):
                break
            repeats = 1
            while keys[i + repeats * n:i + (repeats + 1) * n] == gram:
                repeats += 1
            if repeats >= min_repeats:
                out.extend(words[i:i + n])
                i += repeats * n
                collapsed = True
                break
        if not collapsed:
            out.append(words[i])
            i += 1
    return out


def _text_from_words(words: list[Word]) -> str:
    return " ".join(w.word for w in words).strip()


class Recognizer:
    """A loaded whisper model. Thread-safe: concurrent calls queue on CTranslate2's workers."""

    def __init__(self, settings: AsrSettings, models_dir: Path, num_workers: int = 1):
        from faster_whisper import WhisperModel

        self.settings = settings
        self.model_path = resolve(settings.model, models_dir)
        self.device, self.compute_type = pick_device(settings.device, settings.compute_type)
        self.model_name = settings.model
        started = time.perf_counter()
        self._model = WhisperModel(
            str(self.model_path),
            device=self.device,
            compute_type=self.compute_type,
            cpu_threads=settings.cpu_threads,
            num_workers=num_workers,
        )
        log.info("whisper %s loaded on %s/%s in %.1f s", self.model_name, self.device, self.compute_type,
                 time.perf_counter() - started)
        self._lock = threading.Lock() if num_workers == 1 else None

    def _serialized(self):
        """The model lock with one CTranslate2 worker (calls queue here); none with several."""
        return self._lock or contextlib.nullcontext()

    def transcribe(self, source: str | Path | np.ndarray, language: str | None = None,
                   options: DecodeOptions = RECORDING) -> Transcript:
        """Transcribe a file or 16 kHz samples, decoded as `options` say. `language=None` uses the
        configured default; "" detects one language for the whole audio; "auto" detects the
        language of every segment (speakers who switch between German and English; costs one
        extra encoder pass per segment)."""
        samples = audio_io.decode(source) if not isinstance(source, np.ndarray) else source.astype(np.float32)
        lang = self.settings.language if language is None else language
        multilingual = lang == "auto"
        if multilingual:
            lang = ""
        started = time.perf_counter()
        kwargs = dict(
            language=lang or None,
            multilingual=multilingual,
            beam_size=options.beam_size or self.settings.beam_size,
            word_timestamps=options.word_timestamps,
            vad_filter=options.vad_filter,
            condition_on_previous_text=False,
            initial_prompt=options.initial_prompt,
        )
        if not options.fallback:
            kwargs["temperature"] = 0.0
        with self._serialized():
            segments, info = self._model.transcribe(samples, **kwargs)
            segments = list(segments)
        out = []
        for s in segments:
            text = s.text.strip()
            if not text or is_hallucination(text):
                continue
            if s.no_speech_prob > 0.6 and s.avg_logprob < -1.0:
                continue
            words = [Word(w.word.strip(), round(w.start, 3), round(w.end, 3), round(w.probability, 4))
                     for w in (s.words or []) if w.word.strip()]
            if words:
                kept = collapse_loops(words)
                if len(kept) < len(words):
                    log.info("asr: dropped a repetition loop at %.1f s (%d words)", s.start, len(words) - len(kept))
                    words, text = kept, _text_from_words(kept)
            segment_language = info.language
            if multilingual:
                segment_language = self._segment_language(samples, s.start, s.end) or info.language
            out.append(Segment(round(s.start, 3), round(s.end, 3), text, words,
                               round(s.avg_logprob, 4), round(s.no_speech_prob, 4), segment_language))
        return Transcript(
            language=info.language,
            language_probability=round(info.language_probability, 4),
            duration=round(len(samples) / audio_io.ASR_RATE, 3),
            segments=out,
            model=self.model_name,
            device=f"{self.device}/{self.compute_type}",
            elapsed_s=round(time.perf_counter() - started, 3),
        )


    def transcribe_batch(self, turns: list[np.ndarray], language: str,
                         options: DecodeOptions = PHONE_TURN) -> list[str]:
        """Short utterances (each under 30 s, 16 kHz) recognized in one encoder and one decoder pass.

        Why: on a GPU a batch of N phone turns costs about what one costs, so the turns that
        concurrent calls finish at the same moment need not queue behind each other. Greedy or
        beam search at temperature 0, no timestamps, the same no-speech and hallucination rules
        as `transcribe()`; the texts match its output up to small differences. `options` must
        be of that kind (like PHONE_TURN): only their beam size varies.
        """
        if options.word_timestamps or options.vad_filter or options.fallback or options.initial_prompt:
            raise ValueError(f"a batch decodes once, without word times, VAD or prompt, not as {options}")
        if not turns:
            return []
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        model = self._model
        features = np.stack([pad_or_trim(model.feature_extractor(t.astype(np.float32))[..., :-1]) for t in turns])
        tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language)
        prompt = model.get_prompt(tokenizer, previous_tokens=[], without_timestamps=True)
        generate = dict(beam_size=max(1, options.beam_size or self.settings.beam_size), max_length=model.max_length,
                        suppress_blank=True, suppress_tokens=get_suppressed_tokens(tokenizer, [-1]),
                        return_scores=True, return_no_speech_prob=True)
        with self._serialized():
            results = model.model.generate(model.encode(features), [list(prompt) for _ in turns], **generate)
        texts = []
        for result in results:
            tokens = result.sequences_ids[0]
            avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
            text = tokenizer.decode([t for t in tokens if t < tokenizer.eot]).strip()
            if not text or is_hallucination(text) or (result.no_speech_prob > 0.6 and avg_logprob < -1.0):
                text = ""
            texts.append(text)
        return texts

    def _segment_language(self, samples: np.ndarray, start: float, end: float) -> str:
        piece = samples[int(start * audio_io.ASR_RATE):int(end * audio_io.ASR_RATE)]
        if piece.size < audio_io.ASR_RATE // 2:
            return ""
        with self._serialized():
            language, _prob, _all = self._model.detect_language(piece)
        return language


_shared: dict[tuple, Recognizer] = {}
_shared_lock = threading.Lock()


def shared_recognizer(settings: AsrSettings, models_dir: Path, num_workers: int = 1) -> Recognizer:
    """One loaded model per process for each model, device and threading: the phone calls and the
    meeting worker share it. What only shapes decoding (language, beam size) stays the caller's
    own: a caller asking for beam 1 gets beam 1 even where another loaded the model with beam 5."""
    key = (settings.model, settings.device, settings.compute_type, settings.cpu_threads, num_workers)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Recognizer(settings, models_dir, num_workers)
        loaded = _shared[key]
    if loaded.settings == settings:
        return loaded
    own = copy.copy(loaded)  # the same model and model lock, this caller's decoding defaults
    own.settings = settings
    return own
