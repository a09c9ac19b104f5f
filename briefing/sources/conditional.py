"""Conditional GET: fetch a source again only if it changed since its last fetch."""

from __future__ import annotations

from typing import Any

from briefing.config import Settings, Source
from briefing.errors import FetchError
from briefing.sources.fetch import FetchResult, fetch
from briefing.sources.records import SourceStatus


def fetch_changed(source: Source, settings: Settings, store: Any,
                   accept: str) -> FetchResult | FetchError | SourceStatus:
    """A conditional GET of the source with the validators of its last fetch: the response,
    or why there is nothing to read (the error, or a 304's status)."""
    etag, last_modified = _validators(store, source)
    try:
        result = fetch(source.target, settings.fetch, etag=etag, last_modified=last_modified,
                       accept=accept)
    except FetchError as exc:
        return exc
    return SourceStatus(not_modified=True) if result.not_modified else result


def _validators(store: Any, source: Source) -> tuple[str | None, str | None]:
    row = store.source_state(source.label) if store is not None else None
    if row is None:
        return None, None
    return row["etag"], row["last_modified"]
