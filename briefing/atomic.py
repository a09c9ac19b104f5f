"""Whole files or none: write beside the target, then rename over it."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path``; return ``path``.

    A reader, or a crash, never sees half a file: the data goes to a temporary file in the
    same folder (so the rename stays on one file system), which then replaces ``path`` in
    one step. The temporary name carries the process and thread, so two writers of the same
    file (two renders rebuilding the archive at once) never write into each other's; the
    last rename wins with a whole file.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk or a bad path leaves no stray file behind
        raise
    return path
