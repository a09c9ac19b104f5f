"""Path sources: a folder (recursively) or one file, read only, to raw documents."""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from briefing.config import Settings, Source
from briefing.errors import InputError
from briefing.records import RawDocument
from briefing.sources.records import FileDone, KnownFiles, SourceResult

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


def read_path_source(source: Source, settings: Settings, store: Any = None,
                     known: KnownFiles | None = None) -> Iterator[SourceResult]:
    """The reader of ``path:`` sources (see ``kinds.READERS``)."""
    yield from iter_path(Path(source.target), settings, source, known)


def iter_path(root: Path, settings: Settings, source: Source | None = None,
              known: KnownFiles | None = None) -> Iterator[SourceResult]:
    """Files under a folder (recursively, in name order), or a single file.

    Symbolic links inside a folder are not followed out of it: a link to a file outside the
    folder (``/etc/passwd``, another user's files) is skipped with a problem saying so, and
    never read, stored or published; a link to a folder is not entered (what it links to
    inside the folder is read at its own place). A link to a file inside the folder is read.
    A file or folder named in the config itself is followed: the user chose it.
    """
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
    linked_folders: list[str] = []
    for dirpath, dirnames, filenames in os.walk(top):  # never descends into a linked folder
        linked_folders += [os.path.join(dirpath, d) for d in dirnames
                           if not d.startswith(".") and os.path.islink(os.path.join(dirpath, d))]
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and not os.path.islink(os.path.join(dirpath, d)))
        files += [os.path.join(dirpath, f) for f in filenames if not f.startswith(".")]
    for name in sorted(files + linked_folders, key=lambda f: f.split(os.sep)):
        shown = name[len(base):] if name.startswith(base) else name
        if not os.path.islink(name):
            yield from _read_file(Path(name), settings, source, shown, known, follow=False)
            continue
        target = os.path.realpath(name)
        if name in linked_folders:
            if not _inside(target, top):
                yield InputError(shown, f"symbolic link to the folder {target}, outside the "
                                        "source folder: not followed")
                yield FileDone(str(Path(name).absolute()), None, 0)
            continue
        if not _inside(target, top):
            yield InputError(shown, f"symbolic link to {target}, outside the source folder: "
                                    "not followed (copy the file into the folder to read it)")
            yield FileDone(str(Path(name).absolute()), None, 0)
            continue
        yield from _read_file(Path(name), settings, source, shown, known, follow=False,
                              real=Path(target))


def _inside(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)


def _display_path(path: Path, settings: Settings) -> str:
    try:
        return str(path.resolve().relative_to(settings.base_dir))
    except ValueError:
        return str(path)


def _read_file(path: Path, settings: Settings, source: Source | None,
               shown: str | None = None, known: KnownFiles | None = None,
               follow: bool = True, real: Path | None = None) -> Iterator[SourceResult]:
    """A file's documents or its error, then a FileDone; only the FileDone if the file is
    unchanged since it was last read.

    ``real`` is the file to open for ``path`` (the checked target of a link inside the
    folder). Without ``follow`` the last step is opened with O_NOFOLLOW, so a file swapped
    for a link after the folder was listed is refused rather than read.
    """
    shown = shown or _display_path(path, settings)
    absolute = str(path.absolute())
    opened = real or path
    limit = settings.fetch.max_bytes
    try:
        media_type = MEDIA_TYPES.get(path.suffix.lower())
        if media_type is None:
            raise _Unusable(f"unsupported file type '{path.suffix or '(none)'}' "
                            f"(use {', '.join(sorted(set(MEDIA_TYPES)))})")
        info = opened.stat()
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
        content = _read_bytes(opened, limit, follow)
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


def _read_bytes(path: Path, limit: int, follow: bool) -> bytes:
    """Up to ``limit + 1`` bytes (the file may have grown since stat()); read only: inputs
    are never changed."""
    flags = os.O_RDONLY | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _Unusable("became a symbolic link while the folder was read: not "
                            "followed") from None
        raise
    with os.fdopen(fd, "rb") as handle:
        return handle.read(limit + 1)


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
        from briefing.sources.feeds import feed_documents

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
