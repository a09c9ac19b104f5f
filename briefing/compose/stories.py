"""Story-based composition: what several outlets report about one event becomes one story,
a lead that says what happened and supporting facts under it.

Same inputs and outputs as ``briefing.compose.compose`` (which hands over to
:func:`compose_stories`):

1. facts: sentences reporting the same fact, across and within articles, are grouped
   (``briefing.compose.group_sentences``, the grouping threshold);
2. stories: articles about one event are grouped by the similarity of their openings (the
   inverted pyramid puts the event there) *and* agreement on names and places, so two
   similar-sounding events in different places stay apart (``group_articles``);
3. each fact is scored inside its story: how many of the story's articles report it
   (corroboration), how central it is to the story, how early its articles say it;
4. each story's lead is one self-contained sentence chosen among its articles' opening
   sentences and its most corroborated facts, in the cleanest wording (``briefing.leads``);
5. under the word budget, stories go in order of importance, each lead first, then
   supporting facts by MMR, none as close to a chosen line as two reports of one fact.

Which corpus set each weight is written beside it (see docs/quality.md for the figures).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from briefing.analyse.neighbours import find_pairs
from briefing.compose.grouping import Group, group_sentences
from briefing.compose.leads import resolve_weekday, standalone_quality
from briefing.compose.ranking import informativeness
from briefing.compose.sections import GENERIC_ID, TOP_LINES, assign_themes
from briefing.compose.themes import ThemeIndex
from briefing.compose.wording import make_self_contained
from briefing.config import CATCHALL_ID, Settings
from briefing.records import Article, Evidence, Fact, Item, Section, Sentence

LEAD_MIN_QUALITY = -0.25  # standalone_quality: under 10 words costs 0.3, a dangling start more
OPENING_SENTENCES = 3  # an article's first sentences: where the inverted pyramid puts the event


@dataclass(frozen=True)
class StoryWeights:
    """How much each signal counts in a fact's importance within its story."""

    # Chosen on MultiLing 2011 and duc_tac together (bench/quality.py; docs/quality.md has
    # the figures on both): a linear fit of each sentence's ROUGE-2 against these signals on
    # both corpora (support and core the strongest on both), then a small grid around it.
    # Every value below was kept only where it did not lose on either corpus.
    support: float = 2.5  # share of the day's articles using the wording's content words
    core: float = 0.75  # closeness to the centroid of the story's opening sentences
    # 0.5 over 0.75: MultiLing +0.007, duc_tac -0.001; the setting whose smaller margin over
    # the better baseline (of the two corpora) is the largest.
    centrality: float = 0.5  # closeness to the centroid of all the story's sentences
    position: float = 0.5  # reported early in its article (inverted pyramid): 1/(1+position)
    quote: float = 0.3  # penalty per share of the sentence in quotes: colour, not the fact
    # Zero: 0.5 cost duc_tac 0.02 ROUGE-2 (a fact many outlets word alike is already found
    # by word support; the count of grouped sentences adds long-quote repeats).
    corroboration: float = 0.0  # share of the story's articles whose sentences group with it
    information: float = 0.0  # numbers, dates, names (0.2 cost both corpora a little)
    wording: float = 0.0  # standalone_quality of the wording (it gates at -1 anyway)
    theme: float = 0.3  # the story fits its theme well (no themes in the eval: old value)
    # A supporting fact fits a configured theme. Set on the seeds (no themes in the eval
    # corpora, so ROUGE is unchanged): without it the catch-all story took 13 of the 22
    # facts and military aid got none; with 1.0, 11/4/2/0 under the four themes, 5 other.
    theme_fit: float = 1.0
    # The story's share of the day's articles, added to each of its lines. 0.3 and 1.0 cost
    # on duc_tac (splinter stories of one article lose words to the main one) and did not
    # help MultiLing; word support, counted over the day, already favours the big stories.
    story: float = 0.0
    lead_corroboration: float = 1.0  # a lead many of the story's articles report
    lead_bonus: float = 0.0  # a lead ahead of another story's supporting fact
    story_threshold: float = 0.55  # cosine of two articles' openings to be one story
    # Redundancy: a line this close to a chosen one is left out (set on both corpora, below
    # the 0.78 grouping threshold: two wordings of one fact are often only 0.7 apart), and
    # closeness below that lowers a line's value by ``mmr`` per unit.
    redundancy: float = 0.70
    # "said Wednesday" -> "said Wednesday (January 26)" from the article's date. Off: the two
    # words it adds cost duc_tac 0.026 ROUGE-2 (at a 100-word budget a long lead no longer
    # fits; the references rarely date days) and MultiLing nothing. On is for readers.
    resolve_weekdays: bool = False
    mmr: float = 0.6  # over 0: +0.008 duc_tac; over 0.3: +0.003 MultiLing


