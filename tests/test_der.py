"""DER and RTTM: the scorer must reproduce the NIST md-eval value for AMI ES2014c exactly."""

from __future__ import annotations

import pytest

from meetings.evaluation.der import diarization_error
from meetings.diarization.rttm import file_ids, parse_rttm, read_rttm, read_uem, write_rttm
from meetings.transcript import Turn
from rathaus.errors import RathausError
from tests.conftest import shared_path


def test_ami_es2014c_reproduces_md_eval():
    base = shared_path("diarization", "ami_ES2014c")
    ref = read_rttm(base / "ref" / "ES2014c.rttm")
    hyp = read_rttm(base / "sys" / "ES2014c.rttm")
    result = diarization_error(ref, hyp, collar=0.25, skip_overlap=True)
    # EXPECTED.md: speaker confusion 7.16923618 %, DER 7.16923618 %, no missed speech, no false alarm
    assert round(result.percent, 8) == 7.16923618
    assert result.missed == pytest.approx(0.0, abs=1e-6)
    assert result.false_alarm == pytest.approx(0.0, abs=1e-6)
    assert result.ref_speakers == 4
    # scoring the overlap too can only add error (overlapping reference speech the system misses)
    with_overlap = diarization_error(ref, hyp, collar=0.25, skip_overlap=False)
    assert with_overlap.der > result.der and with_overlap.missed > 0


def test_identical_and_relabelled_hypothesis_score_zero():
    ref = [Turn("A", 0, 5), Turn("B", 5, 9), Turn("A", 9, 12)]
    hyp = [Turn("x", 0, 5), Turn("y", 5, 9), Turn("x", 9, 12)]
    res = diarization_error(ref, hyp, collar=0.0)
    assert res.der == 0.0 and res.mapping == {"x": "A", "y": "B"}


def test_hand_computed_components():
    ref = [Turn("A", 0, 10), Turn("B", 10, 20)]
    # 2 s of B labelled as A's cluster, 1 s missed, 3 s false alarm after the end
    hyp = [Turn("h1", 0, 12), Turn("h2", 12, 19), Turn("h2", 20, 23)]
    res = diarization_error(ref, hyp, collar=0.0)
    assert res.total == pytest.approx(20)
    assert res.confusion == pytest.approx(2)
    assert res.missed == pytest.approx(1)
    assert res.false_alarm == pytest.approx(3)
    assert res.der == pytest.approx(6 / 20)
    # a 0.25 s collar around the boundaries 0, 10 and 20 removes 0.25 + 0.5 + 0.25 s of reference speech
    collared = diarization_error(ref, hyp, collar=0.25)
    assert collared.total == pytest.approx(20 - 0.25 - 0.5 - 0.25)


def test_overlap_options_and_uem():
    ref = [Turn("A", 0, 10), Turn("B", 8, 12)]
    hyp = [Turn("1", 0, 10), Turn("2", 10, 12)]
    assert diarization_error(ref, hyp, collar=0.0, skip_overlap=True).der == 0.0
    scored = diarization_error(ref, hyp, collar=0.0, skip_overlap=False)
    assert scored.missed == pytest.approx(2) and scored.total == pytest.approx(14)
    only_first = diarization_error(ref, [Turn("1", 0, 10)], collar=0.0, uem=[(0, 8)])
    assert only_first.der == 0.0 and only_first.total == pytest.approx(8)


def test_empty_hypothesis_is_all_missed():
    res = diarization_error([Turn("A", 0, 4)], [], collar=0.0)
    assert res.der == 1.0 and res.missed == pytest.approx(4)


def test_rttm_round_trip_and_filters(tmp_path):
    turns = [Turn("SPEAKER_01", 1.5, 3.25), Turn("Frau Meier", 0.0, 1.0), Turn("SPEAKER_01", 4.0, 4.0)]
    path = write_rttm(turns, "sitzung 1", tmp_path / "out" / "a.rttm")
    lines = path.read_text().splitlines()
    assert lines[0] == "SPEAKER sitzung_1 1 0.000 1.000 <NA> <NA> Frau_Meier <NA> <NA>"
    assert len(lines) == 2  # zero-length turn dropped
    back = read_rttm(path)
    assert [(t.speaker, t.start, t.end) for t in back] == [("Frau_Meier", 0.0, 1.0), ("SPEAKER_01", 1.5, 3.25)]
    assert file_ids(path) == ["sitzung_1"]


def test_rttm_multi_file_and_uem():
    base = shared_path("diarization", "pyannote")
    ids = file_ids(base / "debug.development.rttm")
    assert ids == ["dev00", "dev01"]
    dev01 = read_rttm(base / "debug.development.rttm", "dev01")
    assert dev01 and all(t.end > t.start for t in dev01)
    assert read_uem(base / "debug.development.uem", "dev00") == [(0.0, 30.0)]


def test_bad_rttm_is_a_clear_error(tmp_path):
    with pytest.raises(RathausError, match="expected at least 8"):
        parse_rttm("SPEAKER x 1 0.0\n", source="bad.rttm")
    with pytest.raises(RathausError, match="not numbers"):
        parse_rttm("SPEAKER x 1 a b <NA> <NA> s <NA>\n")
    with pytest.raises(RathausError, match="not found"):
        read_rttm(tmp_path / "missing.rttm")
