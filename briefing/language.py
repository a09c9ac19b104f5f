"""A small, dependency-free language check: which common-word list fits a text best.

Good enough to tell an English article from a German, French, Spanish, Italian, Dutch,
Portuguese, Russian or Ukrainian one, which is all the pipeline needs (the embedding model
is English-only, so other languages are reported rather than summarised badly).
"""

from __future__ import annotations

import re

_STOPWORDS: dict[str, set[str]] = {
    "en": set("the of and to in a is that for on with as was by it are from at be this has "
              "have said not will an which were but its their his they who been".split()),
    "de": set("der die und in den von zu das mit sich des auf für ist im dem nicht ein eine "
              "als auch es an werden aus er hat dass sie nach wird bei".split()),
    "fr": set("le la les de des et en du un une est que qui dans pour pas sur au par plus "
              "ce il sont avec ne se aux été cette".split()),
    "es": set("el la los las de del y en un una que es por con para se no su al lo como "
              "más pero sus fue ha este esta".split()),
    "it": set("il lo la gli le di del della e in un una che è per con non si da al sono "
              "come anche più nel alla".split()),
    "nl": set("de het een en van in is dat op te voor met zijn niet aan er die door ook "
              "als bij worden werd naar".split()),
    "pt": set("o a os as de do da dos das e em um uma que é para com não se por mais "
              "como foi mas ao na no".split()),
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def detect_language(text: str, min_words: int = 20) -> str | None:
    """Return a language code, or None when the text is too short to tell."""
    words = [w.lower() for w in _WORD.findall(text[:20000])]
    if len(words) < min_words:
        return None
    cyrillic = sum(1 for w in words if re.match(r"[\u0400-\u04ff]", w))
    if cyrillic > len(words) * 0.5:
        return "uk" if any(ch in text for ch in "їєґі") else "ru"
    scores = {lang: sum(1 for w in words if w in stops) / len(words)
              for lang, stops in _STOPWORDS.items()}
    best = max(scores, key=scores.__getitem__)
    if scores[best] < 0.05:
        return None  # no common words at all: a list, a table, or a language we do not know
    return best
