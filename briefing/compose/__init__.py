"""The compose stage: sentences with embeddings to themed sections of cited items.

In: the articles, their sentences and embeddings, the settings (themes, budget) and the
theme index. Out: ``Section``s of ``Item``s, each citing its articles and the exact source
sentences, and the top lines. ``core.compose`` runs the steps in order:

1. ``grouping``: sentences that report the same fact, across and within articles;
2. ``themes`` / ``sections.assign_themes``: each group under its theme, or the catch-all;
3. ``ranking``: importance (sources, centrality, information, position);
4. ``wording``: each group's best wording, made to stand alone;
5. ``selection``: items under the word budget without redundancy (MMR);
6. ``sections``: sections and items in order, and the top lines.

After composing, ``figures`` (key figures), ``timeline`` and ``novelty`` (what is new since
the last briefing) add the briefing's extras.
"""

from briefing.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "themes": "ThemeIndex theme_phrases",
    "core": "compose",
    "figures": "key_figures",
    "novelty": "mark_new",
    "timeline": "timeline",
})
