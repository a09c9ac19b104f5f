"""The archive beside the briefings: ``OUT/index.html`` lists every briefing with links to its
HTML and PDF, and ``OUT/feed.xml`` is an Atom feed of them, so readers can subscribe.

Both are rebuilt from what is on disk (``OUT/<date>[-N]/briefing.*``) after every render, so
they also pick up briefings rendered by hand or removed since. A briefing folder whose
``briefing.json`` cannot be read is still listed (from its folder name), and the reason is
returned and logged; the archive is never the reason a render fails.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import TemplateError
from markupsafe import escape

from briefing.atomic import write_atomic
from briefing.config import Settings
from briefing.errors import BriefingError
from briefing.render.templates import long_date, template_environment
from briefing.render.writer import EDITION_NAME

log = logging.getLogger("briefing.archive")

INDEX_NAME = "index.html"
FEED_NAME = "feed.xml"
FEED_ENTRIES = 50  # the newest briefings; the index lists them all
_FOLDER = re.compile(EDITION_NAME)
_EDITION_NUMBER = re.compile(r"-(\d+)$")
_NAMESPACE = uuid.UUID("6f1f3c1e-3b7a-4c53-9d5e-6b8a2f0d4e11")  # Briefing's feed ids


@dataclass
class ArchiveEntry:
    folder: str  # "2022-01-23" or "2022-01-23-2"
    date: str
    edition: int  # 1 for the day's first briefing, 2 for <date>-2, …
    title: str
    generated_at: datetime
    formats: dict[str, str] = field(default_factory=dict)  # {"html": "2022-01-23/briefing.html"}
    items: int | None = None
    articles: int | None = None
    top_lines: list[str] = field(default_factory=list)
    sections: list[tuple[str, int]] = field(default_factory=list)  # (title, item count)
    emailed: list[str] | None = None  # None: not known (no state database was asked)

    @property
    def label(self) -> str:
        day = long_date(self.date)
        return day if self.edition == 1 else f"{day} (edition {self.edition})"


@dataclass
class ArchiveResult:
    index: Path
    feed: Path
    entries: list[ArchiveEntry]
    problems: list[str]


def scan(out_root: Path, settings: Settings, emailed: dict[str, list[str]] | None = None
         ) -> tuple[list[ArchiveEntry], list[str]]:
    """Every briefing folder under ``out_root``, newest first, and what could not be read.
    ``emailed``: folder name -> the addresses its email reached (from the state database)."""
    entries: list[ArchiveEntry] = []
    problems: list[str] = []
    if not out_root.is_dir():
        return entries, problems
    for folder in out_root.iterdir():
        if not _FOLDER.fullmatch(folder.name) or not folder.is_dir():
            continue
        number = _EDITION_NUMBER.search(folder.name[10:])
        formats = {ext: f"{folder.name}/briefing.{ext}" for ext in ("html", "pdf", "md", "json")
                   if (folder / f"briefing.{ext}").is_file()}
        if not formats:
            continue
        newest = max((folder / f"briefing.{ext}").stat().st_mtime for ext in formats)
        entry = ArchiveEntry(folder=folder.name, date=folder.name[:10],
                             edition=int(number.group(1)) if number else 1,
                             title=settings.title,
                             generated_at=datetime.fromtimestamp(newest, UTC), formats=formats,
                             emailed=None if emailed is None else emailed.get(folder.name, []))
        if "json" in formats:
            try:
                _fill_from_json(entry, json.loads(
                    (folder / "briefing.json").read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError,
                    AttributeError) as exc:
                reason = f"{folder / 'briefing.json'}: unreadable ({exc}); listed by folder name"
                problems.append(reason)
                log.warning("archive: %s", reason)
        entries.append(entry)
    entries.sort(key=lambda e: (e.generated_at, e.date, e.edition), reverse=True)
    return entries, problems


def _fill_from_json(entry: ArchiveEntry, data: dict[str, Any]) -> None:
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    entry.title = str(data.get("title") or entry.title)
    if data.get("generated_at"):
        moment = datetime.fromisoformat(str(data["generated_at"]))
        entry.generated_at = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    sections = data.get("sections") or []
    entry.sections = [(str(s["title"]), len(s["items"])) for s in sections]
    entry.items = sum(n for _, n in entry.sections)
    entry.articles = len(data.get("articles") or [])
    entry.top_lines = [str(i["text"]) for i in (data.get("top_lines") or [])]


class ArchiveError(BriefingError):
    """The archive page or feed could not be written (the message says which and why)."""


def write_archive(out_root: Path, settings: Settings,
                  emailed: dict[str, list[str]] | None = None) -> ArchiveResult:
    """(Re)write ``index.html`` and ``feed.xml`` in ``out_root``; ``emailed`` (folder name ->
    addresses) shows each edition's email state."""
    entries, problems = scan(out_root, settings, emailed)
    try:
        index_html = render_index(entries, settings)
    except TemplateError as exc:  # most likely a user's archive.html.j2 override
        raise ArchiveError(f"archive.html.j2: {exc}") from exc
    try:
        out_root.mkdir(parents=True, exist_ok=True)
        index = write_atomic(out_root / INDEX_NAME, index_html)
        feed = write_atomic(out_root / FEED_NAME, render_feed(entries, settings))
    except OSError as exc:
        raise ArchiveError(f"cannot write the archive in {out_root}: {exc}") from exc
    return ArchiveResult(index=index, feed=feed, entries=entries, problems=problems)


