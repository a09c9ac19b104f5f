"""Editions: each recorded briefing by its name, for ``briefing list``, ``send EDITION`` and
the archive page.

An edition is named by its date and its number that day: ``2026-12-07-1`` is the day's first
briefing (in the folder ``2026-12-07``), ``2026-12-07-2`` the second (in ``2026-12-07-2``),
and so on (``render.writer.claim_folder`` picks the folder). A date alone stands for that
day's latest edition.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from briefing.config import Settings
from briefing.errors import DeliveryError
from briefing.render.writer import EDITION_NAME
from briefing.store import Store

log = logging.getLogger("briefing")

_EDITION = re.compile(EDITION_NAME)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Edition:
    name: str
    date: str
    created_at: datetime
    items: int
    articles: int
    out_dir: Path
    emailed: list[str] = field(default_factory=list)


def is_edition_name(text: str) -> bool:
    """``YYYY-MM-DD`` (a day's latest edition) or ``YYYY-MM-DD-N``."""
    return _EDITION.fullmatch(text) is not None


def edition_name(folder: str) -> str:
    """The edition a briefing folder holds: ``2026-12-07`` -> ``2026-12-07-1``."""
    return f"{folder}-1" if _DATE.fullmatch(folder) else folder


def editions(store: Store) -> list[Edition]:
    """Every recorded briefing, oldest first, with whom its email reached."""
    sent = store.sent_to()
    return [Edition(name=edition_name(Path(row["out_dir"]).name), date=row["date"],
                    created_at=datetime.fromisoformat(row["created_at"]), items=row["items"],
                    articles=row["articles"], out_dir=Path(row["out_dir"]),
                    emailed=sent.get(row["out_dir"], []))
            for row in store.briefings()]


def find_edition(store: Store, name: str | None) -> Edition:
    """The edition called ``name``; a bare date is that day's latest; None is the latest."""
    if name is not None and not is_edition_name(name):
        raise DeliveryError(f"EDITION: expected YYYY-MM-DD or YYYY-MM-DD-N, got {name!r}")
    found = editions(store)
    by_day = name is not None and _DATE.fullmatch(name) is not None
    if name is not None:
        found = [e for e in found if (e.date == name if by_day else e.name == name)]
    if not found:
        what = f"for {name}" if by_day else f"called {name}" if name else "yet"
        raise DeliveryError(f"no briefing {what} in {store.path}; `briefing list` shows the "
                            "editions there are")
    edition = found[-1]
    if not edition.out_dir.is_dir():
        raise DeliveryError(f"the briefing folder {edition.out_dir} no longer exists")
    return edition


def list_table(found: list[Edition], tz: ZoneInfo) -> str:
    """``briefing list``: one line per edition, newest first."""
    if not found:
        return "No briefings yet."
    rows = [("edition", "made", "items", "articles", "emailed to", "folder")]
    for e in reversed(found):
        rows.append((e.name, e.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z"),
                     str(e.items), str(e.articles), ", ".join(e.emailed) or "-",
                     str(e.out_dir)))
    widths = [max(len(row[n]) for row in rows) for n in range(len(rows[0]) - 1)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False))
                     + "  " + row[-1] for row in rows)


def refresh_archive(settings: Settings, store: Store, out_root: Path) -> None:
    """Rebuild ``out_root``'s index and feed with each edition's state; a failure is logged,
    never raised (the archive is never the reason a render or a send fails)."""
    from briefing.render.archive import ArchiveError, write_archive

    sent = {Path(folder).name: to for folder, to in store.sent_to().items()
            if Path(folder).parent == out_root}
    try:
        write_archive(out_root, settings, emailed=sent)
    except ArchiveError as exc:
        log.warning("could not update the archive: %s", exc)
