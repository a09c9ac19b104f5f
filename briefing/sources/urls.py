"""`url:` sources: one article page, or the entries of a feed when the URL serves one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from briefing.config import Settings, Source
from briefing.errors import InputError
from briefing.sources.conditional import fetch_changed
from briefing.sources.feeds import feed_then_status
from briefing.sources.fetch import FetchResult
from briefing.sources.files import json_documents
from briefing.sources.pages import PAGE_ACCEPT, page_document
from briefing.sources.records import SourceResult, SourceStatus


def iter_page(source: Source, settings: Settings, store: Any = None,
              known: Any = None) -> Iterator[SourceResult]:
    """A ``url:`` source: one article page (or, if the URL serves a feed, its entries)."""
    result = fetch_changed(source, settings, store, PAGE_ACCEPT)
    if not isinstance(result, FetchResult):
        yield result
        return
    if _is_feed(result):
        yield from feed_then_status(result, source, settings, store)
        return
    if result.media_type == "application/json":
        yield from json_documents(result.content, source.target, source.label, source.name,
                                  url=result.final_url)
    else:
        try:
            yield page_document(result, source.target, source_name=source.name,
                                source_key=source.label)
        except InputError as exc:
            yield exc
            return
    yield SourceStatus(etag=result.etag, last_modified=result.last_modified)


def _is_feed(result: FetchResult) -> bool:
    """A response is a feed when its root element says so (rss, feed, rdf:RDF), or when the
    server calls it RSS or Atom; generic XML types are also used for XHTML pages."""
    if result.media_type in ("application/rss+xml", "application/atom+xml"):
        return True
    return _root_element(result.content) in ("rss", "feed", "rdf:rdf")


def _root_element(content: bytes) -> str | None:
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    # Skip the XML declaration, processing instructions, comments and a doctype.
    head = re.sub(rb"^(\s*(<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>))*\s*", b"", head,
                  flags=re.DOTALL | re.IGNORECASE)
    match = re.match(rb"<([A-Za-z_][\w:.-]*)", head)
    return match.group(1).decode("ascii").lower() if match else None
