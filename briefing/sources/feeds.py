"""RSS/Atom feeds to raw documents, one per entry."""

from __future__ import annotations

import calendar
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from briefing.clock import now
from briefing.config import Settings, Source
from briefing.errors import FetchError, InputError, LimitError
from briefing.records import RawDocument
from briefing.sources.budget import current_budget
from briefing.sources.conditional import fetch_changed
from briefing.sources.fetch import FetchResult, fetch
from briefing.sources.pages import PAGE_ACCEPT, page_document
from briefing.sources.records import SourceResult, SourceStatus
from briefing.text.html import html_fragment_text
from briefing.urls import web_url

log = logging.getLogger("briefing.feeds")


FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
               "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5")


# A summary this long is the article itself (many blogs put whole posts in <description>);
# a shorter one is a teaser, and the linked page is fetched for the full text.
FULL_TEXT_WORDS = 150


# A linked page that could not be fetched is tried again after this long, then after twice
# as long each time it fails again, at most a day (see store.record_entry_failure).
RETRY_SECONDS = 1800


# feedparser's versions for the formats we accept: rss090, rss091n/u, rss092-094, rss10,
# rss20, atom03, atom10 (and "rss"/"atom" when it can tell the family but not the version).
_FEED_VERSION = re.compile(r"^(rss|atom)")



# expat's words for a document that stops before it is complete.
_TRUNCATED = ("no element found", "unclosed token", "unclosed cdata section")


def iter_feed(source: Source, settings: Settings, store: Any = None,
              known: Any = None) -> Iterator[SourceResult]:
    """The entries of a ``feed:`` source, then its SourceStatus."""
    result = fetch_changed(source, settings, store, FEED_ACCEPT)
    if not isinstance(result, FetchResult):
        yield result
        return
    yield from feed_then_status(result, source, settings, store)


def feed_then_status(result: FetchResult, source: Source, settings: Settings,
                      store: Any) -> Iterator[SourceResult]:
    read = _FeedRead()
    for item in feed_documents(result.content, source.target, source, settings, store=store,
                               base_url=result.final_url, charset=result.charset, read=read):
        # A feed that could not be read, or an entry whose page could not be fetched:
        if isinstance(item, FetchError) or item.origin == source.target:
            read.complete = False
        yield item
    if not read.complete:
        # Keep the old validators, so the next poll reads this feed again (and retries the
        # pages that failed, and reads the entries this poll's budget left; entries already
        # stored are not fetched twice).
        yield SourceStatus()
    else:
        yield SourceStatus(etag=result.etag, last_modified=result.last_modified)


@dataclass
class _FeedRead:
    """What a reader of feed_documents learns besides the documents."""

    complete: bool = True  # False: entries were left for a later poll


def _entry_outlet(entry: Any) -> str | None:
    """The outlet an entry names as its own (RSS ``<source>``, Atom ``<source><title>``)."""
    found = entry.get("source")
    title = found.get("title") if isinstance(found, dict) else None
    return _plain(title) or None if isinstance(title, str) else None


def parse_feed(content: bytes, origin: str, *, base_url: str | None = None,
               charset: str | None = None) -> Any:
    """Parse RSS 0.9x/1.0/2.0 or Atom bytes; raise InputError for anything that is not a
    complete, recognisable feed."""
    import feedparser  # only when a feed arrives

    if not content.strip():
        raise InputError(origin, "empty feed (no content)")
    headers = {}
    if base_url:
        headers["content-location"] = base_url
    if charset:
        headers["content-type"] = f"application/xml; charset={charset}"
    try:
        # A stream, never bytes or str: feedparser treats a string as a URL or a file name.
        parsed = feedparser.parse(io.BytesIO(content), response_headers=headers,
                                  resolve_relative_uris=True, sanitize_html=True)
    except Exception as exc:  # feedparser is lenient, but arbitrary bytes can still upset it
        raise InputError(origin, f"could not parse the feed ({type(exc).__name__})") from None
    error = parsed.get("bozo_exception")
    xml_problem = _xml_problem(error, content)
    version = parsed.get("version") or ""
    if not _FEED_VERSION.match(version):
        if xml_problem:
            raise InputError(origin, f"not an RSS or Atom feed ({xml_problem})")
        head = content[:1000].lower()
        if b"<html" in head or b"<!doctype html" in head:
            raise InputError(origin, "not an RSS or Atom feed (it is an HTML page; use "
                                     "`url:` for a single article)")
        raise InputError(origin, "not an RSS or Atom feed")
    if xml_problem and xml_problem.startswith("truncated"):
        # The lenient parser would hand back the entries it saw, the last one cut short.
        # Half an article is worse than none; the next poll fetches the whole feed again.
        raise InputError(origin, f"feed XML is {xml_problem}; no entries were used")
    if xml_problem:
        log.warning("%s: feed XML has errors (%s); read it leniently", origin, xml_problem)
    return parsed


