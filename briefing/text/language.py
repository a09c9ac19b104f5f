"""Which language an article is written in: the script first, then py3langid's model.

The embedding model is English-only, so the pipeline reports articles in another language
rather than summarising them badly; an undecided text (too short, or unlike any language the
model is sure of) is not rejected.

How a text is judged:

1. A non-Latin, non-Cyrillic script that most letters are written in (Greek, Arabic, Hebrew,
   Chinese, Japanese, Korean, Thai, Hindi, Georgian, Armenian) decides by itself: those
   scripts each mean (mostly) one language, their texts may have no spaces to count words
   by, and the model need not be loaded for them.
2. Otherwise the text is Latin or Cyrillic: the one with more letters is its script, and
   words in the other are dropped before the model reads it. py3langid scores UTF-8 byte
   n-grams, and a Cyrillic letter is two bytes, so a single quoted Ukrainian sentence or a
   Russian name spelled in Cyrillic would otherwise weigh twice its share of an English
   article (one long quote was enough to tip a short article to Ukrainian).
3. Fewer than ``min_words`` words left: undecided.
4. py3langid (a naive Bayes model over byte n-grams, shipped inside its wheel) picks among
   the languages in ``_NAMES``, the ones news is commonly written in. Leaving out its
   regional and historic varieties (Nigerian Pidgin, Extremaduran, Walloon, Ancient Greek …)
   keeps near-misses from being reported under a surprising name; a text in a language left
   out is still reported as its nearest neighbour, which is not English. A best guess below
   ``_MIN_CONFIDENCE`` is undecided.

The model (4.5 MB, about half a second to load) is loaded once, on first use, so importing
this module (and ``briefing --help``) stays fast.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

# The candidates handed to py3langid, and the names reported for them (and for the codes
# that the script shortcut gives).
_NAMES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
    "nl": "Dutch", "pt": "Portuguese", "pl": "Polish", "ru": "Russian", "uk": "Ukrainian",
    "be": "Belarusian", "bg": "Bulgarian", "mk": "Macedonian", "sr": "Serbian",
    "hr": "Croatian", "bs": "Bosnian", "sl": "Slovenian", "cs": "Czech", "sk": "Slovak",
    "hu": "Hungarian", "ro": "Romanian", "sq": "Albanian", "el": "Greek", "tr": "Turkish",
    "az": "Azerbaijani", "kk": "Kazakh", "uz": "Uzbek", "ky": "Kyrgyz", "tg": "Tajik",
    "mn": "Mongolian", "sv": "Swedish", "da": "Danish", "no": "Norwegian", "nn": "Norwegian",
    "is": "Icelandic", "fi": "Finnish", "et": "Estonian", "lv": "Latvian",
    "lt": "Lithuanian", "ca": "Catalan", "gl": "Galician", "eu": "Basque", "ga": "Irish",
    "cy": "Welsh", "mt": "Maltese", "af": "Afrikaans", "sw": "Swahili", "id": "Indonesian",
    "ms": "Malay", "tl": "Tagalog", "vi": "Vietnamese", "ar": "Arabic", "he": "Hebrew",
    "fa": "Persian", "ur": "Urdu", "hi": "Hindi", "bn": "Bengali", "ta": "Tamil",
    "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "th": "Thai", "ka": "Georgian",
    "hy": "Armenian",
}
_MIN_CONFIDENCE = 0.5  # py3langid's probability (normalised over the candidates)
_SAMPLE_CHARS = 20000  # an article's opening says its language; the rest only costs time

# Unicode character-name prefixes of scripts that each (mostly) mean one language.
_SCRIPTS = [("GREEK", "el"), ("ARABIC", "ar"), ("HEBREW", "he"), ("HIRAGANA", "ja"),
            ("KATAKANA", "ja"), ("CJK", "zh"), ("HANGUL", "ko"), ("THAI", "th"),
            ("DEVANAGARI", "hi"), ("GEORGIAN", "ka"), ("ARMENIAN", "hy")]
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_CYRILLIC = re.compile(r"[\u0400-\u052f]+")
# Latin letters: ASCII, Latin-1, Extended-A/B, IPA, and Extended Additional (Vietnamese).
_LATIN = re.compile(r"[A-Za-z\u00c0-\u00ff\u0100-\u024f\u1e00-\u1eff]+")

_identifier: LanguageIdentifier | None = None
_identifier_lock = threading.Lock()  # cleaning runs on several threads


def language_name(code: str) -> str:
    """'de' -> 'German (de)'; an unknown code is shown as it is."""
    name = _NAMES.get(code)
    return f"{name} ({code})" if name else code


def detect_language(text: str, min_words: int = 20) -> str | None:
    """Return a language code, or None when the text is too short or the model unsure."""
    sample = text[:_SAMPLE_CHARS]
    script = _dominant_script(sample)
    if script is not None:
        return script
    sample = _one_script(sample)
    if len(_WORD.findall(sample)) < min_words:
        return None
    code, confidence = _model().classify(sample)
    if confidence < _MIN_CONFIDENCE:
        return None
    return "no" if code == "nn" else code  # Nynorsk is Norwegian all the same


def _one_script(text: str) -> str:
    """The text without the words of whichever of Latin and Cyrillic has fewer letters."""
    cyrillic = sum(map(len, _CYRILLIC.findall(text)))
    if not cyrillic:
        return text
    latin = sum(map(len, _LATIN.findall(text)))
    return _LATIN.sub(" ", text) if cyrillic > latin else _CYRILLIC.sub(" ", text)


def preload() -> None:
    """Start loading the model on another thread, if it is not loaded or loading: its
    decompression (most of the half second) runs without the GIL, on the second core,
    while the caller goes on reading and cleaning; the first ``detect_language`` that needs
    the model waits for it."""
    global _preloading
    with _identifier_lock:
        if _identifier is not None or _preloading is not None:
            return
        _preloading = threading.Thread(target=_model, name="langid-load", daemon=True)
        _preloading.start()


_preloading: threading.Thread | None = None


def _model() -> LanguageIdentifier:
    global _identifier
    with _identifier_lock:
        if _identifier is None:
            # Imported here: py3langid pulls in numpy and reads its model, which only
            # checking an article needs.
            from py3langid.langid import LanguageIdentifier

            # The model is built for the candidates only, as set_languages would restrict it,
            # but without keeping the full model beside the restricted one (set_languages
            # keeps it to allow a reset): 26 MB of the 89 MB the model took, held for as long
            # as the process lives (through a whole render of a long article).
            ptc, pc, classes, nextmove, row, output = _load_model()
            keep = [i for i, c in enumerate(classes) if c in _NAMES]
            # norm_probs: classify() returns a probability, which the confidence floor needs.
            _identifier = LanguageIdentifier(
                ptc[:, keep], pc[keep], [classes[i] for i in keep], nextmove, output,
                norm_probs=True, tk_row=row)
        return _identifier


def _load_model() -> tuple:
    """py3langid's model, as its ``load_model`` gives it, but decompressed in memory: its
    loader streams the 68 MB through a temporary file (written to disk, then read back),
    which took about as long again as the decompression. A model file of another layout
    (a later py3langid) is left to py3langid's own loader."""
    import io
    import lzma
    from array import array

    import numpy as np
    from py3langid.langid import MODEL_DIR, MODEL_FILE
    from py3langid.modelio import load_model

    def unsigned(values: np.ndarray) -> array:  # as py3langid keeps its state machine
        out = array({2: "H", 4: "I", 8: "L"}[values.dtype.itemsize])
        out.frombytes(np.ascontiguousarray(values).tobytes())
        return out

    raw = lzma.decompress((MODEL_DIR / MODEL_FILE).read_bytes())
    with np.load(io.BytesIO(raw), allow_pickle=False) as data:
        if not {"ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat"} <= set(data.files):
            return load_model(MODEL_DIR / MODEL_FILE)
        return (data["ptc"], data["pc"], data["classes"].tolist(),
                unsigned(data["nextmove"]), unsigned(data["nextmove_row"]),
                data["out_feat"].tolist())


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
