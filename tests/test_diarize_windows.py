"""Windowed diarization on real speech: windows linked across a built meeting score as whole-file
clustering does, a killed process resumes from its last finished window, progress is reported per
window (and reaches the job row), overlapped speech is marked and its words go to the right voice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from meetings.align import AlignSettings, WordIn, assign_words
from meetings.evaluation.der import diarization_error
from meetings.diarization import DiarizeSettings, get_diarizer
from meetings.diarization.windows import add_overlap_turns, link_speakers, plan_windows
from meetings.transcript import Turn
from tests.conftest import shared_path
from tests.meeting_builder import build_meeting, speaker_split
from rathaus.speech.audio import decode, write_wav

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"diarize_window_s": 60.0, "diarize_overlap_s": 15.0}


@pytest.fixture(scope="module")
def meeting(tmp_path_factory):
    """Two built meetings of the same 7 dev voices one after the other (the linking threshold was
    tuned on dev voices): every window hears most voices, as a window of a long session does."""
    shared_path("audio", "de", "speakers")
    root = tmp_path_factory.mktemp("win")
    a = build_meeting(root / "a", 7, seed=3, parts_per_speaker=3, names=speaker_split("dev"))
    b = build_meeting(root / "b", 7, seed=53, parts_per_speaker=3, names=a.speakers)
    xa, xb = decode(a.wav), decode(b.wav)
    off = len(xa) / 16000
    turns = a.turns + [Turn(t.speaker, round(t.start + off, 3), round(t.end + off, 3)) for t in b.turns]
    wav = write_wav(root / "m7x2.wav", np.concatenate([xa, xb]), 16000)
    return SimpleNamespace(wav=wav, turns=turns, duration=(len(xa) + len(xb)) / 16000)


def test_plan_windows_covers_the_recording_with_shared_parts():
    assert plan_windows(100.0, 900.0, 60.0) == [(0.0, 100.0)]
    w = plan_windows(3600.0, 900.0, 60.0)
    assert w[0][0] == 0.0 and w[-1][1] == 3600.0
    assert all(b[0] < a[1] and a[1] - b[0] == pytest.approx(60.0) for a, b in zip(w, w[1:]))
    assert all(b - a <= 1200.0 for a, b in w)
    with pytest.raises(ValueError):
        plan_windows(100.0, 30.0, 60.0)


def test_link_speakers_respects_counts():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=192), rng.normal(size=192)
    cents = np.stack([a + rng.normal(scale=0.1, size=192) for _ in range(3)]
                     + [b + rng.normal(scale=0.1, size=192) for _ in range(3)])
    labels = link_speakers(cents, 0.55, None, None, None)
    assert len(set(labels[:3])) == 1 and len(set(labels[3:])) == 1 and labels[0] != labels[3]
    assert len(set(link_speakers(cents, 0.55, None, None, 1))) == 1
    assert len(set(link_speakers(cents, 0.55, 3, None, None))) == 3


def test_windowed_scores_as_whole_file(meeting):
    whole = get_diarizer(DiarizeSettings(device="cpu", mark_overlap=False))
    windowed = get_diarizer(DiarizeSettings(device="cpu", mark_overlap=False, **SMALL))
    assert meeting.duration > 150  # several 60 s windows
    steps = []
    samples = decode(meeting.wav)
    res_w = windowed.diarize_reader(lambda a, b: samples[int(a * 16000):int(b * 16000)], meeting.duration, 1.0,
                                    progress=lambda d, n, how: steps.append((d, n)))
    res_f = whole.diarize_full(samples)
    der_w = diarization_error(meeting.turns, res_w.turns, collar=0.25).der
    der_f = diarization_error(meeting.turns, res_f.turns, collar=0.25).der
    n = len(plan_windows(meeting.duration, 60.0, 15.0))
    assert n >= 3 and steps == [(i, n) for i in range(1, n + 1)]
    assert der_w <= der_f + 0.01, (der_w, der_f)
    assert len(res_w.speakers) == 7


RUNNER = """
import sys, numpy as np
from pathlib import Path
from meetings.diarization import DiarizeSettings, get_diarizer
from rathaus.speech.audio import decode, write_wav
samples = decode(sys.argv[1])
d = get_diarizer(DiarizeSettings(device="cpu", mark_overlap=False, diarize_window_s=60.0, diarize_overlap_s=15.0))
def slow(done, total, how):
    print(done, total, how, flush=True)
d.diarize_reader(lambda a, b: samples[int(a * 16000):int(b * 16000)], len(samples) / 16000, 1.0,
                 state_dir=Path(sys.argv[2]), progress=slow)
