"""Article pages: a fetched web page as a raw document (for `url:` sources and the pages
feed entries link to)."""

from __future__ import annotations

from typing import Any

from briefing.errors import InputError
from briefing.records import RawDocument
from briefing.sources.fetch import FetchResult

_HTML_MEDIA = {"text/html", "application/xhtml+xml"}
_TEXT_MEDIA = {"text/plain": "text/plain", "text/markdown": "text/markdown"}
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, text/plain;q=0.8, */*;q=0.5"




def page_document(result: FetchResult, origin: str, **meta: Any) -> RawDocument:
    """A fetched page as a RawDocument; InputError if it is not text (an image, a PDF …)."""
    media = result.media_type
    if media in _HTML_MEDIA or media is None and _sniff_html(result.content):
        media_type = "text/html"
    elif media in _TEXT_MEDIA:
        media_type = _TEXT_MEDIA[media]
    else:
        raise InputError(origin, f"not an article page (the server sent {media or 'no type'})")
    meta = dict(meta)
    meta["url"] = meta.get("url") or result.final_url
    return RawDocument(origin=origin, content=result.content, media_type=media_type,
                       encoding=result.charset, **meta)






def _sniff_html(content: bytes) -> bool:
    head = content[:2000].lower()
    return b"<html" in head or b"<!doctype html" in head or b"<body" in head
