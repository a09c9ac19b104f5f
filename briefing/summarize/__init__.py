"""Summarizers: the composed items' final wording.

In: composed sections and the settings. Out: the same sections, each item's text either the
extractive wording (default) or a local seq2seq model's, which is kept only when it passes
the faithfulness ``guard`` (numbers, dates, names, negation, completeness, similarity).
Summarizers are picked by name from ``summarizers.SUMMARIZERS``.
"""

from briefing.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "summarizers": "SUMMARIZERS Summarizer apply_summarizer check_model get_summarizer "
                   "summarizer_stats",
    "guard": "check_text review",
})
