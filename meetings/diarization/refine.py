"""A second look at one window's clusters, after senko's spectral clustering.

Why: the eigengap count of spectral clustering goes wrong both ways on meetings with many voices.
It splits one voice into a main cluster and small fragments (CAM++ centroids 0.72-0.85 apart),
and it puts a voice with little speech into another voice's cluster. Measured on the dev built
meetings (dev voices only, `bench/diarize_eval.py`): distinct voices never had centroids more
similar than 0.73, and a fragment was nearer its own voice than that. Two-way splits of clusters
holding one voice left halves at least 0.70 similar. Clusters holding two voices split at 0.59-0.69.

So two steps, both bounded by cosine similarity of mean CAM++ embeddings:
1. fold: a cluster with little speech (at most `small_s` seconds) joins its nearest cluster when
   their centroids are at least `fold_threshold` similar;
2. split: a cluster whose average-linkage two-way split leaves two parts of at least `min_part`
   sub-segments with centroids less than `split_threshold` similar becomes two clusters,
   repeated while one qualifies and the speaker bound (`max_n`) allows.
Large clusters are never folded. senko's own merge (0.875) stays: pyannote's sample clip holds two
voices whose centroids are 0.77 similar, so a lower merge for large clusters would join them.
"""

from __future__ import annotations

import numpy as np

from meetings.diarization.base import unit_rows


def refine_clusters(labels: np.ndarray, emb: np.ndarray, spans: np.ndarray, *, small_s: float,
                    fold_threshold: float, split_threshold: float, min_part: int = 4,
                    min_n: int | None = None, max_n: int | None = None) -> np.ndarray:
    """Labels (n,) of sub-segments with embeddings `emb` (n, d) and times `spans` (n, 2) s,
    after folding small fragments and splitting clusters that hold two voices, within the
    speaker bounds `min_n`/`max_n`. A threshold of 0 turns its step off."""
    labels = np.asarray(labels, dtype=int).copy()
    if len(labels) < 2:
        return labels
    x = unit_rows(np.asarray(emb, dtype=np.float64))
    if fold_threshold > 0:
        labels = _fold(labels, x, np.asarray(spans, dtype=float), small_s, fold_threshold, min_n or 1)
    if split_threshold > 0:
        labels = _split(labels, x, split_threshold, min_part, max_n)
    return labels


def _speech_s(spans: np.ndarray) -> float:
    """Seconds covered by overlapping sub-segments (they share 60 % of their length)."""
    total, end = 0.0, -np.inf
    for a, b in sorted(map(tuple, spans)):
        if b > end:
            total += b - max(a, end)
            end = b
    return total


def _fold(labels: np.ndarray, x: np.ndarray, spans: np.ndarray, small_s: float, threshold: float,
          min_n: int) -> np.ndarray:
    """Join small clusters to their nearest cluster, most similar pair first."""
    while True:
        ids = np.unique(labels)
        if len(ids) <= max(min_n, 1):
            return labels
        centres = unit_rows(np.stack([x[labels == i].mean(0) for i in ids]))
        sim = centres @ centres.T
        np.fill_diagonal(sim, -1.0)
        best = None
        for j, i in enumerate(ids):
            k = int(sim[j].argmax())
            if sim[j, k] >= threshold and _speech_s(spans[labels == i]) <= small_s:
                if best is None or sim[j, k] > best[0]:
                    best = (sim[j, k], i, ids[k])
        if best is None:
            return labels
        labels[labels == best[1]] = best[2]


def _two_way(x: np.ndarray, min_part: int) -> np.ndarray | None:
    """Sides (0/1) of the average-linkage split into two groups of at least `min_part`; a few
    outliers that the tree separates first go with the nearer group."""
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(x, method="average", metric="cosine")
    for k in range(2, 6):
        groups = fcluster(tree, t=k, criterion="maxclust")
        ids, counts = np.unique(groups, return_counts=True)
        if len(ids) < 2:
            return None
        order = ids[np.argsort(-counts, kind="stable")]
        if np.sort(counts)[-2] < min_part:
            continue
        a, b = (unit_rows(x[groups == g].mean(0)) for g in order[:2])
        nearer_b = (x @ b > x @ a).astype(int)
        return np.where(groups == order[0], 0, np.where(groups == order[1], 1, nearer_b))
    return None


def _split(labels: np.ndarray, x: np.ndarray, threshold: float, min_part: int, max_n: int | None) -> np.ndarray:
    """Split the cluster whose halves are least alike, while one is below `threshold`."""
    while not (max_n and len(np.unique(labels)) >= max_n):
        best = None
        for c in np.unique(labels):
            members = np.flatnonzero(labels == c)
            if len(members) < 2 * min_part:
                continue
            side = _two_way(x[members], min_part)
            if side is None or min(int((side == 0).sum()), int((side == 1).sum())) < min_part:
                continue
            a, b = (unit_rows(x[members[side == s]].mean(0)) for s in (0, 1))
            sim = float(a @ b)
            if sim < threshold and (best is None or sim < best[0]):
                best = (sim, members[side == 1])
        if best is None:
            break
        labels[best[1]] = labels.max() + 1
    return labels
