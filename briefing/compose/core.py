"""Story-based composition: what several outlets report about one event becomes one story,
a lead that says what happened and supporting facts under it.

``compose`` runs the steps in order:

1. facts: sentences reporting the same fact, across and within articles, are grouped
   (``grouping.group_sentences``, the grouping threshold), unless they give another toll,
   date or place (``particulars``);
2. stories: articles about one event are grouped by the similarity of their openings (the
   inverted pyramid puts the event there) *and* agreement on names and places, so two
   similar-sounding events in different places stay apart (``grouping.group_articles``);
3. each fact is scored inside its story: how many of the story's articles report it
   (corroboration), how central it is to the story, how early its articles say it;
4. each story's lead is one self-contained sentence chosen among its articles' opening
   sentences and its most corroborated facts, in the cleanest wording (``leads``);
5. under the word budget, stories go in order of importance, each lead first, then
   supporting facts by MMR, none as close to a chosen line as two reports of one fact
   (unless the two give different particulars: like events, each shown);
6. chosen stories that are developments of one subject (a name only their articles open
   with, texts alike) are shown as one item (``subjects.merge_subjects``).

Which corpus set each weight is written beside it (see docs/quality.md for the figures).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np

from briefing.beside import Beside
from briefing.compose.coverage import concept_weights
from briefing.compose.grouping import (
    attach_facts,
    group_articles,
    group_sentences,
    rows_by_article,
)
from briefing.compose.leads import choose_lead, listing_articles
from briefing.compose.outlets import count_outlets, outlet_keys, voices
from briefing.compose.ranking import score_facts, word_support
from briefing.compose.sections import (
    GENERIC_ID,
    TOP_LINES,
    build_sections,
    headline,
    split_by_theme,
)
from briefing.compose.selection import select_lines
from briefing.compose.subjects import merge_subjects
from briefing.compose.themes import ThemeIndex
from briefing.compose.weights import STORY_WEIGHTS, StoryWeights
from briefing.config import Settings
from briefing.records import Article, Item, Section, Sentence

# Fewer sentences are grouped in a tenth of a second: not worth a process (forking a big
# process costs tens of milliseconds, and the result comes back pickled). The 2,800 of
# bench/real_day.py took a fifth of a second, beside half a second of story grouping and
# word counts in the caller.
FORK_MIN_SENTENCES = 2_000


def compose(articles: list[Article], sentences: list[Sentence], embeddings: np.ndarray,
                    settings: Settings, theme_index: ThemeIndex | None,
                    weights: StoryWeights | None = None, reported: np.ndarray | None = None,
                    outlets: Mapping[str, str] | None = None
                    ) -> tuple[list[Section], list[Item]]:
    """Return the sections (in config order, catch-all last) and the top lines.

    ``reported``: vectors of the lines recent briefings presented (``memory``); a line as
    close to one of them as two reports of one fact (the grouping threshold) is not chosen.
    ``outlets``: ``outlet_keys(articles)``, when the caller read them already.
    """
    if not sentences:
        return [], []
    weights = weights or STORY_WEIGHTS
    if theme_index is not None:  # sections: the mix set for them (weights.themed_coverage)
        weights = dataclasses.replace(weights, coverage=weights.themed_coverage,
                                      mmr=weights.themed_mmr)
    # Fact grouping, the longest step, runs in a child on the other core (``beside``) while
    # this process groups stories and counts words; the results are the same either way.
    with Beside(group_sentences, sentences, embeddings, settings.group_threshold,
                fork=len(sentences) >= FORK_MIN_SENTENCES) as grouping:
        rows = rows_by_article(sentences)
        stories = group_articles(articles, sentences, embeddings, weights.story_threshold,
                                 rows)
        support = word_support(sentences)
        listings = listing_articles(sentences)
        facts = grouping.result()
    attach_facts(stories, facts, sentences)
    # A feature's hook is not a fact (grouping.join_late_openings).
    hook_lines = {rows[aid][0] for story in stories for aid in story.features}
    # One voice per outlet, however many copies it sent.
    outlet_of = outlets if outlets is not None else outlet_keys(articles)
    n_outlets = count_outlets({s.article_id for s in sentences}, outlet_of)
    published = {a.id: a.published for a in articles}
    for story in stories:
        score_facts(story, sentences, embeddings, weights, support, published, listings,
                    hook_lines)
    if theme_index is not None:
        stories = split_by_theme(stories, sentences, theme_index, settings.theme_threshold)
    else:
        for story in stories:
            story.theme = GENERIC_ID
    for story in stories:
        story.outlets = count_outlets(story.articles, outlet_of)
    for story in stories:
        story.lead = choose_lead(story, sentences, embeddings, weights)
    stories = [s for s in stories if s.lead is not None]
    for story in stories:
        share = math.log2(1 + voices(story)) / math.log2(1 + max(n_outlets, 1))
        story.score = (weights.story * share + (story.lead.score if story.lead else 0.0)
                       + weights.theme * max(story.theme_score, 0.0))
    themes = [t.id for t in settings.themes] if theme_index else [GENERIC_ID]
    concepts = (concept_weights(articles, sentences, weights.concept_min_articles,
                                weights.concept_headline, weights.concept_opening)
                if weights.coverage > 0 else None)
    chosen = select_lines(stories, embeddings, settings.budget_words, themes,
                          min(weights.redundancy if theme_index is not None
                              else weights.generic_redundancy, settings.group_threshold),
                          weights,
                          reported, settings.group_threshold, concepts, sentences)
    chosen = merge_subjects(chosen, sentences, embeddings, rows)
    sections = build_sections(chosen, sentences, embeddings, settings,
                              theme_index is not None, rows)
    items = [i for s in sections for i in s.items]
    # Top lines point at the most important stories by headline; they do not repeat them.
    # The stories most outlets report first, as in the sections; the score orders stories of
    # one size (a one-article aside never outranks the day's main event).
    top = sorted(items, key=lambda i: (-count_outlets(i.sources, outlet_of), -i.score)
                 )[:TOP_LINES]
    by_id = {a.id: a for a in articles}
    used: set[str] = set()
    for item in sorted(items, key=lambda i: -i.score):
        item.headline = headline(item, by_id, used)
        used.add(item.headline)
    return sections, top
