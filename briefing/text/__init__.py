"""Text: decoding, repair and cleaning, language, sentences, and the shared text patterns.

In (the clean stage, ``clean.clean_document``): a ``RawDocument``. Out: an ``Article`` with
decoded and repaired text, a title, source, URL, date and a stable id (a content hash), its
site junk removed; or an ``InputError`` saying why the document cannot be used.

- ``repair``: bytes to text (BOMs, declared and guessed code pages) and mojibake repair;
- ``html``: HTML fragments to plain text; ``boilerplate``: footers, prompts, captions out;
- ``language``: which language a text is in; ``sentences``: splitting and candidates;
- ``patterns``: the regular expressions several stages share (sentence ends, dates, numbers,
  names), written once.
"""

from briefing.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "sentences": "article_sentences split_sentences",
    "clean": "clean_document content_id",
    "repair": "decode_bytes repair_text",
    "language": "detect_language language_name",
})
