"""Sections: stories filed under themes, and chosen stories as themed sections of items, each
citing its articles and the exact sentences."""

from __future__ import annotations

import re

import numpy as np

from briefing.compose.grouping import Group, Story, rows_by_article, unit
from briefing.compose.outlets import voices
from briefing.compose.ranking import content_words
from briefing.compose.themes import ThemeIndex, filing_vectors
from briefing.compose.wording import capitalise
from briefing.config import CATCHALL_ID, Settings
from briefing.records import Article, Evidence, Fact, Item, Section, Sentence
from briefing.text.patterns import MONTHS, WEEKDAYS

# A date or time phrase that opens a sentence and ends at its comma: "On January 17, ",
# "Between January 9 and 15, ", "Late on Tuesday, ".
_WHEN_WORDS = "|".join((*MONTHS, *WEEKDAYS))
_DATED_OPENER = re.compile(
    rf"^(?:on|by|between|since|from|until|in|early|late|last)\b[^,]{{0,40}}?"
    rf"\b(?:{_WHEN_WORDS}|\d{{4}})\b[^,]{{0,20}}, ", re.IGNORECASE)
HEADLINE_MIN_REST = 6  # words left after the opener, or the opener stays

GENERIC_ID = "summary"


TOP_LINES = 3


THEME_BLOCK = 4096  # facts classified at once (assign_themes)


def assign_themes(groups: list[Group], index: ThemeIndex | None, threshold: float,
                  context: list[np.ndarray] | None = None,
                  story_weight: float | None = None) -> None:
    """File each group under a theme. ``context``: a vector per group (its story's) that
    its own is mixed with (``themes.filing_vectors``)."""
    if index is None:
        for g in groups:
            g.theme = GENERIC_ID
        return
    # A block of groups at a time: classifying centres and normalises a copy of its matrix,
    # so stacking every fact of a long article at once held three copies (over 100 MB).
    for start in range(0, len(groups), THEME_BLOCK):
        block = groups[start:start + THEME_BLOCK]
        matrix = np.stack([g.centroid for g in block])
        if context is not None:
            matrix = filing_vectors(matrix, np.stack(context[start:start + THEME_BLOCK]),
                                    story_weight, margins=index.margins(matrix))
        labels = index.classify(matrix, threshold)
        for g, (theme, score) in zip(block, labels, strict=True):
            g.theme, g.theme_score = theme, score


def story_vector(story: Story) -> np.ndarray:
    """The story as a whole, for filing: its articles' openings (where the event is told)
    and all its sentences (its facts), equally."""
    return np.sum([unit(v) for v in (story.core, story.centroid) if v is not None], axis=0)


def split_by_theme(stories: list[Story], sentences: list[Sentence], index: ThemeIndex,
                   threshold: float, story_weight: float | None = None) -> list[Story]:
    """File stories under themes: each fact is classified by its own vector mixed with its
    story's (``themes.filing_vectors``), so the facts of one event stay together, and a story
    whose facts still fall under several themes becomes one story per theme (the arms sent
    after a summit are military aid, the summit is diplomacy), each citing the articles that
    report its facts."""
    facts, context = [], []
    for story in stories:
        whole = story_vector(story)
        for f in story.facts:
            if f.text:
                facts.append(f)
                context.append(whole)
    assign_themes(facts, index, threshold, context, story_weight)
    out: list[Story] = []
    for story in stories:
        by_theme: dict[str, list[Group]] = {}
        for fact in story.facts:
            if fact.text:
                by_theme.setdefault(fact.theme, []).append(fact)
        for theme, theme_facts in by_theme.items():
            reporting = {sentences[m].article_id for f in theme_facts for m in f.members}
            out.append(Story(articles=[a for a in story.articles if a in reporting],
                             centroid=story.centroid, core=story.core, facts=theme_facts,
                             theme=theme,
                             theme_score=max(f.theme_score for f in theme_facts)))
    return out


