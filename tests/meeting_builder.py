"""Build test meetings with known speaker turns from the 36 real German speakers in
../shared/data/audio/de/speakers (one clip per speaker, 5-22 s, no transcripts).

Each chosen clip is used exactly once: it is cut at its longest inner pause into parts, and the
parts of all speakers are interleaved round-robin with short pauses, so every speaker talks
several times, as in a meeting. The reference turns are the parts' speech extents (leading and
trailing silence trimmed by energy), written as RTTM. `convert` produces the other container and
sample formats (float WAV, 24-bit, multichannel, video) with ffmpeg.

Used by tests/test_diarization.py, tests/test_meeting_pipeline.py and bench/meetings.py:
    python tests/meeting_builder.py --speakers 4 --seed 1 -o /tmp/m4   (writes m4.wav + m4.rttm)
"""

from __future__ import annotations

import argparse
import random
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 16000
FRAME = 320  # 20 ms


@dataclass
class BuiltMeeting:
    wav: Path
    rttm: Path
    turns: list  # meetings.transcript.Turn
    speakers: list[str]
    duration: float


def speakers_dir() -> Path:
    import os

    root = Path(os.environ.get("RATHAUS_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    return root / "audio" / "de" / "speakers"


def speaker_split(part: str) -> list[str]:
    """The 36 speakers in two fixed halves, so that thresholds tuned on built meetings are checked
    on voices they never saw: "dev" (even positions in name order) and "heldout" (odd ones)."""
    if part not in ("dev", "heldout"):
        raise ValueError(f"part must be 'dev' or 'heldout', not {part!r}")
    names = sorted(f.stem for f in speakers_dir().glob("*.wav"))
    return names[0::2] if part == "dev" else names[1::2]


def _decode(path: Path) -> np.ndarray:
    from rathaus.speech.audio import decode

    return decode(path, RATE)


def _energy(x: np.ndarray) -> np.ndarray:
    n = len(x) // FRAME
    frames = x[: n * FRAME].reshape(n, FRAME)
    return 10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-10)


def _speech_mask(x: np.ndarray) -> np.ndarray:
    e = _energy(x)
    threshold = max(np.percentile(e, 95) - 35.0, np.percentile(e, 10) + 6.0)
    return e > threshold


def _trim(x: np.ndarray) -> np.ndarray:
    mask = _speech_mask(x)
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return x
    a = max(0, idx[0] - 2) * FRAME
    b = min(len(x), (idx[-1] + 3) * FRAME)
    return x[a:b]


def _split(x: np.ndarray, parts: int, min_part: float = 2.0) -> list[np.ndarray]:
    """Cut at the longest inner pauses so that each part keeps at least `min_part` seconds."""
    pieces = [x]
    for _ in range(parts - 1):
        longest = max(range(len(pieces)), key=lambda i: len(pieces[i]))
        piece = pieces[longest]
        mask = _speech_mask(piece)
        n = len(mask)
        lo, hi = int(min_part * RATE / FRAME), n - int(min_part * RATE / FRAME)
        if hi <= lo:
            break
        # the centre of the longest silent run between lo and hi
        best, run_start, best_len = None, None, 0
        for i in range(lo, hi):
            if not mask[i]:
                run_start = i if run_start is None else run_start
                if i - run_start + 1 > best_len:
                    best_len, best = i - run_start + 1, (run_start + i) // 2
            else:
                run_start = None
        cut = (best if best is not None else n // 2) * FRAME
        pieces[longest: longest + 1] = [_trim(piece[:cut]), _trim(piece[cut:])]
    return pieces


def build_meeting(out: str | Path, num_speakers: int, seed: int = 0, parts_per_speaker: int = 2,
                  pause: tuple[float, float] = (0.4, 1.0), overlap_every: int = 0, overlap_s: float = 0.6,
                  names: list[str] | None = None) -> BuiltMeeting:
    """Write out.wav (16 kHz mono 16-bit) and out.rttm for a meeting of `num_speakers` speakers.

    overlap_every: every n-th turn starts `overlap_s` before the previous one ends (0: never).
    """
    from meetings.diarization.rttm import write_rttm
    from meetings.transcript import Turn
    from rathaus.speech.audio import write_wav

    files = sorted(speakers_dir().glob("*.wav"))
    if len(files) < num_speakers:
        raise ValueError(f"only {len(files)} speaker clips available")
    rng = random.Random(seed)
    pool = [f for f in files if f.stem in names] if names else files
    if len(pool) < num_speakers:
        raise ValueError(f"only {len(pool)} of the named speaker clips available")
    chosen = rng.sample(pool, num_speakers) if len(pool) > num_speakers or not names else pool
    per_speaker = {f.stem: _split(_trim(_decode(f)), parts_per_speaker) for f in chosen}
    order: list[tuple[str, np.ndarray]] = []
    queues = {k: list(v) for k, v in per_speaker.items()}
    speakers = list(queues)
    last = None
    while any(queues.values()):
        candidates = [s for s in speakers if queues[s] and s != last] or [s for s in speakers if queues[s]]
        s = rng.choice(candidates)
        order.append((s, queues[s].pop(0)))
        last = s
    total = sum(len(p) for _, p in order) + int(RATE * (pause[1] + 0.5) * (len(order) + 2))
    audio = np.zeros(total, dtype=np.float32)
    turns = []
    pos = int(RATE * 0.5)
    prev_end = pos
    for i, (speaker, piece) in enumerate(order):
        if overlap_every and i and i % overlap_every == 0:
            start = max(0, prev_end - int(overlap_s * RATE))
        else:
            start = pos
        audio[start: start + len(piece)] += piece
        turns.append(Turn(speaker, round(start / RATE, 3), round((start + len(piece)) / RATE, 3)))
        prev_end = start + len(piece)
        pos = max(pos, prev_end) + int(RATE * rng.uniform(*pause))
    audio = audio[: pos + RATE // 2]
    peak = float(np.max(np.abs(audio)))
    if peak > 0.99:
        audio *= 0.99 / peak
    out = Path(out)
    wav = write_wav(out.with_suffix(".wav"), audio, RATE)
    rttm = write_rttm(turns, out.stem, out.with_suffix(".rttm"))
    return BuiltMeeting(wav, rttm, turns, speakers, len(audio) / RATE)


FORMATS = {
    "float": ["-ac", "1", "-ar", "44100", "-c:a", "pcm_f32le"],           # IEEE-float WAV
    "pcm24": ["-ac", "1", "-ar", "48000", "-c:a", "pcm_s24le"],           # 24-bit WAV
    "stereo": ["-ac", "2", "-ar", "22050", "-c:a", "pcm_s16le"],          # multichannel
    "flac": ["-ac", "1", "-ar", "32000", "-c:a", "flac"],
}


def convert(src: str | Path, dst: str | Path, kind: str) -> Path:
    """`kind`: float, pcm24, stereo, flac (audio formats) or video (mp4 with a picture track)."""
    dst = Path(dst)
    if kind == "video":
        cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:s=160x120:r=5",
               "-i", str(src), "-shortest", "-c:v", "mpeg4", "-c:a", "aac", "-b:a", "96k", "-ac", "2", str(dst)]
    else:
        cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(src), *FORMATS[kind], str(dst)]
    subprocess.run(cmd, check=True)
    return dst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--speakers", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--parts", type=int, default=2, help="turns per speaker")
    ap.add_argument("--overlap-every", type=int, default=0)
    ap.add_argument("-o", "--out", required=True, help="output path without extension")
    args = ap.parse_args()
    m = build_meeting(args.out, args.speakers, args.seed, args.parts, overlap_every=args.overlap_every)
    print(f"{m.wav} {m.duration:.1f} s, {len(m.turns)} turns, speakers: {', '.join(m.speakers)}")


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