"""


def test_killed_process_resumes_from_last_finished_window(meeting, tmp_path):
    state = tmp_path / "state"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, str(meeting.wav), str(state)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 600
        while not (state / "0001.npz").exists():
            assert proc.poll() is None, "runner ended before its second window"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    finished = sorted(p.name for p in state.glob("*.npz"))
    total = len(plan_windows(meeting.duration, 60.0, 15.0))
    assert "0000.npz" in finished and len(finished) < total  # killed mid-way
    stamps = {p: (state / p).stat().st_mtime_ns for p in finished}
    samples = decode(meeting.wav)
    d = get_diarizer(DiarizeSettings(device="cpu", mark_overlap=False, **SMALL))
    steps = []
    resumed = d.diarize_reader(lambda a, b: samples[int(a * 16000):int(b * 16000)], meeting.duration, 1.0,
                               state_dir=state, progress=lambda i, n, how: steps.append(how))
    assert steps[:len(finished)] == ["resumed"] * len(finished)
    assert steps[len(finished):] == ["computed"] * (total - len(finished))
    assert all((state / p).stat().st_mtime_ns == t for p, t in stamps.items())  # not recomputed
    fresh = d.diarize_reader(lambda a, b: samples[int(a * 16000):int(b * 16000)], meeting.duration, 1.0)
    assert diarization_error(fresh.turns, resumed.turns, collar=0.0).der < 0.01


def test_job_row_carries_window_progress(tmp_path):
    from meetings import jobs
    from rathaus.config import Config
    from rathaus.store import open_store

    os.environ.setdefault("RATHAUS_HOME", str(tmp_path))
    cfg = tmp_path / "c.toml"
    cfg.write_text("")
    store = open_store(Config.load(cfg))
    store.db["meetings"].insert({"id": "m1", "title": "t", "created_at": "now", "status": "new"})
    job_id = jobs.enqueue_meeting(store, "m1")
    jobs.update_progress(store, job_id, "diarize", 12.5, detail="3/20")
    job = jobs.get_job(store, job_id)
    assert (job.stage, job.percent, job.detail) == ("diarize", 12.5, "3/20")


def test_overlap_is_marked_where_two_voices_talk(tmp_path):
    shared_path("audio", "de", "speakers")
    m = build_meeting(tmp_path / "ov", 3, seed=5, parts_per_speaker=3, overlap_every=2, overlap_s=2.0,
                      names=speaker_split("dev"))
    d = get_diarizer(DiarizeSettings(device="cpu", mark_overlap=True))
    res = d.diarize_full(m.wav)
    assert res.detects_overlap

    def overlaps(turns):
        ts = sorted(turns, key=lambda t: t.start)
        return [(max(a.start, b.start), min(a.end, b.end)) for i, a in enumerate(ts) for b in ts[i + 1:]
                if a.speaker != b.speaker and min(a.end, b.end) - max(a.start, b.start) > 0.2]

    ref, hyp = overlaps(m.turns), overlaps(res.turns)
    assert ref and hyp
    hit = sum(1 for s, e in hyp if any(min(e, b) - max(s, a) > 0 for a, b in ref))
    assert hit / len(hyp) >= 0.5
    found = sum(1 for a, b in ref if any(min(e, b) - max(s, a) > 0 for s, e in hyp))
    assert found / len(ref) >= 0.5
    with_ov = diarization_error(m.turns, res.turns, collar=0.25).der
    without = diarization_error(m.turns, [t for t in res.turns if (t.start, t.end) not in set(hyp)], collar=0.25)
    assert with_ov <= without.der + 0.02


def test_overlap_turns_and_word_assignment():
    # clustering split the overlap at its middle: each half gets the other voice too
    main = [Turn("A", 0.0, 9.5), Turn("B", 9.5, 20.0)]
    added = add_overlap_turns(main, [(9.0, 10.0)])
    assert sorted((t.speaker, t.start, t.end) for t in added) == [("A", 9.5, 10.0), ("B", 9.0, 9.5)]
    one = add_overlap_turns([Turn("A", 0.0, 10.0), Turn("B", 11.0, 20.0)], [(8.5, 9.5)])
    assert [(t.speaker, t.start, t.end) for t in one] == [("B", 8.5, 9.5)]
    assert add_overlap_turns([Turn("A", 0.0, 10.0), Turn("B", 20.0, 30.0)], [(2.0, 3.0)]) == []  # nobody near
    # a word inside the overlap goes to the voice of the long turn around it, marked overlapped
    words = [WordIn("ja", 8.8, 9.2), WordIn("nein", 12.0, 12.4)]
    assigned = assign_words(words, [Turn("A", 0.0, 10.0), Turn("B", 11.0, 20.0)] + one, AlignSettings())
    assert [(w.speaker, ov) for w, ov in assigned] == [("A", True), ("B", False)]
