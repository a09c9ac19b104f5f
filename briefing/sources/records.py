"""What every source yields besides documents: its status, and the end of each file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from briefing.errors import InputError
from briefing.records import RawDocument


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