def build_sections(chosen: list[tuple[Story, list[Group]]], sentences: list[Sentence],
                         embeddings: np.ndarray, settings: Settings,
                         themed: bool, rows: dict[str, list[int]] | None = None
                         ) -> list[Section]:
    """The chosen stories as items under their sections. ``rows``: the sentences' rows by
    article (``grouping.rows_by_article``), made here when not given."""
    rows = rows if rows is not None else rows_by_article(sentences)
    titles = {t.id: t.title for t in settings.themes} if themed else {GENERIC_ID: "Summary"}
    titles[CATCHALL_ID] = settings.catchall_title
    order = [t for t in titles if t != CATCHALL_ID] + [CATCHALL_ID]
    sections = []
    for theme in order:
        # The story most outlets report first; the score orders stories of one size.
        stories = sorted(((s, f) for s, f in chosen if s.theme == theme),
                         key=lambda sf: (-voices(sf[0]), -sf[0].score))
        if not stories:
            continue
        items = [story_item(s, f, sentences, embeddings, rows) for s, f in stories]
        sections.append(Section(theme=theme, title=titles[theme], items=items))
    return sections


def story_item(story: Story, lines: list[Group], sentences: list[Sentence],
               embeddings: np.ndarray, rows: dict[str, list[int]]) -> Item:
    """The story as an item: the lead cites every article of the story, each with its
    sentence closest to the lead as evidence, and any other article that reports the lead's
    fact (a sentence grouped with it); facts cite the articles that report them.
    ``rows``: the sentences' rows by article (``grouping.rows_by_article``)."""
    lead, facts = lines[0], lines[1:]
    evidence = [Evidence(sentences[lead.best].article_id, sentences[lead.best].text)]
    lead_vector = embeddings[lead.best]
    for aid in story.articles:
        if aid == evidence[0].article:
            continue
        own = rows[aid]
        closest = own[int(np.argmax(embeddings[own] @ lead_vector))]
        evidence.append(Evidence(aid, sentences[closest].text))
    cited = {e.article for e in evidence}
    for m in lead.members:  # articles outside the story that report the lead's fact
        if sentences[m].article_id not in cited:
            cited.add(sentences[m].article_id)
            evidence.append(Evidence(sentences[m].article_id, sentences[m].text))
    return Item(text=lead.text, sources=[e.article for e in evidence], evidence=evidence,
                theme=story.theme, score=story.score,
                facts=[fact_of(f, sentences) for f in facts])


def fact_of(group: Group, sentences: list[Sentence]) -> Fact:
    """A supporting fact: its wording's sentence first, then one sentence per other article."""
    members = [group.best] + [m for m in group.members if m != group.best]
    evidence: list[Evidence] = []
    cited: set[str] = set()
    for m in members:
        s = sentences[m]
        if s.article_id in cited:
            continue
        cited.add(s.article_id)
        evidence.append(Evidence(s.article_id, s.text))
    return Fact(text=group.text, sources=[e.article for e in evidence], evidence=evidence)


HEADLINE_WORDS = 12  # a headline made from a lead: its first words, as a pointer
# A title names an item only when at least this share of its content words is in the item's
# lines: a round-up's title names its main story, not the aside an item took from it (the
# seeds' "Latest Ukraine updates: Blinken pledges 'relentless' diplomacy" pointed at their
# military-aid item, which shares only "Ukraine" and "Blinken" with it). Half, as evidence
# asks of a sentence that states a line (compose.evidence); not tuned to any corpus.
TITLE_SHARE = 0.5


def headline(item: Item, articles: dict[str, Article], taken: set[str] | None = None) -> str:
    """A short name for the story, to point at it: the title of one of its articles (the
    one sharing most words with the lead, shorter first) that no other story has ``taken``
    (one event filed under two themes is two stories) and whose words the item's lines
    mostly say (``TITLE_SHARE``), or the lead's first words when no such title is left."""
    lead_words = content_words(item.text)
    said = lead_words.union(*(content_words(f.text) for f in item.facts))
    titles = [articles[a].title for a in item.sources
              if a in articles and articles[a].title and not articles[a].title_generated
              and articles[a].title not in (taken or ())
              and _about(content_words(articles[a].title), said)]
    if titles:
        return max(titles, key=lambda t: (len(content_words(t) & lead_words), -len(t)))
    text = item.text
    # "On January 17, British Defense Secretary Ben Wallace informed …": a pointer starts
    # with who did what; the date is the lead's to give.
    opener = _DATED_OPENER.match(text)
    if opener and len(text[opener.end():].split()) >= HEADLINE_MIN_REST:
        text = capitalise(text[opener.end():])
    words = text.split()
    if len(words) <= HEADLINE_WORDS:
        return text
    return " ".join(words[:HEADLINE_WORDS]).rstrip(",;:") + "…"


def _about(title_words: set[str], said: set[str]) -> bool:
    """Whether a title's content words are mostly (``TITLE_SHARE``) among ``said``."""
    return len(title_words & said) >= TITLE_SHARE * len(title_words)
