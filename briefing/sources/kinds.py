"""The kind of each configured source (path, feed, url) and the reader for it."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from briefing.config import Settings, Source
from briefing.errors import InputError
from briefing.sources.records import KnownFiles, SourceResult


def source_from_cli(value: str, base: Path) -> Source:
    """An ``--input`` value: anything with ``://`` is a URL, read as a page, or as a feed when
    the server sends one (so a URL need not say which it is); anything else is a path
    relative to the working folder."""
    if "://" in value:
        return Source(kind="url", target=value)
    path = Path(value)
    return Source(kind="path",
                  target=str(path if path.is_absolute() else (base / path).resolve()))


# kind -> "module:function" of its reader. A reader takes (source, settings, store, known)
# and yields SourceResults (``known`` matters to path sources only). Modules load on first
# use: feeds and pages pull in feedparser, trafilatura and httpx, which a run over folders
# alone never needs.
READERS: dict[str, str] = {
    "path": "briefing.sources.files:read_path_source",
    "feed": "briefing.sources.feeds:iter_feed",
    "url": "briefing.sources.urls:iter_page",
}


def iter_source(source: Source, settings: Settings, state: Any = None,
                known: KnownFiles | None = None) -> Iterator[SourceResult]:
    """Yield the documents of one configured source (``state`` is the Store, for feeds and
    pages; ``known`` the files of path sources read before, see ``FileDone``)."""
    reader = READERS.get(source.kind)
    if reader is None:  # config validation makes this unreachable
        yield InputError(source.target, f"unknown source kind {source.kind!r}")
        return
    module, _, function = reader.partition(":")
    yield from getattr(importlib.import_module(module), function)(source, settings, state, known)
