"""HTML fragments (feed summaries, titles) to plain text, without running or fetching anything."""

from __future__ import annotations

import re
from html.parser import HTMLParser

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
