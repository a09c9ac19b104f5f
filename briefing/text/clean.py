"""The clean stage: a raw document (bytes and where they came from) to an Article."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import PurePath

from briefing.errors import InputError, shown
from briefing.records import Article, RawDocument
from briefing.text.boilerplate import strip_boilerplate
from briefing.text.html import html_fragment_text
from briefing.text.invisible import remove_format_characters
from briefing.text.language import detect_language, language_name
from briefing.text.patterns import MONTH, YEAR
from briefing.text.repair import UndecodableError, decode_bytes, repair_text
from briefing.text.sentences import is_heading
from briefing.text.wire import (
    clean_wire_title,
    stamp_date,
    strip_site_name,
    strip_wire_copy,
)
from briefing.urls import web_url

# Fewer words with letters than this (title and text together) carry no news: "Video",
# "Live updates", "Photo gallery".
MIN_CONTENT_WORDS = 3


_CONTENT_WORD = re.compile(r"[^\W\d_]{2,}")


_LEADING_ADVERBIAL = re.compile(
    r"^(In|On|At|During|After|Before|Between|As|Over|Since|Following|Amid|Late|Early)\b[^,]{0,60},\s+"
)


def clean_document(raw: RawDocument, language: str = "en") -> Article:
    """Turn one raw document into an Article, or raise InputError saying why it is unusable.

    1. decode the bytes (binary or undecodable input is rejected);
    2. extract article text from HTML or JSON, keeping the title, URL and date they carry;
    3. repair mojibake;
    4. strip boilerplate: footers, captions and credits, media placeholders, source lines
       (a date stamp above the story dates an article that has no date);
    5. check it is an article in the briefing's language with some news in it (a headline
       alone, or a headline and a sentence or two, is a brief: an article of one fact);
    6. take the title from the document or make one from its first sentence;
    7. id the article by a hash of its cleaned text.
    """
    if not raw.content.strip():
        raise InputError(raw.origin, "empty file" if raw.path else "empty document")
    declared = raw.encoding
    if declared is None and raw.media_type == "text/html":
        declared = _meta_charset(raw.content)
    try:
        text, _encoding = decode_bytes(raw.content, declared)
    except UndecodableError as exc:
        raise InputError(raw.origin, str(exc)) from None

    title, url, published, source_name = raw.title, raw.url, raw.published, raw.source_name
    if raw.media_type == "text/html" or (raw.media_type == "text/plain" and _looks_like_html(text)):
        extracted = _extract_html(text, raw.origin, url)
        text = extracted.pop("text")
        title = title or extracted.get("title")
        url = url or extracted.get("url")
        published = published or extracted.get("date")
        source_name = source_name or extracted.get("sitename")
    elif raw.media_type == "application/json":
        fields = _extract_json(text, raw.origin)
        text = fields["text"]
        title = title or fields.get("title")
        url = url or fields.get("url")
        published = published or fields.get("published")
        source_name = source_name or fields.get("source")

    published, date_note = readable_published(published)
    text, repairs = repair_text(text)
    # Bidi overrides and zero-width characters change what a reader sees: never published
    # (removed once the mojibake repair may have brought some back: "â€‹" is U+200B).
    text = remove_format_characters(text)
    source_name = remove_format_characters(source_name) if source_name else source_name
    notes = [f"repaired {repairs} mojibake sequence(s)"] if repairs else []
    notes += [date_note] if date_note else []
    paragraphs, removed = strip_boilerplate(text)
    published = published or stamp_date(paragraphs)  # "Tuesday, July 7, 2009" above the text
    paragraphs, wire_notes = strip_wire_copy(paragraphs)  # datelines, bylines, desk notes
    notes += removed + wire_notes

    if title is None and paragraphs and is_heading(paragraphs[0]) and len(paragraphs) > 1:
        title = paragraphs.pop(0)
    if title is not None:
        title, _ = repair_text(" ".join(title.split()))
        title = remove_format_characters(title)
        title = clean_wire_title(title) or title
        title = strip_site_name(title, [source_name, raw.source_name])
        if len(paragraphs) > 1 and paragraphs[0].strip() == title.strip():
            paragraphs.pop(0)
        if not paragraphs and title:
            paragraphs = [title]  # a headline alone is the news

    body = "\n\n".join(paragraphs)
    if not body.split():
        raise InputError(raw.origin, "no article text left after removing site boilerplate")
    content = len(_CONTENT_WORD.findall(body if title in (None, body) else f"{title} {body}"))
    if content < MIN_CONTENT_WORDS:
        raise InputError(raw.origin, f"no news in it ({content} word(s) of text)")
    detected = detect_language(body)
    if detected and detected != language:
        raise InputError(raw.origin, f"written in {language_name(detected)}, not in the "
                                     f"briefing's language ({language_name(language)})")

    generated = False
    if not title:
        title, generated = make_title(paragraphs), True
    article_id = content_id(body)
    return Article(
        id=article_id,
        title=title,
        source=source_name or _source_from(raw),
        text=body,
        url=url,
        path=raw.path,
        published=published,
        title_generated=generated,
        origin=raw.origin,
        entry_key=raw.entry_key,
        notes=notes,
    )


NOT_A_DATE = "its published value"  # how a note on a published value that is no date opens


def readable_published(value: object) -> tuple[str | None, str | None]:
    """``value`` as an article's published date, or (None, a note saying why not).

    A date is kept as written when it is ISO 8601 or carries a year with a month (by name or
    in digits: "Fri, 21 Jan 2022", "21/01/2022"). What a careless export puts there instead
    ("nan", "inf", "True", a bare number such as a Unix time) is no date: shown in the
    source list, it would read as one."""
    if value is None:
        return None, None
    text = " ".join(str(value).split())
    if not text:
        return None, None
    try:
        datetime.fromisoformat(text)
        return text, None
    except ValueError:
        pass
    if YEAR.search(text) and (MONTH.search(text) or _NUMERIC_DAY_MONTH.search(text)):
        return text, None
    return None, f"{NOT_A_DATE} {shown(text)} is not a date; the article is taken as undated"


_NUMERIC_DAY_MONTH = re.compile(r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b"  # 21/01/2022
                                r"|\b\d{4}[./-]\d{1,2}[./-]\d{1,2}\b")  # 2022/01/21


def content_id(text: str) -> str:
    """Stable id: the same cleaned text (ignoring white space and case) is the same article."""
    normal = " ".join(text.split()).casefold()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:16]


def make_title(paragraphs: list[str], max_words: int = 12) -> str:
    """A title for an untitled article: its first sentence, without a leading time phrase,
    cut at a clause boundary near ``max_words``."""
    first = next((p for p in paragraphs if not is_heading(p)), paragraphs[0])
    sentence = re.split(r"(?<=[.!?])\s+(?=[A-Z“\"])", first, maxsplit=1)[0].rstrip(".")
    sentence = _LEADING_ADVERBIAL.sub("", sentence)
    sentence = sentence[:1].upper() + sentence[1:]
    words = sentence.split()
    if len(words) <= max_words:
        return sentence
    cut = words[:max_words]
    # End on a content word, not "of", "the", "and", etc.
    while cut and cut[-1].lower().strip(",;") in _STOP_END:
        cut.pop()
    return " ".join(cut).rstrip(",;:") + "…"


_STOP_END = {"a", "an", "the", "of", "in", "on", "at", "to", "for", "and", "or", "but", "with",
             "by", "from", "as", "that", "which", "who", "its", "their", "his", "her", "more",
             "than", "part", "over", "into", "is", "are", "was", "were"}


def _source_from(raw: RawDocument) -> str:
    url = web_url(raw.url)
    if url:
        from urllib.parse import urlsplit

        return (urlsplit(url).hostname or url).removeprefix("www.")
    return PurePath(raw.path or raw.origin).name


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return "<html" in head or "<!doctype html" in head or ("<body" in head and "</p>" in text)


# Widgets inside the article's own paragraphs, which trafilatura keeps as prose; pruned from
# the page before extraction (the tail text after them stays).
# - A hover card: a person's name links to a card (photo, full name, latest headlines) that
#   the page's CSS hides until hover; in the text it runs into the sentence ("Gov. Kristi
#   NoemKristi Lynn NoemSouth Dakota governor doubles down …"). The card is the innermost
#   span in a paragraph that holds an image and two or more links and no words of its own;
#   prose in a paragraph has words between its links, and an inline image has no link list.
_INLINE_WIDGETS = [
    "//p//span[.//img][count(.//a) >= 2][not(text()[normalize-space()])]"
    "[not(.//span[.//img][count(.//a) >= 2])]",
]


def _extract_html(html: str, origin: str, url: str | None) -> dict:
    data = _trafilatura(html, origin, url)
    if data is None:
        # libxml2 stops building the tree 256 elements deep, so an article inside deeper
        # wrappers is simply not there. Read it without the wrapping tags (div, span,
        # section …; their text stays), or say why nothing was found.
        depth = markup_depth(html)
        if depth <= MAX_MARKUP_DEPTH:
            raise InputError(origin, "no article text found in the HTML page")
        data = _trafilatura(_WRAPPER_TAG.sub("", html), origin, url)
        if data is None:
            raise InputError(origin, f"no article text found in the HTML page: its markup "
                                     f"nests {depth} elements deep, past the HTML parser's "
                                     f"limit of {MAX_MARKUP_DEPTH}, even without its wrappers")
    return data


def _trafilatura(html: str, origin: str, url: str | None) -> dict | None:
    import trafilatura  # heavy import, only when HTML arrives

    try:
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True,
                                          include_comments=False, include_tables=False,
                                          favor_precision=True, prune_xpath=_INLINE_WIDGETS)
    except Exception as exc:  # trafilatura raises assorted errors on broken markup
        raise InputError(origin, f"could not parse HTML ({type(exc).__name__})") from None
    if doc is None:
        return None
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = data.get("text") or ""
    if not text.strip():
        return None
    return {"text": text, "title": data.get("title"), "url": data.get("url"),
            "date": data.get("date"), "sitename": data.get("sitename")}


# libxml2's HTML parser builds no element deeper than 256 (its XML_PARSE_HUGE lifts that,
# and trafilatura does not ask for it); past this many levels part of the page is lost.
MAX_MARKUP_DEPTH = 255

_TAG = re.compile(r"<(/?)([A-Za-z][\w:-]*)[^>]*?(/?)>")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# Tags that can go without losing a word: the text inside them stays, only the structure
# around it goes (list items and table cells run together). Used only on a page too deep to
# read otherwise, where the choice is between that and nothing.
_WRAPPER_TAG = re.compile(r"</?(?:div|span|section|font|center|main|aside|nav|header|footer|"
                          r"figure|table|tbody|thead|tr|td|th|ul|ol|li|dl|dd|dt|b|i|em|"
                          r"strong|u|small|big)\b[^>]*>", re.IGNORECASE)


def markup_depth(html: str) -> int:
    """How deep the page's elements nest (tags counted as written; void elements and
    self-closed tags add nothing)."""
    depth = deepest = 0
    for closing, name, self_closed in _TAG.findall(html):
        if closing:
            depth = max(depth - 1, 0)
        elif not self_closed and name.lower() not in _VOID:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def _extract_json(text: str, origin: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(origin, f"invalid JSON ({exc.msg} at line {exc.lineno})") from None
    except (ValueError, RecursionError) as exc:  # nesting too deep, a 5000-digit number
        raise InputError(origin, f"invalid JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise InputError(origin, "JSON article must be an object with a 'text' field")
    body = next((data[k] for k in ("text", "body", "content", "article") if
                 isinstance(data.get(k), str)), None)
    if not body:
        raise InputError(origin, "JSON article has no 'text' (or 'body', 'content') string")
    if "<" in body and _looks_like_fragment(body):
        body = html_fragment_text(body)  # CMS exports often hold the body as HTML

    def opt(*keys: str) -> str | None:
        return next((str(data[k]) for k in keys if isinstance(data.get(k), str | int | float)
                     and str(data[k]).strip()), None)

    return {"text": body, "title": opt("title", "headline"), "url": opt("url", "link"),
            "published": opt("published", "date", "published_at"),
            "source": opt("source", "site", "publisher")}


_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""",
                           re.IGNORECASE)


def _meta_charset(content: bytes) -> str | None:
    """The charset a page declares in a <meta> tag (looked for where browsers look)."""
    match = _META_CHARSET.search(content[:4096])
    return match.group(1).decode("ascii") if match else None


def _looks_like_fragment(text: str) -> bool:
    return bool(re.search(r"</?(p|div|br|span|a|em|strong|b|i|li|h[1-6])\b[^>]*>", text,
                          re.IGNORECASE))
