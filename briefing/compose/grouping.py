"""Grouping: sentences that report one fact, and articles that report one event (a story)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from briefing.analyse.neighbours import find_pairs
from briefing.compose.particulars import different_particulars
from briefing.config import CATCHALL_ID
from briefing.records import Article, Sentence
from briefing.text.patterns import (
    DATE,
    NUMBER,
    NUMBER_WORD,
    NUMBER_WORDS,
    WEEKDAY,
    YEAR,
    YESTERDAY,
    name_words,
)
from briefing.text.standalone import announces_or_lists, is_fragment, unbalanced_quotes

SAME_ARTICLE_MARGIN = 0.1  # two sentences of one article must be this much closer to merge


@dataclass
class Group:
    members: list[int]  # sentence indices
    centroid: np.ndarray
    theme: str = CATCHALL_ID
    theme_score: float = 0.0
    score: float = 0.0
    best: int = -1
    text: str = ""
    articles: list[str] = field(default_factory=list)
    # Every usable member and its in-story value, best first (``ranking.score_facts``):
    # the other outlets' wordings of the fact, which selection may show instead.
    wordings: list[tuple[int, float]] = field(default_factory=list)


def unit(vector: np.ndarray) -> np.ndarray:
    """``vector`` scaled to length 1 (a zero vector stays zero)."""
    return vector / max(float(np.linalg.norm(vector)), 1e-9)


def unit_mean(rows: np.ndarray) -> np.ndarray:
    """The centroid of unit vectors, itself of length 1: what cosine compares."""
    return unit(rows.mean(axis=0))


def neighbour_table(n: int, left: np.ndarray, right: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Each node's neighbours, in ascending order, from the pairs (left[k], right[k]) as
    ``find_pairs`` gives them (left < right, sorted by left then right): node i's are
    ``partners[start[i]:start[i + 1]]``. One sort of the pairs, not a loop over them, and
    arrays, not lists: a big day's fact pairs are millions, which as lists of Python ints
    took some 160 MB and a second to build; as arrays, 32 MB."""
    by_right = np.argsort(right, kind="stable")
    # Each node's entries: the lefts of the pairs it ends (below it, in order), then the
    # rights of the pairs it starts (above it, in order). The owners are two sorted runs,
    # which a stable sort merges keeping that order.
    owners = np.concatenate((right[by_right], left))
    partners = np.concatenate((left[by_right], right))
    order = np.argsort(owners, kind="stable")
    return np.searchsorted(owners[order], np.arange(n + 1)), partners[order]


def star_clusters(start: np.ndarray, partners: np.ndarray, order: list[int]
                  ) -> list[list[int]]:
    """Star clustering over a ``neighbour_table``: in ``order`` (most connected first), each
    node not yet taken seeds a cluster with its neighbours not yet taken (in ascending
    order). Used for facts (sentences) and for stories (articles)."""
    taken = np.zeros(len(start) - 1, dtype=bool)
    clusters: list[list[int]] = []
    for seed in order:
        if taken[seed]:
            continue
        around = partners[start[seed]:start[seed + 1]]
        around = around[~taken[around]]
        taken[seed] = True
        taken[around] = True
        clusters.append([seed, *around.tolist()])
    return clusters


