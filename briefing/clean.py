"""Raw documents to clean articles: decode, repair, strip site junk, find or make a title.

Everything removed is removed for a stated reason (kept in ``Article.notes``); a document that
cannot be used at all raises ``InputError`` naming the input and the reason.
"""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import PurePath

from briefing.errors import InputError
from briefing.language import detect_language, language_name
from briefing.models import Article, RawDocument
from briefing.textrepair import UndecodableError, decode_bytes, repair_text
from briefing.wire import strip_wire_copy

MIN_WORDS = 25  # shorter than this is a teaser or a stub, not an article

# Lines that end the article: what follows is comments, related links, or site furniture.
_FOOTER = re.compile(
    r"^(leave a (reply|comment)|related (posts|articles|stories|news|content)|"
    r"(you (may|might) )?(also like|read next)|more from\b|share this( article)?|"
    r"comments?( \(\d+\))?|your email address will not be published|"
    r"sign up for (our|the) newsletter|subscribe to (our|the) newsletter|"
    r"all rights reserved|copyright ©|©\s*\d{4}|tags?:)\b",
    re.IGNORECASE,
)

# Whole lines that are never article text.
_JUNK_LINE = re.compile(
    r"^(sources?|photo|photos|image|images|picture|credit|credits|video|watch|listen|"
    r"read (more|also|next)|also read|see also|advertisement|sponsored|"
    r"click here|follow us|download (our|the) app)\b\s*[:.|-]?|"
    r"(the )?live blog is (now )?closed|thank(s| you) for (joining|following|reading)|"
    r"^here are the updates for\b",
    re.IGNORECASE,
)
# A caption ends with a credit: "[Alex Brandon/Pool via AP]" or "Alexander Ermochenko | Reuters".
_CREDIT_BRACKET = re.compile(r"\[[^\]]{2,80}(/|\bvia\b|\bAP\b|\bAFP\b|Reuters|Getty|EPA|"
                             r"Al Jazeera|Bloomberg|Shutterstock)[^\]]*\]\s*$")
_CREDIT_PIPE = re.compile(r"\b[A-Z][\w.'-]+( [A-Z][\w.'-]+){0,3} \| [A-Z][\w .&'-]{1,40}$")
# Embedded media announced by a sentence ending in a colon, whose embed did not survive.
_MEDIA_WORDS = re.compile(r"\b(video|videos|photo|photos|image|images|picture|pictures|tweet|"
                          r"tweets|watch|footage|clip|podcast|gallery|social media|below)\b",
                          re.IGNORECASE)
_READ_MORE_TAIL = re.compile(r"\s*(Read more( here)?|Read the full story( here)?|"
                             r"Click here[^.]*)\.?\s*$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_LEADING_ADVERBIAL = re.compile(
    r"^(In|On|At|During|After|Before|Between|As|Over|Since|Following|Amid|Late|Early)\b[^,]{0,60},\s+"
)


def clean_document(raw: RawDocument, language: str = "en") -> Article:
    """Turn one raw document into an Article, or raise InputError saying why it is unusable.

    1. decode the bytes (binary or undecodable input is rejected);
    2. extract article text from HTML or JSON, keeping the title, URL and date they carry;
    3. repair mojibake;
    4. strip boilerplate: footers, captions and credits, media placeholders, source lines;
    5. check it is an article in the briefing's language, long enough to summarise;
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

    text, repairs = repair_text(text)
    notes = [f"repaired {repairs} mojibake sequence(s)"] if repairs else []
    paragraphs, removed = strip_boilerplate(text)
    paragraphs, wire_notes = strip_wire_copy(paragraphs)  # datelines, bylines, desk notes
    notes += removed + wire_notes

    if title is None and paragraphs and _is_heading(paragraphs[0]) and len(paragraphs) > 1:
        title = paragraphs.pop(0)
    if title is not None:
        title, _ = repair_text(" ".join(title.split()))
        if paragraphs and paragraphs[0].strip() == title.strip():
            paragraphs.pop(0)

    body = "\n\n".join(paragraphs)
    words = len(body.split())
    if words == 0:
        raise InputError(raw.origin, "no article text left after removing site boilerplate")
    if words < MIN_WORDS:
        raise InputError(raw.origin, f"too short to summarise ({words} words)")
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


def content_id(text: str) -> str:
    """Stable id: the same cleaned text (ignoring white space and case) is the same article."""
    normal = " ".join(text.split()).casefold()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:16]


def strip_boilerplate(text: str) -> tuple[list[str], list[str]]:
    """Return the article's paragraphs without site junk, and notes on what was removed."""
    lines = _unwrap([line.strip() for line in text.split("\n")])
    notes: list[str] = []

    # Footer: everything from the first footer marker on, then headline-like stragglers
    # just above it (related-story links, "based on website materials").
    for i, line in enumerate(lines):
        if line and _FOOTER.match(line) and i >= len(lines) * 0.3:
            notes.append(f"removed footer from '{line[:40]}'")
            lines = lines[:i]
            while lines and (not lines[-1] or not _SENTENCE_END.search(lines[-1])
                             or re.search(r"[?!][A-Z]\w+$", lines[-1])):
                if lines[-1]:
                    notes.append(f"removed trailing link '{lines[-1][:40]}'")
                lines.pop()
            break

    keep: list[str] = []
    block_start = True  # the line follows a blank line
    for i, line in enumerate(lines):
        if not line:
            block_start = True
            continue
        nxt = next((ln for ln in lines[i + 1:i + 2]), "")
        if _JUNK_LINE.search(line):
            notes.append(f"removed '{line[:40]}'")
        elif _CREDIT_BRACKET.search(line) or _CREDIT_PIPE.search(line):
            notes.append(f"removed caption '{line[:40]}'")
            # The photo's alt text sits on the line above, in the same block, unpunctuated.
            if keep and not block_start and not _SENTENCE_END.search(keep[-1]):
                notes.append(f"removed caption '{keep[-1][:40]}'")
                keep.pop()
        elif line.endswith(":") and block_start and not nxt and (
            _MEDIA_WORDS.search(line) or len(line.split()) < 25
        ):
            notes.append(f"removed media placeholder '{line[:40]}'")
        else:
            cleaned = _READ_MORE_TAIL.sub("", line) if _SENTENCE_END.search(line) else line
            if cleaned != line:
                notes.append("removed a 'read more' link")
            keep.append(cleaned)
        block_start = False
    return keep, notes


