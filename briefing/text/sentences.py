"""Sentence splitting, and which sentences are worth summarising."""

from __future__ import annotations

import re

from briefing.records import Article, Sentence
from briefing.text.patterns import MONTH_ABBREVIATIONS, SENTENCE_END
from briefing.text.standalone import (
    announces_or_lists,
    is_fragment,
    points_back,
    unbalanced_quotes,
)

MIN_SENTENCE_WORDS = 6


MAX_SENTENCE_WORDS = 80


# An article this short is a brief: a headline, or a headline and a sentence or two (a wire
# feed's entries, an event log). It is one fact, not a text to pick sentences from.
BRIEF_WORDS = 25


# The fewest words a brief's fact may have ("Kyiv blackout ends" is news; "Video" is not).
MIN_BRIEF_WORDS = 3


# A text that leans on what comes before ("Those at risk would include …", "He said …") does
# not read on its own, nor does half a quotation; the compose stage would drop either
# (compose.wording's rules). When nothing of an article stands alone, its headline is its fact.
_LEANS_ON_HEADLINE = re.compile(r"^(he|she|they|it|this|that|these|those|his|her|their|its|"
                                r"such|both|the two)\b", re.IGNORECASE)


# Words written with a point that ends no sentence ("Mr. Smith", "Jan. 5", "the U.S. said").
_ABBREVIATIONS = MONTH_ABBREVIATIONS | {
    "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "gen", "lt", "col", "capt", "sgt", "maj",
    "adm", "sen", "rep", "gov", "pres", "no", "nos", "vs", "etc", "inc", "ltd", "co", "corp",
    "mon", "tue", "tues", "wed", "thu", "thurs", "fri", "sat", "sun", "approx", "est", "dept",
    "univ", "fig", "al", "e.g", "i.e", "u.s", "u.k", "u.n", "e.u", "a.m", "p.m", "ft", "mt",
}


# Initials written with points ("G.D. Searle", "J.R.R. Tolkien", "R.U. 486"): by their form
# an abbreviation, like a lone initial ("John F. Kennedy"), whatever the letters are.
_INITIALS = re.compile(r"(?:[a-z]\.)+[a-z]")


# A sentence ends at . ! ? (with closing quotes or brackets) before white space and a capital,
# a digit or an opening quote.
_BOUNDARY = re.compile(r"([.!?…][\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-Z0-9])")


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
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or (
                    _INITIALS.fullmatch(word)):
                continue
        out.append(text[start:end].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return [s for s in out if s]


def article_sentences(article: Article) -> list[Sentence]:
    """Every summarisable sentence of an article, with the sentence before it as context;
    a brief's one fact (see ``brief_sentence``)."""
    if len(article.text.split()) < BRIEF_WORDS:
        brief = brief_sentence(article)
        return [brief] if brief else []
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
    title = _usable_title(article)
    if title and not any(_stands_alone(s.text) for s in sentences):
        # Nothing of the text reads on its own (a quotation the splitter cut, one long
        # sentence): the headline is the article's fact, so the article is not lost.
        return [Sentence(article.id, 0, 0, title)]
    return sentences


def _own_title(article: Article) -> str:
    """The headline the source wrote, on one line ("" for one made from the text)."""
    return "" if article.title_generated else " ".join(article.title.split())


def _usable_title(article: Article) -> str:
    """The article's own headline when it can be a fact: written by the source, long enough,
    and not a label, list entry or header."""
    title = _own_title(article)
    if len(title.split()) < MIN_BRIEF_WORDS or announces_or_lists(title):
        return ""
    return title


def _stands_alone(text: str) -> bool:
    # The same hard rules compose applies (text.standalone): a text compose would reject in
    # any wording ("Ukraine crisis news from February 21: …") leaves the headline as the fact.
    return not (_LEANS_ON_HEADLINE.match(text) or unbalanced_quotes(text)
                or announces_or_lists(text) or points_back(text) or is_fragment(text))


def brief_sentence(article: Article) -> Sentence | None:
    """A brief's one fact: its text as one sentence (cited exactly as written), with its
    title as context; a headline alone is its own fact. The sentence rules of longer articles
    (at least six words, a full stop) would drop most headlines, which are news all the same.
    """
    text = " ".join(article.text.split())
    if not _stands_alone(text):
        # A text that leans on its headline has the headline as its fact; when the headline
        # is no report either ("Transcript: The 11th Hour, 2/21/22" over a guest list), the
        # entry has nothing to brief (the pipeline counts and tells it).
        title = _usable_title(article)
        return Sentence(article.id, 0, 0, title) if title else None
    if len(text.split()) < MIN_BRIEF_WORDS:
        return None
    title = _own_title(article)
    context = title if title and title.casefold() not in text.casefold() else ""
    return Sentence(article.id, 0, 0, text, context)


def is_heading(paragraph: str) -> bool:
    """A paragraph that is a heading, not prose: up to 25 words with no sentence end, or a
    short question (a section heading such as "What happens next?")."""
    paragraph = paragraph.strip()
    words = paragraph.split()
    return 1 <= len(words) <= 25 and not SENTENCE_END.search(paragraph) or (
        2 <= len(words) <= 20 and paragraph.endswith("?")
    )


def is_candidate(text: str) -> bool:
    words = len(text.split())
    return (MIN_SENTENCE_WORDS <= words <= MAX_SENTENCE_WORDS and bool(SENTENCE_END.search(text))
            and not text.endswith("?") and not text.endswith(":"))
