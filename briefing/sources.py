"""Sources: configured inputs (folders, files, feeds, URLs) to raw documents.

Each source yields ``RawDocument``s, or ``InputError``s for inputs it cannot use, so one bad
file never stops the rest. Files are only ever read, never moved or changed. Network access
goes through ``briefing.fetch`` (one seam that tests point at a local server).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from briefing.config import Settings, Source
from briefing.errors import InputError
from briefing.models import RawDocument

MEDIA_TYPES = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".json": "application/json",
}

SourceResult = RawDocument | InputError


def source_from_cli(value: str, base: Path) -> Source:
    """An ``--input`` value: a URL is fetched as a page (or a feed, if it ends in .xml/.rss/
    .atom or contains 'feed'), anything else is a path relative to the working folder."""
    lowered = value.lower()
    if "://" in value:
        looks_feed = lowered.endswith((".xml", ".rss", ".atom")) or "feed" in lowered or \
            "rss" in lowered
        return Source("feed" if looks_feed else "url", value)
    path = Path(value)
    return Source("path", str(path if path.is_absolute() else (base / path).resolve()))


def iter_source(source: Source, settings: Settings, state=None) -> Iterator[SourceResult]:
    """Yield the documents of one configured source (``state`` is the Store, for feeds)."""
    if source.kind == "path":
        yield from iter_path(Path(source.target), settings, source)
    elif source.kind == "feed":
        from briefing.feeds import iter_feed

        yield from iter_feed(source, settings, state)
    elif source.kind == "url":
        from briefing.feeds import fetch_page

        yield fetch_page(source, settings)
    else:  # config validation makes this unreachable
        yield InputError(source.target, f"unknown source kind {source.kind!r}")


def iter_path(root: Path, settings: Settings, source: Source | None = None
              ) -> Iterator[SourceResult]:
    """Files under a folder (recursively, in name order), or a single file."""
    if not root.exists():
        yield InputError(str(root), "no such file or folder")
        return
    if root.is_file():
        yield from _read_file(root, settings, source)
        return
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        files += [Path(dirpath) / f for f in filenames if not f.startswith(".")]
    for path in sorted(files):
        yield from _read_file(path, settings, source)


def _display_path(path: Path, settings: Settings) -> str:
    try:
        return str(path.resolve().relative_to(settings.base_dir))
    except ValueError:
        return str(path)


def _read_file(path: Path, settings: Settings, source: Source | None) -> Iterator[SourceResult]:
    shown = _display_path(path, settings)
    media_type = MEDIA_TYPES.get(path.suffix.lower())
    if media_type is None:
        yield InputError(shown, f"unsupported file type '{path.suffix or '(none)'}' "
                                f"(use {', '.join(sorted(set(MEDIA_TYPES)))})")
        return
    try:
        size = path.stat().st_size
        if size > settings.fetch.max_bytes:
            yield InputError(shown, f"file is {size:,} bytes, over the limit of "
                                    f"{settings.fetch.max_bytes:,} (fetch.max_bytes)")
            return
        content = path.read_bytes()  # read only: inputs are never changed
    except OSError as exc:
        yield InputError(shown, f"cannot read file: {exc.strerror or exc}")
        return
    key = source.label if source else f"path: {path}"
    if media_type == "application/json":
        yield from _json_documents(content, shown, key)
        return
    yield RawDocument(origin=shown, content=content, media_type=media_type, path=shown,
                      source_name=source.name if source else None, source_key=key)


def _json_documents(content: bytes, shown: str, key: str) -> Iterator[SourceResult]:
    """A JSON file holds one article object or a list of them."""
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        yield InputError(shown, f"invalid JSON: {exc}")
        return
    entries = data if isinstance(data, list) else [data]
    for n, entry in enumerate(entries):
        origin = shown if len(entries) == 1 else f"{shown}#{n}"
        if not isinstance(entry, dict):
            yield InputError(origin, "JSON article must be an object with a 'text' field")
            continue
        yield RawDocument(origin=origin, content=json.dumps(entry).encode("utf-8"),
                          media_type="application/json", path=shown, source_key=key)
