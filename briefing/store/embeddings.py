"""The embedding cache: sentence vectors by a hash of the model and the text."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from briefing.store.base import Tables
from briefing.store.dialect import insert_ignore

if TYPE_CHECKING:  # numpy is imported by the calls that need it: a warm run may not
    import numpy as np


class EmbeddingCache(Tables):
    @staticmethod
    def embedding_key(model_id: str, text: str) -> str:
        return hashlib.sha1(f"{model_id}\x00{text}".encode()).hexdigest()

    def get_embeddings(self, keys: list[str]) -> dict[str, np.ndarray]:
        import numpy as np

        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):  # SQLite caps bound variables
            chunk = keys[start:start + 500]
            rows = self.db.execute(
                f"SELECT key, vector FROM embeddings WHERE key IN ({','.join('?' * len(chunk))})",
                chunk)
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_embeddings(self, pairs: Iterable[tuple[str, np.ndarray]]) -> None:
        import numpy as np

        with self.transaction() as db:
            # The key is a hash of the model and the text, so a row already there (another
            # daemon embedded the same text) holds the same vector: keep it.
            db.executemany(insert_ignore("embeddings", ("key", "vector"), ("key",)),
                           [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in pairs])
