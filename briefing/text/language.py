"""A small, dependency-free language check: which script, then which common-word list, fits a
text best.

Good enough to tell an English article from a German, French, Spanish, Italian, Dutch,
Portuguese, Polish, Russian or Ukrainian one, or from one in a non-Latin script (Greek,
Arabic, Hebrew, Chinese, Japanese, Korean, Thai, Hindi …), which is all the pipeline needs:
the embedding model is English-only, so other languages are reported rather than summarised
badly.
"""

from __future__ import annotations

import re
import unicodedata

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
    "pl": set("i w na z do się nie że to jest o jak po przez od za dla być który tym "
              "oraz ale są także".split()),
}

_NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
          "nl": "Dutch", "pt": "Portuguese", "pl": "Polish", "ru": "Russian",
          "uk": "Ukrainian", "el": "Greek", "ar": "Arabic", "he": "Hebrew", "zh": "Chinese",
          "ja": "Japanese", "ko": "Korean", "th": "Thai", "hi": "Hindi", "ka": "Georgian",
          "hy": "Armenian"}

# Unicode character-name prefixes of scripts that each (mostly) mean one language.
_SCRIPTS = [("GREEK", "el"), ("ARABIC", "ar"), ("HEBREW", "he"), ("HIRAGANA", "ja"),
            ("KATAKANA", "ja"), ("CJK", "zh"), ("HANGUL", "ko"), ("THAI", "th"),
            ("DEVANAGARI", "hi"), ("GEORGIAN", "ka"), ("ARMENIAN", "hy")]
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def language_name(code: str) -> str:
    """'de' -> 'German (de)'; an unknown code is shown as it is."""
    name = _NAMES.get(code)
    return f"{name} ({code})" if name else code


def detect_language(text: str, min_words: int = 20) -> str | None:
    """Return a language code, or None when the text is too short or unlike any we know."""
    sample = text[:20000]
    script = _dominant_script(sample)
    if script is not None:
        return script
    words = [w.lower() for w in _WORD.findall(sample)]
    if len(words) < min_words:
        return None
    cyrillic = sum(1 for w in words if "\u0400" <= w[0] <= "\u04ff")
    if cyrillic > len(words) * 0.5:
        return "uk" if any(ch in sample for ch in "їєґі") else "ru"
    scores = {lang: sum(1 for w in words if w in stops) / len(words)
              for lang, stops in _STOPWORDS.items()}
    best = max(scores, key=scores.__getitem__)
    if scores[best] < 0.05:
        return None  # no common words at all: a list, a table, or a language we do not know
    return best


_BEYOND_LATIN = re.compile(r"[^\x00-\u036f]")


def _dominant_script(text: str, min_letters: int = 40) -> str | None:
    """A non-Latin, non-Cyrillic script that most letters are written in (those scripts'
    texts may have no spaces, so they are judged by letters, not words)."""
    # Latin (with its accents) needs no lookup: only characters from U+0370 on are named.
    beyond_latin = [ch for ch in _BEYOND_LATIN.findall(text) if ch.isalpha()]
    if not beyond_latin:
        return None
    letters = sum(1 for ch in text if ch.isalpha())
    counts: dict[str, int] = {}
    for ch in beyond_latin:
        name = unicodedata.name(ch, "")
        for prefix, code in _SCRIPTS:
            if name.startswith(prefix):
                counts[code] = counts.get(code, 0) + 1
                break
    if letters < min_letters or not counts:
        return None
    if counts.get("ja", 0) > letters * 0.05 and counts["ja"] + counts.get("zh", 0) > letters * 0.5:
        return "ja"  # Japanese mixes kana with Chinese characters
    code = max(counts, key=counts.__getitem__)
    return code if counts[code] > letters * 0.5 else None