STORY_WEIGHTS = StoryWeights()


@dataclass
class Story:
    articles: list[str]  # article ids
    centroid: np.ndarray
    core: np.ndarray | None = None  # centroid of the articles' opening sentences
    facts: list[Group] = field(default_factory=list)
    score: float = 0.0
    theme: str = CATCHALL_ID
    theme_score: float = 0.0
    lead: Group | None = None
    lead_options: list[tuple[Group, float]] = field(default_factory=list)  # (fact, value)


def compose_stories(articles: list[Article], sentences: list[Sentence], embeddings: np.ndarray,
                    settings: Settings, theme_index: ThemeIndex | None,
                    weights: StoryWeights | None = None) -> tuple[list[Section], list[Item]]:
    """Return the sections (in config order, catch-all last) and the top lines."""
    if not sentences:
        return [], []
    weights = weights or STORY_WEIGHTS
    facts = group_sentences(sentences, embeddings, settings.group_threshold)
    stories = group_articles(articles, sentences, embeddings, weights.story_threshold)
    attach_facts(stories, facts, sentences)
    n_articles = len({s.article_id for s in sentences})
    support = word_support(sentences)
    for story in stories:
        score_facts(story, sentences, embeddings, weights, support,
                    {a.id: a.published for a in articles})
    if theme_index is not None:
        stories = split_by_theme(stories, sentences, theme_index, settings.theme_threshold)
    else:
        for story in stories:
            story.theme = GENERIC_ID
    for story in stories:
        story.lead = choose_lead(story, sentences, embeddings, weights)
    stories = [s for s in stories if s.lead is not None]
    for story in stories:
        share = math.log2(1 + len(story.articles)) / math.log2(1 + max(n_articles, 1))
        story.score = (weights.story * share + (story.lead.score if story.lead else 0.0)
                       + weights.theme * max(story.theme_score, 0.0))
    themes = [t.id for t in settings.themes] if theme_index else [GENERIC_ID]
    chosen = select_lines(stories, embeddings, settings.budget_words, themes,
                          min(weights.redundancy, settings.group_threshold), weights)
    sections = build_story_sections(chosen, sentences, embeddings, settings,
                                    theme_index is not None)
    items = [i for s in sections for i in s.items]
    top = sorted(items, key=lambda i: -i.score)[:TOP_LINES]
    return sections, top


# 2. stories -----------------------------------------------------------------------------------

# Names and places: capitalised words not at the start of a sentence, and all-caps acronyms.
_NAME = re.compile(r"(?<=[\w,;:)\"'”’] )[A-Z][a-z]+(?:[-’'][A-Z]?[a-z]+)?|\b[A-Z]{2,}\b")
_NOT_NAMES = {"The", "A", "An", "He", "She", "It", "They", "We", "I", "But", "And", "In", "On",
              "At", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
              "Sunday", "January", "February", "March", "April", "May", "June", "July",
              "August", "September", "October", "November", "December", "Mr", "Mrs", "Ms"}


def names(text: str) -> set[str]:
    """The names and places a text mentions (a rough, cheap proper-noun set)."""
    return {m for m in _NAME.findall(text) if m not in _NOT_NAMES}