def _xml_problem(error: Exception | None, content: bytes) -> str | None:
    """Describe an XML syntax error feedparser met, or None (encoding notes are not errors)."""
    if error is None or not hasattr(error, "getLineNumber"):
        return None
    message = str(error.getMessage() if hasattr(error, "getMessage") else error)
    line = error.getLineNumber()
    last_line = content.rstrip().count(b"\n") + 1
    if message.lower() in _TRUNCATED or line >= last_line and "well-formed" not in message:
        return f"truncated (it ends before the document is complete, line {line}: {message})"
    return f"malformed XML at line {line}: {message}"


def feed_documents(content: bytes, origin: str, source: Source, settings: Settings, *,
                   store: Any = None, base_url: str | None = None, charset: str | None = None,
                   fetch_links: bool = True, source_key: str | None = None,
                   path: str | None = None,
                   read: _FeedRead | None = None) -> Iterator[RawDocument | InputError]:
    """One document per feed entry (or one InputError for a feed that cannot be read).

    ``origin`` names the feed (its configured URL, or the file it is in) and scopes every
    entry's identity: a guid is only unique inside its feed. New entries count against the
    poll's budget (see ``sources.budget``); ``read`` learns whether some were left for the
    next poll."""
    read = read if read is not None else _FeedRead()
    try:
        parsed = parse_feed(content, origin, base_url=base_url, charset=charset)
    except InputError as exc:
        yield exc
        return
    feed_title = _plain(parsed.feed.get("title"))
    budget = current_budget(settings.fetch)
    # A link found in the feed may reach an internal address only at the feed's own origin
    # (scheme, host, port): the user vouched for this feed, not for where it points, and
    # not for the other sources' origins either.
    trusted = [origin]
    guids = [_entry_guid(entry) for entry in parsed.entries]
    stored_keys = _stored_entries(store, origin, guids, base_url or origin)
    retries = _RetryTimes(store, [_entry_key(origin, g) for g in guids if g is not None])
    seen: set[str] = set()
    taken = left = 0
    for n, (entry, guid) in enumerate(zip(parsed.entries, guids, strict=True)):
        key = _entry_key(origin, guid)
        if key is not None:
            if key in seen:
                continue  # the same entry listed twice in one feed
            seen.add(key)
        stored = key in stored_keys
        if fetch_links and key is not None and not stored:
            # Only new entries of a fetched feed count: they cost work (a page to fetch, an
            # article to clean), and the next poll reads the feed again for what is left. A
            # saved feed file is read whole: nothing would come back for the rest. Stored
            # entries are passed on for their changes or skipped, whatever the budget.
            if taken >= budget.max_entries or budget.expired():
                left += 1
                continue
            taken += 1
        link = entry.get("link")
        # A raw space in a feed's link is common and harmless once encoded.
        link = web_url(link.strip().replace(" ", "%20") if isinstance(link, str) else None)
        meta = {
            "title": _plain(entry.get("title")) or None,
            "url": link,
            # An aggregator's entry names its own outlet (<source> in RSS and Atom): that is
            # the outlet the reader is told, not the aggregator's name.
            "source_name": (_entry_outlet(entry) or source.name or feed_title
                            or _host(link or base_url)),
            "published": _iso(entry.get("published_parsed") or entry.get("updated_parsed")),
            "source_key": source_key or source.label,
            "entry_key": key,
            "path": path,
        }
        entry_origin = link or f"{origin}#{guid or n + 1}"
        fetch_page = fetch_links and link is not None
        for item in _entry_document(entry, entry_origin, meta, settings, store, retries,
                                    fetch_page, stored, trusted):
            if item is None:  # a page to try again: the entry waits for a later poll
                read.complete = False
                continue
            yield item
    if left:
        read.complete = False
        why = (f"fetch.max_entries is {budget.max_entries}" if taken >= budget.max_entries
               else f"this poll used its fetch.poll_seconds ({settings.fetch.poll_seconds:g} s)")
        log.warning("%s: %d new entries left for the next poll (%s)", origin, left, why)


