"""The compose stage: sentences with embeddings to themed sections of stories.

In: the articles, their sentences and embeddings, the settings (themes, budget) and the
theme index. Out: ``Section``s of ``Item``s, each a story: a lead that says what happened,
citing every article of the story, and supporting facts, each citing its articles and the
exact source sentences; and the top lines. ``core.compose`` runs the steps in order:

1. ``grouping``: sentences that report one fact (not two that give another toll, date or
   place: ``particulars``); articles that report one event (stories);
2. ``ranking``: each fact's importance inside its story;
3. ``sections.split_by_theme``: stories under their themes, or the catch-all;
4. ``leads``: each story's lead, a sentence that stands alone;
5. ``selection``: leads and facts under the word budget, nothing said twice (MMR), like
   events with their own particulars each said;
6. ``subjects``: chosen stories of one subject (the WeWork inquiry and its layoffs) as one
   item, the more widely reported story leading;
7. ``sections``: sections and items in order, and the top lines.

``weights`` holds every weight, with the corpus that set it. After composing, ``figures``
(key figures), ``timeline`` and ``novelty`` (what is new since the last briefing) add the
briefing's extras.
"""

from briefing.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "themes": "ThemeIndex theme_phrases",
    "core": "compose",
    "figures": "key_figures",
    "novelty": "mark_new",
    "timeline": "timeline",
})
