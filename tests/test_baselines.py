"""The bench's fast LexRank and TextRank rate sentences exactly as sumy's own classes do."""

from __future__ import annotations

import sys

import numpy as np
from conftest import REPO

sys.path.insert(0, str(REPO))
from bench.baselines import fast_summarizers, sumy_tokenizer  # noqa: E402


def _document():
    from sumy.parsers.plaintext import PlaintextParser

    text = "\n\n".join(path.read_text(encoding="utf-8", errors="replace")
                       for path in sorted((REPO / "seeds").glob("*.txt"))[:3])
    return PlaintextParser.from_string(text, sumy_tokenizer()).document


def _summarizer(cls):
    from sumy.nlp.stemmers import Stemmer
    from sumy.utils import get_stop_words

    summarizer = cls(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    return summarizer


def test_fast_lexrank_builds_sumys_matrix():
    from sumy.summarizers.lex_rank import LexRankSummarizer

    document = _document()
    slow, fast = _summarizer(LexRankSummarizer), _summarizer(fast_summarizers()[0])
    words = [slow._to_words_set(s) for s in document.sentences]
    tf = slow._compute_tf(words)
    idf = slow._compute_idf(words)
    assert fast._compute_idf(words) == idf
    expected = slow._create_matrix(words, slow.threshold, tf, idf)
    assert np.allclose(fast._create_matrix(words, fast.threshold, tf, idf), expected)
    assert len(document.sentences) > 50 and expected.any()


def test_fast_textrank_builds_sumys_matrix():
    from sumy.summarizers.text_rank import TextRankSummarizer

    document = _document()
    slow, fast = _summarizer(TextRankSummarizer), _summarizer(fast_summarizers()[1])
    assert np.allclose(fast._create_matrix(document), slow._create_matrix(document))
