"""The development clusters: loading, cross-validation folds, and analysis cached per cluster.

Three corpora of news clusters with human reference summaries, read in place from
``../shared/eval`` (never copied): duc_dev (48 DUC 2006/2007 clusters), duc_tac (5 DUC/TAC
clusters) and MultiLing 2011 (3 WikiNews clusters): 56 clusters.

Every weight and rule of composition is chosen by cross-validation over them: the clusters are
dealt into ``FOLDS`` folds; a fold's scores come from settings chosen on the other folds only.
Clusters that share documents (NIST put a few documents in two clusters) stay in one fold, so
nothing a fold is scored on was seen while choosing for it.

Analysis (cleaning, sentences, embeddings) is the slow part and does not depend on composition's
settings, so it is pickled per cluster under the bench's state folder, keyed by the cluster's text
and the code that cleans, splits and embeds: a second run over all 56 clusters reads it back in
seconds.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
EVAL = REPO.parent / "shared" / "eval"
CORPORA = {
    "duc_dev": EVAL / "duc_dev" / "clusters.jsonl",
    "duc_tac": EVAL / "duc_tac" / "clusters.jsonl",
    "multiling2011": EVAL / "multiling2011" / "multiling2011_clusters.jsonl",
}
FOLDS = 8
WORDS = 250  # the references' length where a cluster does not give its own
# Clusters that share documents (duc_dev's README): each set goes into one fold.
TOGETHER = [
    {"duc2006_D0606F", "duc2006_D0641E", "duc2006_D0634G", "duc2006_D0643G"},
    {"duc2006_D0628A", "duc2006_D0648C"},
    {"duc2006_D0605E", "duc2007_D0734H"},
]
# The code whose output the cache holds: a change there makes every cluster analysed again.
_ANALYSIS_CODE = ("briefing/text", "briefing/analyse", "briefing/compose/wording.py")


def load_corpus(name: str) -> list[dict]:
    path = CORPORA[name]
    clusters = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()]
    for cluster in clusters:
        cluster["corpus"] = name
    return clusters


def available() -> bool:
    return all(path.exists() for path in CORPORA.values())


def load_all(corpora: tuple[str, ...] = tuple(CORPORA)) -> list[dict]:
    return [c for name in corpora for c in load_corpus(name)]


def corpora_option(parser, value: str) -> tuple[str, ...]:
    """The corpora a comma-separated ``--corpora`` value names; an unknown one is the
    parser's error (one line, no traceback)."""
    corpora = tuple(c for c in value.split(",") if c)
    unknown = [c for c in corpora if c not in CORPORA]
    if unknown:
        parser.error(f"unknown corpus: {', '.join(unknown)}")
    return corpora


def cluster_words(cluster: dict) -> int:
    """The cluster's length budget: its own ``budget_words``, else 250 words."""
    return int(cluster.get("budget_words") or WORDS)


def references(cluster: dict) -> list[str]:
    return list(cluster["references"].values())


def folds(clusters: list[dict], k: int = FOLDS) -> list[int]:
    """The fold of each cluster (0..k-1): clusters sharing documents together, the rest dealt
    in a fixed order (a hash of the id), so folds mix the corpora and never change between
    runs."""
    ids = [c["cluster_id"] for c in clusters]
    groups: list[list[int]] = []
    placed: dict[str, int] = {}
    for together in TOGETHER:
        members = [n for n, cid in enumerate(ids) if cid in together]
        if members:
            for n in members:
                placed[ids[n]] = len(groups)
            groups.append(members)
    groups += [[n] for n, cid in enumerate(ids) if cid not in placed]
    # Largest groups first, then by a stable hash, each to the currently smallest fold.
    groups.sort(key=lambda g: (-len(g), hashlib.sha1(ids[g[0]].encode()).hexdigest()))
    fold_of = [0] * len(ids)
    sizes = [0] * k
    for group in groups:
        f = min(range(k), key=lambda i: (sizes[i], i))
        sizes[f] += len(group)
        for n in group:
            fold_of[n] = f
    return fold_of


@dataclass
class Analysed:
    """One cluster as compose receives it."""

    articles: list
    sentences: list
    vectors: np.ndarray


@cache
def _code_key() -> str:
    digest = hashlib.sha1()
    for root in _ANALYSIS_CODE:
        path = REPO / root
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def cluster_articles(cluster: dict) -> list:
    from briefing.records import RawDocument
    from briefing.text.clean import clean_document

    articles = []
    for doc in cluster["documents"]:
        raw = RawDocument(origin=doc["doc_id"], content=doc["text"].encode("utf-8"),
                          title=doc["title"], source_name=doc.get("source") or "WikiNews",
                          published=doc.get("published"))
        articles.append(clean_document(raw))
    return articles


def analyse(cluster: dict, state: Path, embedder=None) -> Analysed:
    """The cluster cleaned, split and embedded, from the cache when it is there."""
    text_key = hashlib.sha1(json.dumps(cluster["documents"], sort_keys=True).encode())
    path = state / "analysed" / f"{cluster['cluster_id']}-{text_key.hexdigest()[:10]}-" \
                                f"{_code_key()}.pickle"
    if path.exists():
        with path.open("rb") as handle:
            return pickle.load(handle)
    from briefing.analyse.embedder import embed_texts, shared_embedder
    from briefing.compose.wording import with_context
    from briefing.text.sentences import article_sentences

    articles = cluster_articles(cluster)
    sentences = [s for a in articles for s in article_sentences(a)]
    texts = [with_context(s.text, s.context) for s in sentences]
    # Sentences an earlier analysis of the cluster (older code) embedded are not embedded
    # again: a change to cleaning touches a few sentences, not the cluster.
    known = _earlier_vectors(path.parent, cluster["cluster_id"])
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    if missing:
        known.update(zip(missing, embed_texts(missing, embedder or shared_embedder()),
                         strict=True))
    vectors = np.array([known[t] for t in texts], dtype=np.float32).reshape(len(texts), -1)
    result = Analysed(articles, sentences, vectors)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as handle:
        pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    return result


def _earlier_vectors(folder: Path, cluster_id: str) -> dict[str, np.ndarray]:
    from briefing.compose.wording import with_context

    known: dict[str, np.ndarray] = {}
    for older in sorted(folder.glob(f"{cluster_id}-*.pickle")):
        with older.open("rb") as handle:
            earlier = pickle.load(handle)
        known.update((with_context(s.text, s.context), v)
                     for s, v in zip(earlier.sentences, earlier.vectors, strict=True))
    return known


def truncate(sentences: list[str], words: int) -> str:
    """The first ``words`` words of the sentences, as ROUGE evaluations at a length do."""
    out: list[str] = []
    for sentence in sentences:
        out.extend(sentence.split())
        if len(out) >= words:
            break
    return " ".join(out[:words])


def default_state() -> Path:
    import os
    import tempfile

    return Path(os.environ.get("BRIEFING_BENCH_STATE")
                or Path(tempfile.gettempdir()) / "briefing-quality")
