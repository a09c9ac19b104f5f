"""Summarizers: the composed items' final wording.

In: composed sections and the settings. Out: the same sections, each item's text either the
extractive wording (default) or a local seq2seq model's, which is kept only when it passes
the faithfulness ``guard`` (numbers, dates, names, negation, completeness, similarity).
Summarizers are picked by name from ``summarizers.SUMMARIZERS``.
"""

from briefing.lazy import lazy_exports

_EXPORTS = {
    "SUMMARIZERS": "summarizers",
    "Summarizer": "summarizers",
    "apply_summarizer": "summarizers",
    "check_model": "summarizers",
    "check_text": "guard",
    "get_summarizer": "summarizers",
    "review": "guard",
    "summarizer_stats": "summarizers",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
