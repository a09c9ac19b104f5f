"""Sources: configured inputs (folders, files, feeds, URLs) to raw documents.

Each source yields ``RawDocument``s, or ``InputError``s for inputs it cannot use, so one bad
file never stops the rest; a network source ends with a ``SourceStatus`` (not modified, or
the validators to remember for the next conditional GET). Files are only ever read, never
moved or changed. Network access goes through ``briefing.fetch`` (one seam that tests point
at a local server).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    ".xml": "application/feed",  # a saved RSS or Atom feed
    ".rss": "application/feed",
    ".atom": "application/feed",
}


@dataclass(frozen=True)
class SourceStatus:
    """The last thing a network source yields, after its documents.

    ``not_modified``: the server answered 304, so there is nothing new. Otherwise ``etag`` and
    ``last_modified`` are the validators to send next time. Yielding them last means they are
    stored only after every document of this fetch was stored: a run that dies half way
    fetches the whole feed again rather than skipping what it never saved.
    """

    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FileDone:
    """The last thing yielded for each file of a path source.

    ``signature`` stands for the file's bytes without reading them (size, modification and
    change times, inode) and for what its documents' cleaning depends on (language, source
    name); ``None`` when the file could not be read. A file whose signature matches the one
    remembered with ``known`` is not read again: it is yielded with ``unchanged=True`` and
    the number of documents it held. The caller decides what to remember (the pipeline
    remembers a file only when every one of its documents was stored).
    """

    path: str  # absolute: the key the signature is remembered under
    signature: str | None
    documents: int
    unchanged: bool = False


SourceResult = RawDocument | InputError | SourceStatus | FileDone
KnownFiles = Mapping[str, tuple[str, int]]  # absolute path -> (signature, documents)


def source_from_cli(value: str, base: Path) -> Source:
    """An ``--input`` value: anything with ``://`` is a URL, read as a page, or as a feed when
    the server sends one (so a URL need not say which it is); anything else is a path
    relative to the working folder."""
    if "://" in value:
        return Source(kind="url", target=value)
    path = Path(value)
    return Source(kind="path",
                  target=str(path if path.is_absolute() else (base / path).resolve()))


def iter_source(source: Source, settings: Settings, state: Any = None,
                known: KnownFiles | None = None) -> Iterator[SourceResult]:
    """Yield the documents of one configured source (``state`` is the Store, for feeds;
    ``known`` the files of path sources read before, see ``FileDone``)."""
    if source.kind == "path":
        yield from iter_path(Path(source.target), settings, source, known)
    elif source.kind == "feed":
        from briefing.feeds import iter_feed

        yield from iter_feed(source, settings, state)
    elif source.kind == "url":
        from briefing.feeds import iter_page

        yield from iter_page(source, settings, state)
    else:  # config validation makes this unreachable
        yield InputError(source.target, f"unknown source kind {source.kind!r}")


def iter_path(root: Path, settings: Settings, source: Source | None = None,
              known: KnownFiles | None = None) -> Iterator[SourceResult]:
    """Files under a folder (recursively, in name order), or a single file."""
    if not root.exists():
        yield InputError(str(root), "no such file or folder")
        return
    if not root.is_dir():
        yield from _read_file(root, settings, source, known=known)
        return
    # The folder is resolved once and its files shown relative to the config folder by plain
    # string work: resolving each of 10,000 files (a stat per path part) costs more than
    # reading it.
    top = str(root.resolve())
    base = str(settings.base_dir) + os.sep
    files: list[str] = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        files += [os.path.join(dirpath, f) for f in filenames if not f.startswith(".")]
    for name in sorted(files, key=lambda f: f.split(os.sep)):  # the order Paths sort in
        shown = name[len(base):] if name.startswith(base) else name
        yield from _read_file(Path(name), settings, source, shown, known)


def _display_path(path: Path, settings: Settings) -> str:
    try:
        return str(path.resolve().relative_to(settings.base_dir))
    except ValueError:
        return str(path)


def _read_file(path: Path, settings: Settings, source: Source | None,
               shown: str | None = None, known: KnownFiles | None = None
               ) -> Iterator[SourceResult]:
    """A file's documents or its error, then a FileDone; only the FileDone if the file is
    unchanged since it was last read."""
    shown = shown or _display_path(path, settings)
    absolute = str(path.absolute())
    limit = settings.fetch.max_bytes
    try:
        media_type = MEDIA_TYPES.get(path.suffix.lower())
        if media_type is None:
            raise _Unusable(f"unsupported file type '{path.suffix or '(none)'}' "
                            f"(use {', '.join(sorted(set(MEDIA_TYPES)))})")
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device named *.txt would block or never end
            raise _Unusable("not a regular file")
        if info.st_size > limit:
            raise _Unusable(f"file is {info.st_size:,} bytes, over the limit of {limit:,} "
                            "(fetch.max_bytes)")
        # Any write changes ctime (which no tool can set back), a replacement the inode.
        signature = (f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}"
                     f"|{settings.language}|{source.name if source else None}")
        if known is not None and known.get(absolute, ("",))[0] == signature:
            yield FileDone(absolute, signature, known[absolute][1], unchanged=True)
            return
        with path.open("rb") as handle:  # read only: inputs are never changed
            content = handle.read(limit + 1)  # the file may have grown since stat()
        if len(content) > limit:
            raise _Unusable(f"file is over the limit of {limit:,} bytes (fetch.max_bytes)")
    except _Unusable as exc:
        reason = str(exc)
    except OSError as exc:
        reason = f"cannot read file: {exc.strerror or exc}"
    else:
        documents = 0
        for result in _parse_file(content, media_type, path, shown, settings, source):
            documents += isinstance(result, RawDocument)
            yield result
        yield FileDone(absolute, signature, documents)
        return
    yield InputError(shown, reason)
    yield FileDone(absolute, None, 0)


class _Unusable(Exception):
    """A file this source cannot read (the message is the reason shown to the user)."""


def _parse_file(content: bytes, media_type: str, path: Path, shown: str, settings: Settings,
                source: Source | None) -> Iterator[RawDocument | InputError]:
    key = source.label if source else f"path: {path}"
    name = source.name if source else None
    if media_type == "application/json":
        yield from json_documents(content, shown, key, name)
        return
    if media_type == "application/feed":
        from briefing.feeds import feed_documents

        # A saved feed is read as it is: its entries' links are not fetched.
        feed_source = source or Source(kind="path", target=str(path))
        yield from feed_documents(content, shown, feed_source, settings, fetch_links=False,
                                  source_key=key, path=shown)
        return
    yield RawDocument(origin=shown, content=content, media_type=media_type, path=shown,
                      source_name=name, source_key=key)


def json_documents(content: bytes, shown: str, key: str | None = None,
                   name: str | None = None, url: str | None = None
                   ) -> Iterator[RawDocument | InputError]:
    """A JSON file (or, with ``url``, a JSON response: no file path then; each article's own
    "url" field names it) holds one article object, a list of them, or {"articles": [...]}."""
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        yield InputError(shown, "JSON file is not UTF-8 text")
        return
    except json.JSONDecodeError as exc:
        yield InputError(shown, f"invalid JSON ({exc.msg} at line {exc.lineno})")
        return
    except (ValueError, RecursionError) as exc:  # e.g. nesting too deep, a 5000-digit number
        yield InputError(shown, f"invalid JSON ({type(exc).__name__}: {str(exc)[:80]})")
        return
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    entries = data if isinstance(data, list) else [data]
    if not entries:
        yield InputError(shown, "JSON file holds no articles (an empty list)")
        return
    for n, entry in enumerate(entries):
        origin = shown if len(entries) == 1 else f"{shown}#{n}"
        if not isinstance(entry, dict):
            yield InputError(origin, "JSON article must be an object with a 'text' field")
            continue
        yield RawDocument(origin=origin, content=json.dumps(entry).encode("utf-8"),
                          media_type="application/json", path=None if url else shown,
                          source_name=name, source_key=key)


def source_report(settings: Settings, store: Any, max_earlier: int = 5) -> str:
    """What `briefing sources` shows: each source (configured ones first, then any read with
    --input) with its last fetch, status and counts, and the inputs it rejected and why:
    all of the last fetch's, and up to ``max_earlier`` older ones."""
    known = {row["key"]: row for row in store.sources()}
    names = {s.label: s.name for s in settings.sources}
    labels = list(names) + [k for k in known if k not in names]
    if not labels:
        return "No sources configured."
    blocks = []
    for label in labels:
        title = f"{label}  ({names[label]})" if names.get(label) else label
        row = known.get(label)
        if row is None:
            blocks.append(f"{title}\n  never fetched")
            continue
        lines = [title,
                 f"  last fetch  {_when(row['last_fetch'])}",
                 f"  status      {row['status']}",
                 f"  articles    {row['new_articles']} new in all; last fetch read "
                 f"{row['documents']} document(s)",
                 f"  problems    {row['problems']} in the last fetch"]
        # Problems are kept per (input, reason) with the time last seen, so the most recent
        # ones are the last fetch's; older ones may be inputs since fixed or removed.
        problems = sorted(store.problems(label), key=lambda p: p["seen_at"], reverse=True)
        shown = problems[:row["problems"] + max_earlier]
        for n, problem in enumerate(shown):
            when = "" if n < row["problems"] else f"  (earlier, {_when(problem['seen_at'])})"
            lines.append(f"    ! {problem['origin']}: {problem['reason']}{when}")
        if len(problems) > len(shown):
            lines.append(f"    … and {len(problems) - len(shown)} older problem(s)")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _when(iso: str | None) -> str:
    return iso.replace("T", " ").replace("+00:00", " UTC") if iso else "never"