def group_articles(articles: list[Article], sentences: list[Sentence], embeddings: np.ndarray,
                   threshold: float) -> list[Story]:
    """Articles reporting one event, grouped by star clustering over thresholded neighbour
    pairs of their openings' embeddings (no N×N matrix), keeping a pair only when the two
    openings share a name or place: "a ferry sank" in two different seas is two stories."""
    by_article: dict[str, list[int]] = {}
    for i, s in enumerate(sentences):
        by_article.setdefault(s.article_id, []).append(i)
    ids = [a.id for a in articles if a.id in by_article]
    ids += [aid for aid in by_article if aid not in set(ids)]
    vectors = np.zeros((len(ids), embeddings.shape[1]), dtype=np.float32)
    opening_names: list[set[str]] = []
    for k, aid in enumerate(ids):
        opening = by_article[aid][:OPENING_SENTENCES]
        v = embeddings[opening].mean(axis=0)
        vectors[k] = v / max(float(np.linalg.norm(v)), 1e-9)
        opening_names.append(set().union(*(names(sentences[i].text) for i in opening)))
    neighbours: list[list[int]] = [[] for _ in ids]
    for a, b in find_pairs(vectors, threshold):
        if opening_names[a] & opening_names[b]:
            neighbours[a].append(b)
            neighbours[b].append(a)
    order = sorted(range(len(ids)), key=lambda k: len(neighbours[k]), reverse=True)
    assigned = [-1] * len(ids)
    stories: list[Story] = []
    for k in order:
        if assigned[k] >= 0:
            continue
        members = [k] + [j for j in neighbours[k] if assigned[j] < 0]
        for m in members:
            assigned[m] = len(stories)
        members.sort()
        rows = [i for m in members for i in by_article[ids[m]]]
        centroid = embeddings[rows].mean(axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
        core = embeddings[[by_article[ids[m]][0] for m in members]].mean(axis=0)
        core /= max(float(np.linalg.norm(core)), 1e-9)
        stories.append(Story(articles=[ids[m] for m in members], centroid=centroid, core=core))
    return stories


def attach_facts(stories: list[Story], facts: list[Group], sentences: list[Sentence]) -> None:
    """Each fact goes to the story most of its sentences' articles belong to; its members
    from other stories stay with it (the same fact told about a related event)."""
    story_of = {aid: n for n, story in enumerate(stories) for aid in story.articles}
    for fact in facts:
        counts: dict[int, int] = {}
        for m in fact.members:
            n = story_of[sentences[m].article_id]
            counts[n] = counts.get(n, 0) + 1
        home = max(counts, key=lambda n: (counts[n], -n))
        stories[home].facts.append(fact)


# 3. importance within the story ---------------------------------------------------------------


_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    "a an the and or but of in on at to for from by with as is are was were be been being "
    "has have had do does did that this these those it its he she they them his her their "
    "we our you your i not no said says say will would could should may might can also "
    "than then there here who whom which what when where while after before about over "
    "into out up down more most some any all one two new last first".split())


def content_words(text: str) -> set[str]:
    """Lower-cased content words, crudely singularised (agreement across outlets' wordings)."""
    return {w[:-1] if len(w) > 4 and w.endswith("s") else w
            for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) > 2}


def word_support(sentences: list[Sentence]) -> list[float]:
    """For each sentence, the mean share of the day's articles that use each of its content
    words: corroboration by the words outlets share, finer than whole facts. Counted over
    all articles, not one story's: in a story of one article every word would count 1."""
    words = [content_words(s.text) for s in sentences]
    per_article: dict[str, set[str]] = {}
    for s, vocabulary in zip(sentences, words, strict=True):
        per_article.setdefault(s.article_id, set()).update(vocabulary)
    df: dict[str, int] = {}
    for vocabulary in per_article.values():
        for w in vocabulary:
            df[w] = df.get(w, 0) + 1
    size = max(len(per_article), 1)
    return [sum(df[w] for w in v) / (len(v) * size) if v else 0.0 for v in words]


def score_facts(story: Story, sentences: list[Sentence], embeddings: np.ndarray,
                weights: StoryWeights, support: list[float],
                published: dict[str, str | None] | None = None) -> None:
    """Every fact's wording and importance within the story. Each usable member sentence
    (``briefing.leads.standalone_quality``) is scored as it would be shown; the fact takes
    its best-scoring member as wording, plus how many of the story's articles report it."""
    size = len(story.articles)
    inside = set(story.articles)
    core_vector = story.core if story.core is not None else story.centroid
    for fact in story.facts:
        reporting = {sentences[m].article_id for m in fact.members} & inside
        corroboration = math.log2(1 + len(reporting)) / math.log2(1 + size) if size > 1 else 0.0
        fact.best, fact.score, fact.text = -1, -math.inf, ""
        for m in fact.members:
            sentence = sentences[m]
            quality = standalone_quality(sentence)
            if quality <= -1.0:
                continue
            value = (weights.corroboration * corroboration
                     + weights.centrality * float(embeddings[m] @ story.centroid)
                     + weights.core * float(embeddings[m] @ core_vector)
                     + weights.position / (1 + sentence.position)
                     + weights.information * informativeness(sentence.text)
                     + weights.support * support[m]
                     - weights.quote * quote_share(sentence.text)
                     + weights.wording * quality)
            if value > fact.score:
                fact.best, fact.score = m, value
        if fact.best >= 0:
            best = sentences[fact.best]
            fact.text = make_self_contained(best.text, best.context)
            if weights.resolve_weekdays:
                fact.text = resolve_weekday(fact.text, (published or {}).get(best.article_id))