WRAP_WIDTH = 80  # plain-text mail and .txt exports wrap at 72–80 columns


def _unwrap(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines back into paragraphs.

    A file wrapped at a fixed width (most lines short, many ending mid-sentence) marks its
    paragraphs with blank lines; read line by line, each line would be a fragment
    ("transferred from the main hospital later this week."). Files with one paragraph per
    line, like the seeds, are left as they are.
    """
    text_lines = [ln for ln in lines if ln]
    if len(text_lines) < 4:
        return lines
    short = sum(len(ln) <= WRAP_WIDTH for ln in text_lines)
    follows = [a for a, b in zip(lines, lines[1:], strict=False) if a and b]
    mid_sentence = sum(not _SENTENCE_END.search(a) for a in follows)
    if short < 0.8 * len(text_lines) or mid_sentence < max(2, 0.3 * len(follows)):
        return lines
    joined: list[str] = []
    for line in lines:
        if line and joined and joined[-1]:
            joined[-1] = f"{joined[-1]} {line}"
        else:
            joined.append(line)
    return joined


def make_title(paragraphs: list[str], max_words: int = 12) -> str:
    """A title for an untitled article: its first sentence, without a leading time phrase,
    cut at a clause boundary near ``max_words``."""
    first = next((p for p in paragraphs if not _is_heading(p)), paragraphs[0])
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


def _is_heading(paragraph: str) -> bool:
    words = paragraph.split()
    return 1 <= len(words) <= 25 and not _SENTENCE_END.search(paragraph) or (
        2 <= len(words) <= 20 and paragraph.endswith("?")
    )


def _source_from(raw: RawDocument) -> str:
    if raw.url:
        from urllib.parse import urlsplit

        host = urlsplit(raw.url).hostname or raw.url
        return host.removeprefix("www.")
    return PurePath(raw.path or raw.origin).name


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return "<html" in head or "<!doctype html" in head or ("<body" in head and "</p>" in text)


def _extract_html(html: str, origin: str, url: str | None) -> dict:
    import trafilatura  # heavy import, only when HTML arrives

    try:
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True,
                                          include_comments=False, include_tables=False,
                                          favor_precision=True)
    except Exception as exc:  # trafilatura raises assorted errors on broken markup
        raise InputError(origin, f"could not parse HTML ({type(exc).__name__})") from None
    if doc is None:
        raise InputError(origin, "no article text found in the HTML page")
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = data.get("text") or ""
    if not text.strip():
        raise InputError(origin, "no article text found in the HTML page")
    return {"text": text, "title": data.get("title"), "url": data.get("url"),
            "date": data.get("date"), "sitename": data.get("sitename")}


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


# --- HTML fragments (feed entries, JSON bodies): markup to paragraphs --------------------------

# Elements whose content is never article text: scripts, embeds, captions, furniture.
_SKIPPED_ELEMENTS = {"script", "style", "noscript", "template", "iframe", "object", "embed",
                     "svg", "math", "video", "audio", "picture", "figure", "figcaption",
                     "aside", "nav", "form", "button", "select", "textarea", "head", "title"}
_BLOCK_ELEMENTS = {"p", "div", "section", "article", "header", "footer", "main", "blockquote",
                   "pre", "ul", "ol", "li", "dl", "dt", "dd", "table", "tr", "h1", "h2", "h3",
                   "h4", "h5", "h6", "hr", "address", "details", "summary", "body", "html"}
_VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"}


class _FragmentText(HTMLParser):
    """Collects the text of an HTML fragment: blocks become paragraphs, <br> a line break,
    everything inside a skipped element is dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []  # open skipped elements, innermost last

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIPPED_ELEMENTS and tag not in _VOID_ELEMENTS:
            self.skipping.append(tag)
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK_ELEMENTS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK_ELEMENTS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.skipping:
            while self.skipping and self.skipping.pop() != tag:
                pass
        elif tag in _BLOCK_ELEMENTS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"[ \t\r\n\f]+", " ", data))


def html_fragment_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed entry's content): one paragraph per block.

    The fragment is already the article, so nothing is judged by content here (trafilatura,
    built for whole pages, drops short fragments); junk lines go later, in strip_boilerplate.
    """
    parser = _FragmentText()
    try:
        parser.feed(fragment)
        parser.close()
    except Exception:  # html.parser is lenient, but keep whatever it read on a failure
        pass
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    paragraphs = re.split(r"\n{2,}", "\n".join(lines).strip())
    return "\n\n".join(p.strip("\n") for p in paragraphs if p.strip())
