"""voice.vad: frame-wise speech probability on real speech and silence, at 16 and 8 kHz."""

import numpy as np
import pytest

from tests.conftest import shared_path
from rathaus.speech import audio
from voice.vad import Vad


@pytest.mark.parametrize("rate", [16000, 8000])
def test_frame_size_is_32_ms(rate):
    v = Vad(rate)
    assert v.frame_samples == rate * 32 // 1000
    with pytest.raises(ValueError):
        v.probability(np.zeros(v.frame_samples + 1, dtype=np.float32))


def test_unsupported_rate():
    with pytest.raises(ValueError):
        Vad(44100)


@pytest.mark.parametrize("rate", [16000, 8000])
def test_speech_and_silence(rate):
    speech = audio.decode(shared_path("audio", "mixed", "jfk.flac"), rate)
    v = Vad(rate)
    assert 0.5 < v.speech_ratio(speech) < 0.95  # JFK pauses between phrases
    v.reset()
    assert v.speech_ratio(np.zeros(rate * 2, dtype=np.float32)) == 0.0
    noise = np.random.default_rng(0).normal(0, 0.01, rate * 2).astype(np.float32)
    v.reset()
    assert v.speech_ratio(noise) < 0.05


def test_8k_agrees_with_16k_frame_by_frame():
    p16 = np.array(list(Vad(16000).probabilities(audio.decode(shared_path("audio", "mixed", "jfk.flac"), 16000))))
    p8 = np.array(list(Vad(8000).probabilities(audio.decode(shared_path("audio", "mixed", "jfk.flac"), 8000))))
    n = min(len(p16), len(p8))
    agree = np.mean((p16[:n] >= 0.5) == (p8[:n] >= 0.5))
    assert agree > 0.9


def test_speech_onset_is_found_within_a_few_frames():
    """Silence then speech: the first speech frame is near where the speech starts (end-of-turn
    and barge-in depend on it)."""
    speech = audio.decode(shared_path("audio", "de", "thorsten", sorted(
        p.name for p in shared_path("audio", "de", "thorsten").glob("*.wav"))[0]), 8000)
    signal = np.concatenate([np.zeros(8000, np.float32), speech])
    v = Vad(8000)
    probs = list(v.probabilities(signal))
    first = next(i for i, p in enumerate(probs) if p >= 0.5)
    assert 0.9 <= first * v.frame_s <= 1.5