def render_index(entries: list[ArchiveEntry], settings: Settings) -> str:
    template = template_environment(settings).get_template("archive.html.j2")
    updated = entries[0].generated_at.isoformat(timespec="seconds") if entries else None
    return template.render(entries=entries, settings=settings, title=settings.title,
                           feed_name=FEED_NAME, updated=updated, variant="web",
                           page_size=settings.page_size)


def render_feed(entries: list[ArchiveEntry], settings: Settings) -> str:
    """An Atom feed of the newest briefings; each entry links to its HTML (and PDF)."""
    from feedgen.feed import FeedGenerator

    base = settings.public_url or ""
    feed = FeedGenerator()
    feed.id(_urn(f"feed\x00{settings.title}\x00{base}"))
    feed.title(settings.title)
    feed.subtitle("Every briefing, newest first.")
    feed.author({"name": "Briefing"})
    feed.generator("Briefing")
    feed.language(settings.language)
    feed.link(href=base + INDEX_NAME, rel="alternate", type="text/html")
    feed.link(href=base + FEED_NAME, rel="self", type="application/atom+xml")
    feed.updated(entries[0].generated_at if entries else datetime(2000, 1, 1, tzinfo=UTC))
    links: dict[str, dict[str, str]] = {}
    # feedgen puts each new entry first, so add the oldest first.
    for entry in reversed(entries[:FEED_ENTRIES]):
        item = feed.add_entry()
        item.id(_urn(f"entry\x00{settings.title}\x00{entry.folder}"))
        item.title(f"{entry.title} — {entry.label}")
        item.published(entry.generated_at)
        item.updated(entry.generated_at)
        main = entry.formats.get("html") or next(iter(entry.formats.values()))
        link = {"href": base + main, "rel": "alternate"}
        if main.endswith(".html"):
            link["type"] = "text/html"
        item.link(**link)
        links[link["href"]] = link
        if "pdf" in entry.formats:
            pdf = {"href": base + entry.formats["pdf"], "rel": "enclosure",
                   "type": "application/pdf"}
            item.link(**pdf)
            links[pdf["href"]] = pdf
        item.summary(_summary_text(entry))
        item.content(_summary_html(entry, base), type="html")
    return _restore_link_attributes(feed.atom_str(pretty=False), links)


def _restore_link_attributes(atom: bytes, links: dict[str, dict[str, str]]) -> str:
    """feedgen 1.0 drops rel and type from entry links (a bug in its atom_entry); put them
    back, or readers would take the PDF enclosure for the entry's page."""
    from lxml import etree

    root = etree.fromstring(atom)
    for element in root.iter("{http://www.w3.org/2005/Atom}link"):
        for name, value in links.get(element.get("href"), {}).items():
            element.set(name, value)
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8") + "\n"


def _summary_text(entry: ArchiveEntry) -> str:
    counts = (f"{entry.items} items from {entry.articles} articles. "
              if entry.items is not None else "")
    return counts + " ".join(entry.top_lines[:3])


def _summary_html(entry: ArchiveEntry, base: str) -> str:
    # Feed content is HTML that a feed reader displays: article text is escaped here too.
    parts = []
    if entry.top_lines:
        parts.append("<ol>" + "".join(f"<li>{escape(t)}</li>" for t in entry.top_lines)
                     + "</ol>")
    if entry.sections:
        parts.append("<p>" + " · ".join(f"{escape(t)} ({n})" for t, n in entry.sections)
                     + "</p>")
    links = [f'<a href="{escape(base + entry.formats["html"])}">Read the briefing</a>'
             if "html" in entry.formats else "",
             f'<a href="{escape(base + entry.formats["pdf"])}">PDF</a>'
             if "pdf" in entry.formats else ""]
    parts.append("<p>" + " · ".join(link for link in links if link) + "</p>")
    return "".join(parts)


def _urn(key: str) -> str:
    # Stable across rebuilds, so feed readers do not show an old briefing as new again.
    return uuid.uuid5(_NAMESPACE, key).urn
