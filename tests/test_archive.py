"""The archive beside the briefings: OUT/index.html and the Atom feed OUT/feed.xml.

Two real renders through the CLI (the second after an article arrives) must leave an index
that links, newest first, to each briefing's HTML and PDF with relative links that resolve to
files on disk, and a feed with one entry per briefing whose ids survive a rebuild.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from conftest import run_cli, write_config

from briefing.config import load_settings
from briefing.render.archive import write_archive

ATOM = "{http://www.w3.org/2005/Atom}"

# One line per paragraph (the backslashes join the source lines), as the seeds are written.
FIRST = """\
Danube ferry service resumes after repairs

The ferry between Izmail and the Romanian bank of the Danube resumed service on Monday after \
three weeks of repairs to its landing stage, the regional administration said. The operator \
expects about forty crossings a day and has added an evening run for lorries. Local traders \
said the closure had cost them much of the autumn harvest trade across the river.
"""

SECOND = """\
Lviv opens a second hospital for burns patients

A second specialist hospital for burns patients opened in Lviv on Tuesday, the regional \
health department said. The unit has sixty beds and two operating theatres, and its surgeons \
trained for six months at clinics in Poland and Germany. Doctors said the first patients \
would be transferred from the city's main hospital later this week.
"""


class Links(HTMLParser):
    """The href of every link inside each archive entry, in page order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.entries: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        attrs = dict(attrs)
        if tag == "li" and "archive-entry" in (attrs.get("class") or "").split():
            self.entries.append([])
        elif tag == "a" and self.entries and attrs.get("href"):
            self.entries[-1].append(attrs["href"])


def index_links(out: Path) -> list[list[str]]:
    parser = Links()
    parser.feed((out / "index.html").read_text(encoding="utf-8"))
    return parser.entries


def feed_entries(out: Path) -> list[ET.Element]:
    root = ET.parse(out / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("archive")
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "ferry.txt").write_text(FIRST, encoding="utf-8")
    config = write_config(root, sources=[{"path": "inbox/"}], themes=[])
    first = run_cli("--config", str(config), "render")
    (inbox / "burns.txt").write_text(SECOND, encoding="utf-8")
    second = run_cli("--config", str(config), "render")
    for code, _, err in (first, second):
        assert code == 0, err
    out = root / "output"
    folders = sorted((p for p in out.iterdir() if p.is_dir()), key=lambda p: len(p.name))
    assert len(folders) == 2 and folders[1].name == f"{folders[0].name}-2", folders
    return {"root": root, "config": config, "out": out, "first": folders[0],
            "second": folders[1]}


def test_index_links_to_each_briefings_html_and_pdf_newest_first(archive):
    out = archive["out"]
    entries = index_links(out)
    assert len(entries) == 2
    newest, oldest = entries
    for links, folder in ((newest, archive["second"]), (oldest, archive["first"])):
        for fmt in ("html", "pdf"):
            wanted = f"{folder.name}/briefing.{fmt}"
            assert wanted in links, (wanted, links)
        for href in links:
            assert not urlsplit(href).scheme and not href.startswith("/"), href  # relative
            assert (out / href).is_file(), href
    # The newest briefing's HTML links back to the archive and its feed.
    html = (archive["second"] / "briefing.html").read_text(encoding="utf-8")
    assert 'href="../index.html"' in html and 'href="../feed.xml"' in html
    assert (archive["second"] / "../index.html").resolve() == out / "index.html"


def test_index_says_what_each_briefing_holds(archive):
    index = (archive["out"] / "index.html").read_text(encoding="utf-8")
    assert "2 briefings, newest first" in index
    assert "(edition 2)" in index  # the day's second briefing is labelled as such
    assert index.count(" from 1 article ·") == 2  # one article, not "1 articles"
    assert index.index("Lviv") < index.index("Danube")  # each entry's lead line, newest first


def test_feed_is_atom_with_one_linked_entry_per_briefing(archive):
    out = archive["out"]
    parsed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    entries = feed_entries(out)
    assert len(entries) == 2
    for entry, folder in zip(entries, (archive["second"], archive["first"]), strict=True):
        links = {link.get("rel", "alternate"): link for link in entry.findall(f"{ATOM}link")}
        assert links["alternate"].get("href") == f"{folder.name}/briefing.html"
        assert links["alternate"].get("type") == "text/html"
        assert links["enclosure"].get("href") == f"{folder.name}/briefing.pdf"
        assert links["enclosure"].get("type") == "application/pdf"
        assert entry.findtext(f"{ATOM}id", "").startswith("urn:uuid:")
        assert entry.findtext(f"{ATOM}title")
        assert entry.findtext(f"{ATOM}updated")
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == 2


def test_feed_ids_are_stable_across_rebuilds_and_links_follow_public_url(archive):
    out = archive["out"]
    before = [e.findtext(f"{ATOM}id") for e in feed_entries(out)]
    settings = load_settings(archive["config"])
    write_archive(out, settings)
    assert [e.findtext(f"{ATOM}id") for e in feed_entries(out)] == before
    # Published on the web, the feed's links become absolute; the ids do not change, so a
    # reader that subscribed does not see the old briefings again as new ones.
    public = settings.model_copy(update={"public_url": "https://news.example.org/briefings/"})
    write_archive(out, public)
    entries = feed_entries(out)
    assert [e.findtext(f"{ATOM}id") for e in entries] == before
    hrefs = [link.get("href") for e in entries for link in e.findall(f"{ATOM}link")]
    assert hrefs and all(h.startswith("https://news.example.org/briefings/") for h in hrefs)
    write_archive(out, settings)  # leave the relative version for the other tests


def test_an_unreadable_briefing_json_is_still_listed(archive, tmp_path):
    # A copy of the output, so the shared archive stays intact.
    import shutil

    out = tmp_path / "output"
    shutil.copytree(archive["out"], out)
    broken = out / archive["first"].name / "briefing.json"
    broken.write_text("{not json", encoding="utf-8")
    result = write_archive(out, load_settings(archive["config"]))
    assert {e.folder for e in result.entries} == {archive["second"].name, archive["first"].name}
    assert len(result.problems) == 1 and str(broken) in result.problems[0]
    assert len(index_links(out)) == 2 and len(feed_entries(out)) == 2