_QUOTED = re.compile(r"[“\"][^”\"]*[”\"]")


def quote_share(text: str) -> float:
    """The share of a sentence inside quotation marks (0..1)."""
    quoted = sum(len(m.group()) for m in _QUOTED.finditer(text))
    return quoted / max(len(text), 1)


# 4. leads -------------------------------------------------------------------------------------


def choose_lead(story: Story, sentences: list[Sentence], embeddings: np.ndarray,
                weights: StoryWeights = STORY_WEIGHTS) -> Group | None:
    """The story's lead: among facts one of whose sentences opens an article, or the most
    corroborated facts, the best-scoring one with a self-contained wording. Every fact gets
    wording was chosen when it was scored."""
    usable = [f for f in story.facts if f.text]
    if not usable:
        return None
    most = max(len(set(f.articles) & set(story.articles)) for f in usable)
    candidates = [f for f in usable
                  if any(sentences[m].position < 2 for m in f.members)
                  or len(set(f.articles) & set(story.articles)) == most]
    # A lead must read well on its own: no short fragment ("X also did Y."), nothing that
    # leans on an earlier sentence, when the story has anything better.
    clean = [f for f in candidates if standalone_quality(sentences[f.best]) > LEAD_MIN_QUALITY]
    candidates = clean or candidates
    # Linear share, not log: what all of a story's outlets report is the event itself, what
    # three of four report is usually a detail around it.
    size = max(len(story.articles), 1)
    options = [(f, f.score + weights.lead_corroboration
                * len(set(f.articles) & set(story.articles)) / size) for f in candidates]
    # The others stay as fallbacks: a lead that repeats another story's chosen line, or no
    # longer fits the budget, leaves the story to its next candidate rather than to nothing.
    story.lead_options = sorted(options, key=lambda fv: -fv[1])
    return story.lead_options[0][0]


def split_by_theme(stories: list[Story], sentences: list[Sentence], index: ThemeIndex,
                   threshold: float) -> list[Story]:
    """File stories under themes: each fact is classified, and a story whose facts fall under
    several themes becomes one story per theme (the arms sent after a summit are military
    aid, the summit is diplomacy), each citing the articles that report its facts."""
    facts = [f for story in stories for f in story.facts if f.text]
    assign_themes(facts, index, threshold)
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


# 5. selection under the budget ----------------------------------------------------------------


@dataclass
class Line:
    story: Story
    fact: Group
    is_lead: bool
    value: float