def group_sentences(sentences: list[Sentence], embeddings: np.ndarray,
                    threshold: float) -> list[Group]:
    """Star clustering: the most connected unassigned sentence seeds a group and takes its
    unassigned neighbours above the threshold. Unlike single linkage it does not chain
    loosely related sentences into one blob."""
    n = len(sentences)
    pairs = find_pairs(embeddings, threshold)
    left, right = pairs.left, pairs.right
    article_ids = list(dict.fromkeys(s.article_id for s in sentences))
    number = {aid: k for k, aid in enumerate(article_ids)}
    article = np.array([number[s.article_id] for s in sentences], dtype=np.int64)
    # Neighbouring sentences of one article share names and topic without saying the
    # same thing; a live blog repeating itself is much closer than that.
    strict = threshold + SAME_ARTICLE_MARGIN
    same = np.nonzero(article[left] == article[right])[0]
    apart = [k for k, i, j in zip(same.tolist(), left[same].tolist(), right[same].tolist(),
                                  strict=True)
             if float(embeddings[i] @ embeddings[j]) < strict]
    # Alike, but another toll, place or date: two events, not one fact (two bus crashes, each
    # with its own toll and town). Asked only of the pairs above the threshold.
    apart += [k for k, i, j in zip(range(len(left)), left.tolist(), right.tolist(), strict=True)
              if different_particulars(sentences[i].text, sentences[j].text)]
    if apart:
        keep = np.ones(len(left), dtype=bool)
        keep[apart] = False
        left, right = left[keep], right[keep]
    start, partners = neighbour_table(n, left, right)
    # Degree counts distinct other articles first: a fact many sources report seeds first.
    # (node, other article) pairs, each once, counted per node.
    nodes = np.concatenate((left, right))
    others = article[np.concatenate((right, left))]
    outside = others != article[nodes]
    seen = np.sort(nodes[outside] * len(article_ids) + others[outside])
    seen = seen[np.concatenate(([True], seen[1:] != seen[:-1]))] if len(seen) else seen
    other_articles = np.bincount(seen // len(article_ids), minlength=n).tolist()
    degree = list(zip(other_articles, np.diff(start).tolist(), strict=True))
    order = sorted(range(n), key=degree.__getitem__, reverse=True)
    groups = [Group(members=sorted(members), centroid=unit_mean(embeddings[members]))
              for members in star_clusters(start, partners, order)]
    for g in groups:
        g.articles = list(dict.fromkeys(sentences[m].article_id for m in g.members))
    return groups


OPENING_SENTENCES = 3  # an article's first sentences: where the inverted pyramid puts the event


def story_names(text: str) -> frozenset[str]:
    """The names two articles must share to be one story (``name_words``), number words
    left out: a capitalised "Five" or "Twenty-one" opens many reports of many events ("Five
    gunmen … are killed" and "Five people are killed … Houthi" were one WCEP story)."""
    return frozenset(w for w in name_words(text) if w not in NUMBER_WORDS)


@dataclass
class Story:
    articles: list[str]  # article ids
    centroid: np.ndarray
    core: np.ndarray | None = None  # centroid of the articles' opening sentences
    features: list[str] = field(default_factory=list)  # joined by later lines: hooks first
    facts: list[Group] = field(default_factory=list)
    score: float = 0.0
    theme: str = CATCHALL_ID
    theme_score: float = 0.0
    lead: Group | None = None
    lead_options: list[tuple[Group, float]] = field(default_factory=list)  # (fact, value)
    outlets: int = 0  # distinct outlets among its articles (compose.outlets); 0: not counted


def rows_by_article(sentences: list[Sentence]) -> dict[str, list[int]]:
    """Article id -> its sentences' rows, in order: built once per compose and shared by the
    steps that look at a story's articles (grouping, leads' figures, the items' evidence)."""
    rows: dict[str, list[int]] = {}
    for i, s in enumerate(sentences):
        rows.setdefault(s.article_id, []).append(i)
    return rows


def group_articles(articles: list[Article], sentences: list[Sentence], embeddings: np.ndarray,
                   threshold: float, rows: dict[str, list[int]] | None = None
                   ) -> list[Story]:
    """Articles reporting one event, grouped by star clustering over thresholded neighbour
    pairs of their openings' embeddings (no N×N matrix), keeping a pair only when the two
    openings share a name or place: "a ferry sank" in two different seas is two stories.
    Then a lone article that opens with a hook may join a story (``join_late_openings``).
    ``rows``: ``rows_by_article(sentences)``, when the caller has it."""
    by_article = rows if rows is not None else rows_by_article(sentences)
    ids = [a.id for a in articles if a.id in by_article]
    listed = set(ids)
    ids += [aid for aid in by_article if aid not in listed]
    vectors = np.zeros((len(ids), embeddings.shape[1]), dtype=np.float32)
    opening_names: list[set[str]] = []
    for k, aid in enumerate(ids):
        opening = by_article[aid][:OPENING_SENTENCES]
        vectors[k] = unit_mean(embeddings[opening])
        opening_names.append(set().union(*(story_names(sentences[i].text) for i in opening)))
    pairs = find_pairs(vectors, threshold)
    keep = _share_a_name(opening_names, pairs.left, pairs.right)
    start, partners = neighbour_table(len(ids), pairs.left[keep], pairs.right[keep])
    degree = np.diff(start).tolist()
    order = sorted(range(len(ids)), key=degree.__getitem__, reverse=True)
    clusters = star_clusters(start, partners, order)
    clusters, joined = join_late_openings(clusters, ids, by_article, sentences, embeddings,
                                          vectors, threshold)
    stories: list[Story] = []
    for members in clusters:
        members.sort()
        rows = [i for m in members for i in by_article[ids[m]]]
        # The story's core is what its articles open with: a joined feature's hook is not.
        leads = [m for m in members if m not in joined] or members
        core = unit_mean(embeddings[[by_article[ids[m]][0] for m in leads]])
        stories.append(Story(articles=[ids[m] for m in members],
                             centroid=unit_mean(embeddings[rows]), core=core,
                             features=[ids[m] for m in members if m in joined]))
    return stories


LATE_OPENING_SENTENCES = 8  # a feature's news ("nut graf") comes within its first lines
_WINDOW_BLOCK = 512  # windows compared with every opening at once (512 × 10,000: 20 MB)


def opens_with_a_hook(first: str) -> bool:
    """Whether an article's first line is a feature's hook, not a news lead: it states no
    figure, date, day or source ("A soothing pillow and warm duvet might not always lead to
    better rest.", "The peal of church bells rang out as …"), where a news lead says what
    happened when, how many, or who says so ("Ten people were killed … Wednesday", "…,
    authorities said"). A broken, announcing or half first line cannot lead either."""
    if unbalanced_quotes(first) or announces_or_lists(first) or is_fragment(first):
        return True
    return not any(p.search(first) for p in _ANCHORS)


# What a news lead states and a hook does not: a figure, a date or day, a source, or an
# event in the present perfect, news's tense for what has just happened ("… has arrived in
# London and been arrested", "Survivors … have urged the British public …"; not "has been"
# alone: "Getting to the Moon, while not easy, has been done.").
_ANCHORS = (NUMBER, NUMBER_WORD, DATE, WEEKDAY, YEAR, YESTERDAY,
            re.compile(r"\b(?:said|says|say|told|according to|announced|reported|confirmed)\b",
                       re.IGNORECASE),
            re.compile(r"\b(?:has|have)\s+(?:(?:not|also|now|just|already|finally|reportedly)"
                       r"\s+)?(?:been\s+)?(?:[a-z]+ed|(?!been\b)[a-z]+en|begun|won|lost|made|found|sent|"
                       r"held|left|led|set|put|cut|struck|hit|met|told|brought|caught|fought|"
                       r"sought|come|gone|run|shut|sunk|flown|known|stood|drawn|grown|thrown)\b",
                       re.IGNORECASE))


def join_late_openings(clusters: list[list[int]], ids: list[str],
                       by_article: dict[str, list[int]], sentences: list[Sentence],
                       embeddings: np.ndarray, openings: np.ndarray,
                       threshold: float) -> tuple[list[list[int]], set[int]]:
    """A feature tells its event a few lines after its hook ("A soothing pillow and warm
    duvet might not always lead to better rest."), so its opening matched no other article.
    An article alone in its cluster that opens with a hook (``opens_with_a_hook``) joins the
    story of the article whose opening is closest to a run of OPENING_SENTENCES consecutive
    lines within its first LATE_OPENING_SENTENCES, when that closeness is what makes two
    openings one story and the two articles share a name. Articles that open with a news
    lead never move: each development of an event keeps its own story. Returns the clusters
    and the articles that joined one (their hooks are not facts)."""
    cluster_of = {m: k for k, c in enumerate(clusters) for m in c}
    alone = [c[0] for c in clusters if len(c) == 1
             and opens_with_a_hook(sentences[by_article[ids[c[0]]][0]].text)]
    windows: list[np.ndarray] = []
    owner: list[int] = []
    for m in alone:
        rows = by_article[ids[m]][:LATE_OPENING_SENTENCES]
        for start in range(1, len(rows) - OPENING_SENTENCES + 1):
            windows.append(unit_mean(embeddings[rows[start:start + OPENING_SENTENCES]]))
            owner.append(m)
    if not windows:
        return clusters, set()
    # The windows are few (a day's lone features), so each block of them is compared with
    # every opening directly: no N×N matrix, and the openings' own pairs are not searched
    # again.
    stacked = np.asarray(windows, dtype=np.float32)
    targets: list[np.ndarray] = []
    sources: list[np.ndarray] = []
    for start in range(0, len(stacked), _WINDOW_BLOCK):
        close = stacked[start:start + _WINDOW_BLOCK] @ openings.T >= threshold
        w, target = np.nonzero(close)
        sources.append(w + start)
        targets.append(target)
    known: dict[int, set[str]] = {}

    def names_of(m: int) -> set[str]:  # a hook names little at first: the whole article
        if m not in known:
            known[m] = set().union(*(story_names(sentences[i].text)
                                     for i in by_article[ids[m]]))
        return known[m]

    best: dict[int, tuple[float, int]] = {}  # hook -> (closeness, article it joins)
    for target, w in zip(np.concatenate(targets).tolist(), np.concatenate(sources).tolist(),
                         strict=True):
        m = owner[w]
        closeness = float(openings[target] @ stacked[w])
        if (target != m and closeness > best.get(m, (-1.0, -1))[0]
                and names_of(m) & names_of(target)):
            best[m] = (closeness, target)
    # Each hook adds one link; the clusters they connect (hooks may lead to hooks) merge.
    parent = list(range(len(clusters)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for m, (_, target) in best.items():
        parent[root(cluster_of[m])] = root(cluster_of[target])
    merged: dict[int, list[int]] = {}
    for k, c in enumerate(clusters):
        merged.setdefault(root(k), []).extend(c)
    return list(merged.values()), set(best)


def _share_a_name(names: list[set[str]], left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """For each pair (left[k], right[k]) (sorted by left), whether the two name sets share a
    name. A big day's openings are millions of pairs, so each name is a bit row over the
    articles (only names two articles share), and each article's pairs are looked up at once
    in the OR of its names' rows."""
    count: dict[str, int] = {}
    for found in names:
        for name in found:
            count[name] = count.get(name, 0) + 1
    row = {name: r for r, name in enumerate(n for n, c in count.items() if c > 1)}
    bits = np.zeros((len(row), (len(names) + 7) // 8), dtype=np.uint8)
    for k, found in enumerate(names):
        for name in found:
            if name in row:
                bits[row[name], k >> 3] |= np.uint8(1 << (k & 7))
    keep = np.zeros(len(left), dtype=bool)
    starts = np.searchsorted(left, np.arange(len(names) + 1))
    for a, found in enumerate(names):
        begin, end = starts[a], starts[a + 1]
        rows = [row[name] for name in found if name in row]
        if begin == end or not rows:
            continue
        mask = np.bitwise_or.reduce(bits[rows], axis=0)
        others = right[begin:end]
        keep[begin:end] = (mask[others >> 3] >> (others & 7).astype(np.uint8)) & 1
    return keep


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
