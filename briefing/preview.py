"""A preview: a whole render that records nothing (``render --preview``, ``--explain``).

A preview runs the real pipeline, so what it shows is what the next briefing would be, but
against a snapshot of the state database in a temporary folder (an SQLite copy, also of a
shared PostgreSQL database: ``store.snapshot``) and with its files written
under ``OUT/preview/`` (or ``--out``). Everything a render writes to the state (articles
picked up, coverage, the edition, story memory, source status, the embedding cache) goes to
the snapshot, which is thrown away; the real database, the archive and the next scheduled
briefing stay exactly as they were.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from briefing.config import Settings
from briefing.errors import StoreError

PREVIEW_FOLDER = "preview"  # under output_dir; not a dated folder, so the archive skips it


def preview_root(settings: Settings, out_root: Path | None) -> Path:
    """Where a preview's files go: ``--out`` if given, else ``output_dir/preview``."""
    return out_root if out_root is not None else settings.output_dir / PREVIEW_FOLDER


@contextmanager
def preview_settings(settings: Settings) -> Iterator[Settings]:
    """``settings`` with ``state_dir`` pointing at a throwaway snapshot of the database (an
    SQLite copy of it, also of a server database: ``database_url`` is dropped)."""
    with tempfile.TemporaryDirectory(prefix="briefing-preview-") as folder:
        snapshot = Path(folder)
        target = snapshot / settings.database_path.name
        if settings.database_url:
            from briefing.store import Store, database_errors, store_error
            from briefing.store.snapshot import copy_to_sqlite

            with Store(settings.database_url, settings.desk) as server:
                try:
                    copy_to_sqlite(server, target)
                except database_errors() as exc:
                    raise store_error(settings.database_url, exc) from None
        elif settings.database_path.is_file():
            snapshot_database(settings.database_path, target)
        yield settings.model_copy(update={"state_dir": snapshot, "database_url": None})


def snapshot_database(source: Path, target: Path) -> None:
    """Copy a live SQLite database consistently (SQLite's online backup), opening the source
    read-only so that taking the snapshot cannot change it."""
    try:
        with closing(sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)) as src, \
                closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
    except sqlite3.Error as exc:
        raise StoreError(f"{source}: cannot read the state database for a preview ({exc})"
                         ) from None
