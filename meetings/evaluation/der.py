"""Diarization error rate (DER) as NIST md-eval computes it.

DER = (missed speech + false alarm + speaker confusion) / total reference speech, measured on the
scored time only: a no-score collar (default 0.25 s each side) around every reference boundary is
removed, and with ``skip_overlap`` the regions where two or more reference speakers talk are
removed too. Hypothesis labels are mapped one-to-one to reference labels so that the mapped
overlap time is largest (Hungarian algorithm, scipy's linear_sum_assignment).

The computation is exact on elementary intervals (between any two consecutive boundaries of
reference, hypothesis, collars and UEM), not on frames, so the result does not depend on a frame
step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from meetings.transcript import Turn


@dataclass
class DerResult:
    der: float                  # fraction, 0.0716 = 7.16 %
    missed: float               # seconds
    false_alarm: float
    confusion: float
    total: float                # scored reference speech, seconds
    ref_speakers: int
    hyp_speakers: int
    mapping: dict[str, str] = field(default_factory=dict)  # hyp label -> ref label

    @property
    def percent(self) -> float:
        return 100.0 * self.der

    def to_dict(self) -> dict:
        data = asdict(self)
        data["der_percent"] = round(self.percent, 4)
        return data


def _merge(regions: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for s, e in sorted(regions):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def _speaker_regions(turns: list[Turn]) -> dict[str, list[tuple[float, float]]]:
    by: dict[str, list[tuple[float, float]]] = {}
    for t in turns:
        by.setdefault(t.speaker, []).append((t.start, t.end))
    return {k: _merge(v) for k, v in by.items()}


def _active(regions: list[tuple[float, float]], mids: np.ndarray) -> np.ndarray:
    """Boolean mask: which interval midpoints fall inside the (merged, sorted) regions."""
    if not regions:
        return np.zeros(len(mids), dtype=bool)
    starts = np.array([s for s, _ in regions])
    ends = np.array([e for _, e in regions])
    idx = np.searchsorted(starts, mids, side="right") - 1
    ok = idx >= 0
    out = np.zeros(len(mids), dtype=bool)
    out[ok] = mids[ok] < ends[idx[ok]]
    return out


def diarization_error(
    reference: list[Turn],
    hypothesis: list[Turn],
    collar: float = 0.25,
    skip_overlap: bool = False,
    uem: list[tuple[float, float]] | None = None,
) -> DerResult:
    """DER of `hypothesis` against `reference`.

    collar: seconds of no-score zone on each side of every reference turn boundary.
    skip_overlap: True ignores regions with two or more reference speakers (md-eval -1 style
    "overlap ignored"); False scores them (each overlapping speaker counts).
    uem: scored regions; None scores everything from 0 to the last boundary.
    """
    from scipy.optimize import linear_sum_assignment

    ref = _speaker_regions(reference)
    hyp = _speaker_regions(hypothesis)
    ref_labels, hyp_labels = sorted(ref), sorted(hyp)

    bounds = {0.0}
    for regions in list(ref.values()) + list(hyp.values()):
        for s, e in regions:
            bounds.update((s, e))
    no_score: list[tuple[float, float]] = []
    if collar > 0:
        for t in reference:
            for b in (t.start, t.end):
                no_score.append((max(0.0, b - collar), b + collar))
        no_score = _merge(no_score)
        for s, e in no_score:
            bounds.update((s, e))
    if uem is not None:
        uem = _merge(uem)
        for s, e in uem:
            bounds.update((s, e))
    edges = np.array(sorted(bounds))
    if len(edges) < 2:
        return DerResult(0.0, 0.0, 0.0, 0.0, 0.0, len(ref_labels), len(hyp_labels))
    mids = (edges[:-1] + edges[1:]) / 2
    dur = np.diff(edges)

    scored = np.ones(len(mids), dtype=bool)
    if no_score:
        scored &= ~_active(no_score, mids)
    if uem is not None:
        scored &= _active(uem, mids)

    R = np.array([_active(ref[k], mids) for k in ref_labels], dtype=bool).reshape(len(ref_labels), len(mids))
    H = np.array([_active(hyp[k], mids) for k in hyp_labels], dtype=bool).reshape(len(hyp_labels), len(mids))
    n_ref = R.sum(axis=0)
    if skip_overlap:
        scored &= n_ref <= 1
    w = dur * scored
    n_hyp = H.sum(axis=0)

    mapping: dict[str, str] = {}
    correct = 0.0
    if ref_labels and hyp_labels:
        overlap = (R[:, None, :] & H[None, :, :]) @ w  # shape (n_ref_labels, n_hyp_labels)
        rows, cols = linear_sum_assignment(-overlap)
        for r, c in zip(rows, cols):
            if overlap[r, c] > 0:
                mapping[hyp_labels[c]] = ref_labels[r]
                correct += overlap[r, c]

    total = float((n_ref * w).sum())
    missed = float((np.maximum(0, n_ref - n_hyp) * w).sum())
    false_alarm = float((np.maximum(0, n_hyp - n_ref) * w).sum())
    confusion = float((np.minimum(n_ref, n_hyp) * w).sum() - correct)
    error = missed + false_alarm + confusion
    der = error / total if total > 0 else (0.0 if error == 0 else 1.0)
    return DerResult(der, missed, false_alarm, max(0.0, confusion), total, len(ref_labels), len(hyp_labels), mapping)