def _entry_document(entry: Any, origin: str, meta: dict[str, Any], settings: Settings,
                    store: Any, retries: _RetryTimes, may_fetch: bool, stored: bool,
                    trusted: list[str]) -> Iterator[RawDocument | InputError | None]:
    text, complete = _entry_text(entry)
    # An entry with only a headline is news too (a brief): the headline is its teaser.
    text = text or meta["title"] or ""
    if complete:
        yield RawDocument(origin=origin, content=text.encode("utf-8"), **meta)
        return
    if may_fetch:
        key = meta["entry_key"]
        # When its page last failed and may be tried again (None: it has not failed).
        retry_at = retries.get(key)
        if stored and retry_at is None:
            return  # its page was read on an earlier poll
        if retry_at is not None and retry_at > now():
            log.info("%s: its page failed recently; trying again later", origin)
            yield None
            return
        try:
            page = page_document(fetch(meta["url"], settings.fetch, accept=PAGE_ACCEPT,
                                       trusted=trusted), origin, **meta)
        except InputError as exc:  # a failed fetch, or a link to an image, a PDF …
            # Not every poll: the page is tried again after a pause that grows. The entry is
            # not lost: its own text (a teaser, or just the headline) stands in until the
            # page can be had, and a later success replaces it (the same entry key
            # supersedes the stored version). Told: an entry with no text of its own, and a
            # page stopped by a limit or policy of the config (the user can act on those).
            if key is not None and store is not None:
                store.record_entry_failure(key, exc.reason, RETRY_SECONDS)
            if not text or isinstance(exc, LimitError):
                yield exc
            if not text:
                return
            yield None  # the feed is read again next poll, so the page gets its retry
            if stored:
                return
            log.info("%s: %s; using the feed's summary instead", origin, exc.reason)
        else:
            if retry_at is not None:
                store.clear_entry_failure(key)
            yield page
            return
    if text:
        yield RawDocument(origin=origin, content=text.encode("utf-8"), **meta)
    else:
        yield InputError(origin, "feed entry has no title, no text and no link to an article")


def _entry_text(entry: Any) -> tuple[str, bool]:
    """(text, whether it is the whole article): full content, else summary."""
    contents = [c for c in entry.get("content") or [] if (c.get("value") or "").strip()]
    if contents:
        best = max(contents, key=lambda c: len(c["value"]))
        return _detail_text(best), True
    summary = entry.get("summary_detail") or (
        {"value": entry.get("summary"), "type": "text/html"} if entry.get("summary") else None)
    if not summary or not (summary.get("value") or "").strip():
        return "", False
    text = _detail_text(summary)
    return text, len(text.split()) >= FULL_TEXT_WORDS


def _detail_text(detail: Any) -> str:
    value = detail.get("value") or ""
    if "html" in (detail.get("type") or "text/html"):
        return html_fragment_text(value)
    return value


def _entry_guid(entry: Any) -> str | None:
    """The entry's guid/id, else its link."""
    return (entry.get("id") or entry.get("link") or "").strip() or None


def _entry_key(feed: str, guid: str | None) -> str | None:
    """An entry's identity: its feed and its guid. Two feeds may use the same guid (both
    number their entries "1", "2" …, or a hostile feed copies another's guids), and one
    must never supersede the other's article."""
    return None if guid is None else f"{feed}#{guid}"


def _legacy_key(guid: str | None, feed_url: str) -> str | None:
    """The key Briefing 0.1 stored: a guid that looked like a URI on its own, others
    prefixed with the feed's final URL."""
    if guid is None:
        return None
    if re.match(r"^[a-z][a-z0-9+.-]*:", guid, re.IGNORECASE):
        return guid
    return f"{feed_url}#{guid}"


def _stored_entries(store: Any, feed: str, guids: list[str | None],
                    feed_url: str) -> set[str]:
    """The keys of the feed's entries that the store holds a current article for, asked in
    one query for the whole feed: a re-poll of an unchanged feed costs one round trip, not
    one per entry (on a shared PostgreSQL those round trips were most of a poll). An article
    stored under an entry's old key (a database from before keys named their feed) is moved
    to the new key the first time its feed lists it (``claim_entries``)."""
    if store is None:
        return set()
    entries = {_entry_key(feed, guid): _legacy_key(guid, feed_url)
               for guid in guids if guid is not None}
    return store.claim_entries(entries) if entries else set()


class _RetryTimes:
    """When a feed's failed pages may be tried again (``store.entry_retry_at``), read for
    all its entries in one query the first time one is asked: most polls ask none (an entry
    with its whole text, or with no link, never fetches a page). Each entry is read once
    per poll, so a failure it records itself is never asked back."""

    def __init__(self, store: Any, keys: list[str]):
        self._store = store
        self._keys = keys
        self._times: dict[str, datetime] | None = None

    def get(self, key: str | None) -> datetime | None:
        if key is None or self._store is None:
            return None
        if self._times is None:
            self._times = self._store.entry_retry_times(self._keys)
        return self._times.get(key)


def _plain(value: Any) -> str:
    """Feed titles may carry markup or entities; keep plain, single-spaced text."""
    if not isinstance(value, str):
        return ""
    if "<" in value or "&" in value:
        value = html_fragment_text(value)
    return " ".join(value.split())


def _host(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname
    return host.removeprefix("www.") if host else None


def _iso(parsed_time: Any) -> str | None:
    """feedparser's UTC struct_time as ISO 8601."""
    if not parsed_time:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed_time), UTC).isoformat()
    except (OverflowError, ValueError, TypeError, OSError):
        return None