def select_lines(stories: list[Story], embeddings: np.ndarray, budget_words: int,
                 theme_order: list[str], redundancy_cutoff: float,
                 weights: StoryWeights) -> list[tuple[Story, list[Group]]]:
    """Greedy MMR over every story's lines under the word budget. A story's facts become
    eligible once its lead is chosen; a lead competes with its story's score plus a bonus,
    a fact with its score scaled by its story's share. Each theme first gets its best story.
    A line as close to a chosen one as two reports of one fact is dropped."""
    lines: list[Line] = []
    for story in stories:
        assert story.lead is not None
        share = story.score - story.lead.score  # the story's weight, without its lead
        # A lead competes with its own score; which candidate leads is the story's choice
        # (choose_lead's order): only its first candidate still open is eligible.
        lines += [Line(story, f, True, share + f.score + weights.lead_bonus)
                  for f, _value in story.lead_options]
        # A fact that fits a configured theme outranks catch-all material of equal score:
        # on a one-topic day, word support alone favours the generic background lines.
        lines += [Line(story, f, False, f.score + share + weights.theme_fit * (
            f.theme_score if f.theme != CATCHALL_ID else 0.0)) for f in story.facts if f.text]
    if not lines:
        return []
    vectors = embeddings[[ln.fact.best for ln in lines]]
    values = np.array([ln.value for ln in lines])
    lengths = np.array([len(ln.fact.text.split()) for ln in lines])
    closeness = np.zeros(len(lines), dtype=np.float32)
    open_ = np.ones(len(lines), dtype=bool)
    # Per line: is it a lead candidate, and which story (index) it belongs to. A story's lead
    # candidates are consecutive, best first, so the first open one is the story's pick.
    is_lead = np.array([ln.is_lead for ln in lines])
    story_index = {id(story): n for n, story in enumerate(stories)}
    owner = np.array([story_index[id(ln.story)] for ln in lines])
    started_mask = np.zeros(len(stories), dtype=bool)
    started: dict[int, list[Group]] = {}  # id(story) -> chosen lines, lead first
    order: list[Story] = []
    words = 0

    def eligible() -> np.ndarray:
        open_[lengths > budget_words - words] = False
        open_[closeness >= redundancy_cutoff] = False
        ready = ~is_lead & started_mask[owner]
        leads = np.flatnonzero(open_ & is_lead)
        if leads.size:
            _, first = np.unique(owner[leads], return_index=True)
            ready[leads[first]] = True
        return open_ & ready

    def take(k: int) -> None:
        nonlocal words, closeness
        line = lines[k]
        if line.is_lead:
            started[id(line.story)] = [line.fact]
            started_mask[owner[k]] = True
            line.story.lead = line.fact
            order.append(line.story)
            open_[is_lead & (owner == owner[k])] = False  # a story never leads twice
        else:
            started[id(line.story)].append(line.fact)
        words += int(lengths[k])
        open_[k] = False
        # Also closes the line's twin (the same fact as lead and as fact): closeness 1.
        closeness = np.maximum(closeness, vectors @ vectors[k])

    for theme in [*theme_order, CATCHALL_ID]:
        mask = eligible() & np.array([ln.is_lead and ln.story.theme == theme for ln in lines])
        if mask.any():
            take(int(np.argmax(np.where(mask, values, -np.inf))))
    while words < budget_words:
        mask = eligible()
        if not mask.any():
            break
        take(int(np.argmax(np.where(mask, values - weights.mmr * closeness, -np.inf))))
    return [(story, started[id(story)]) for story in order]


# 6. sections ----------------------------------------------------------------------------------


def build_story_sections(chosen: list[tuple[Story, list[Group]]], sentences: list[Sentence],
                         embeddings: np.ndarray, settings: Settings,
                         themed: bool) -> list[Section]:
    titles = {t.id: t.title for t in settings.themes} if themed else {GENERIC_ID: "Summary"}
    titles[CATCHALL_ID] = settings.catchall_title
    order = [t for t in titles if t != CATCHALL_ID] + [CATCHALL_ID]
    sections = []
    for theme in order:
        # The story most outlets report first; the score orders stories of one size.
        stories = sorted(((s, f) for s, f in chosen if s.theme == theme),
                         key=lambda sf: (-len(sf[0].articles), -sf[0].score))
        if not stories:
            continue
        items = [story_item(s, f, sentences, embeddings) for s, f in stories]
        sections.append(Section(theme=theme, title=titles[theme], items=items))
    return sections


def story_item(story: Story, lines: list[Group], sentences: list[Sentence],
               embeddings: np.ndarray) -> Item:
    """The story as an item: the lead cites every article of the story, each with its
    sentence closest to the lead as evidence; facts cite the articles that report them."""
    lead, facts = lines[0], lines[1:]
    evidence = [Evidence(sentences[lead.best].article_id, sentences[lead.best].text)]
    by_article: dict[str, list[int]] = {}
    for i, s in enumerate(sentences):
        if s.article_id in story.articles:
            by_article.setdefault(s.article_id, []).append(i)
    lead_vector = embeddings[lead.best]
    for aid in story.articles:
        if aid == evidence[0].article:
            continue
        rows = by_article[aid]
        closest = rows[int(np.argmax(embeddings[rows] @ lead_vector))]
        evidence.append(Evidence(aid, sentences[closest].text))
    return Item(text=lead.text, sources=[e.article for e in evidence], evidence=evidence,
                theme=story.theme, score=story.score,
                facts=[fact_of(f, sentences) for f in facts])


def fact_of(group: Group, sentences: list[Sentence]) -> Fact:
    """A supporting fact: its wording's sentence first, then one sentence per other article."""
    members = [group.best] + [m for m in group.members if m != group.best]
    evidence: list[Evidence] = []
    for m in members:
        s = sentences[m]
        if any(e.article == s.article_id for e in evidence):
            continue
        evidence.append(Evidence(s.article_id, s.text))
    return Fact(text=group.text, sources=[e.article for e in evidence], evidence=evidence)


__all__ = ["StoryWeights", "STORY_WEIGHTS", "compose_stories", "group_articles",
           "standalone_quality"]
