"""The --hours part of bench/meetings.py: memory and time of the whole pipeline on an N-hour
meeting built from the speaker clips, with DER (the same 8 voices come back in every repetition,
so the reference labels stay valid and the linking across windows is scored too).

Peak RSS per stage: a sampler thread reads VmRSS of this process every 0.2 s and keeps the
largest value per stage the pipeline reports (ru_maxrss gives the peak of the whole process).
"""

from __future__ import annotations

import os
import resource
import threading
import time
import wave
from pathlib import Path


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _cpu_s() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class StagePeaks:
    """Largest resident set size seen while each stage ran."""

    def __init__(self) -> None:
        self.stage = "setup"
        self.peaks: dict[str, float] = {}
        self.progress: list[tuple[float, str, float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._t0 = time.monotonic()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            rss = _rss_mb()
            self.peaks[self.stage] = max(self.peaks.get(self.stage, 0.0), rss)

    def __enter__(self) -> "StagePeaks":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def __call__(self, stage: str, percent: float, detail: str = "") -> None:
        if stage != self.stage:
            self.peaks[self.stage] = max(self.peaks.get(self.stage, 0.0), _rss_mb())
            self.stage = stage
        if detail and "/" in detail and (not self.progress or self.progress[-1][3] != detail):
            self.progress.append((round(time.monotonic() - self._t0, 1), stage, percent, detail))


def build_long(tmp: Path, hours: float, speakers: int = 8) -> tuple[Path, list, float]:
    """An N-hour WAV (written in pieces, never held whole) and its reference turns."""
    from meetings.transcript import Turn
    from tests.meeting_builder import build_meeting, speaker_split
    from rathaus.speech.audio import decode, to_pcm16

    # held-out voices: the window thresholds were set on other ones; the same 8 voices in both parts
    first = build_meeting(tmp / "long_part0", speakers, seed=20, parts_per_speaker=3, names=speaker_split("heldout"))
    parts = [first, build_meeting(tmp / "long_part1", speakers, seed=21, parts_per_speaker=3, names=first.speakers)]
    audio = [decode(p.wav) for p in parts]
    target = int(hours * 3600 * 16000)
    turns, pos = [], 0
    path = tmp / f"long_{hours:g}h.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        k = 0
        while pos < target:
            a, m = audio[k % 2], parts[k % 2]
            n = min(len(a), target - pos)
            w.writeframes(to_pcm16(a[:n]))
            off = pos / 16000
            turns += [Turn(t.speaker, round(t.start + off, 3), round(min(t.end, n / 16000) + off, 3))
                      for t in m.turns if t.start < n / 16000]
            pos += n
            k += 1
    return path, turns, pos / 16000


def bench_hours(tmp: Path, hours: float, model: str, device: str, diarize_only: bool) -> dict:
    from meetings.evaluation.der import diarization_error
    from meetings.pipeline import MeetingParams, create_meeting, process_meeting
    from rathaus.config import Config
    from rathaus.store import open_store

    t0 = time.perf_counter()
    wav, ref, duration = build_long(tmp, hours)
    build_s = time.perf_counter() - t0
    home = tmp / "home_long"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["RATHAUS_HOME"] = str(home)
    os.environ["RATHAUS_DB"] = str(home / "bench.db")
    models = Path(os.environ.get("RATHAUS_TEST_MODELS", Path.home() / ".cache" / "rathaus-test-models"))
    if models.exists() and not (home / "models").exists():
        (home / "models").symlink_to(models, target_is_directory=True)
    cfg = tmp / "long.toml"
    cfg.write_text(f'[asr]\nmodel = "{model}"\ndevice = "{device}"\n[meetings]\ndevice = "{device}"\n')
    config = Config.load(cfg)
    store = open_store(config)
    out: dict = {"hours": hours, "audio_s": round(duration, 1), "build_s": round(build_s, 1), "asr_model": model,
                 "load_avg_start": round(os.getloadavg()[0], 2)}
    cpu0 = _cpu_s()
    with StagePeaks() as peaks:
        t0 = time.perf_counter()
        if diarize_only:
            from meetings.diarization import DiarizeSettings, get_diarizer
            from meetings.stages.decode import read_wav

            d = get_diarizer(config.settings("meetings", DiarizeSettings))
            peaks("diarize", 0.0)
            res = d.diarize_reader(lambda a, b: read_wav(wav, a, b), duration, 1.0, state_dir=tmp / "diar_state",
                                   progress=lambda i, n, how: peaks("diarize", 100.0 * i / n, f"{i}/{n}"))
            turns, timings, files = res.turns, {"diarize": time.perf_counter() - t0}, {}
        else:
            mid = create_meeting(config, store, wav)
            result = process_meeting(config, store, mid, progress=peaks,
                                     params=MeetingParams(source=str(wav), out_dir=str(tmp / "long_out")))
            from meetings.diarization.rttm import read_rttm

            turns, timings, files = read_rttm(tmp / "long_out" / "diarization.rttm"), result.timings, result.files
        wall = time.perf_counter() - t0
    der = diarization_error(ref, turns, collar=0.25)
    out.update({
        "wall_s": round(wall, 1), "rtf_total": round(wall / duration, 4),
        # CPU seconds of this process and its children (LibreOffice) per second of audio: unlike
        # the wall time, it hardly changes when other jobs share the machine.
        "cpu_s": round(_cpu_s() - cpu0, 1), "cpu_s_per_audio_s": round((_cpu_s() - cpu0) / duration, 4),
        "load_avg_end": round(os.getloadavg()[0], 2), "cores": os.cpu_count(),
        "stage_s": {k: round(v, 1) for k, v in timings.items()},
        "rtf": {k: round(v / duration, 4) for k, v in timings.items()},
        "peak_rss_mb_per_stage": {k: round(v) for k, v in peaks.peaks.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "der": round(der.der, 4), "speakers_true": len({t.speaker for t in ref}), "speakers_found": der.hyp_speakers,
        "files_written": sorted(k for k, v in files.items() if Path(v).exists()),
        "window_progress": peaks.progress if len(peaks.progress) <= 5 else peaks.progress[:3] + peaks.progress[-2:],
    })
    return out
