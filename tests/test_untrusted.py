"""Article text is untrusted: markup in it is shown as text, never run, never fetched.

Two hostile articles go through the real CLI (real model, WeasyPrint, archive): a text file
whose title and sentences carry a <script>, a javascript: link and an <img> pointing at a
local HTTP server that records every request, and a JSON article whose address is
``javascript:alert(1)``. Every output is then read the way its consumer reads it: the HTML
with html.parser and in headless Chromium, the Markdown with a CommonMark renderer that
passes raw HTML through, the PDF with pdftotext.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from html.parser import HTMLParser

import pytest
from conftest import run_cli, write_config
from fixtures_http import LocalHTTPServer

from briefing.config import load_settings
from briefing.records import Briefing
from briefing.render.email_html import render_email_html

SCRIPT = "<script>alert(1)</script>"
JS_LINK = '<a href="javascript:alert(1)">click</a>'
MD_LINK = "[click](javascript:alert(1))"
PIXEL = "/pixel.png"

# The first line is heading-like, so it becomes the title (shown in the sources list and in
# every source chip's tooltip). Each injection sits in an ordinary news sentence, and the
# article is short, so every sentence becomes an item.
DEFACED = """\
Hackers deface <script>alert("title")</script> ministry websites

Hackers defaced the websites of three ministries on Tuesday and planted {script} in the home \
pages, the national cyber agency said in a statement.

Staff received phishing emails with a link reading {js_link} and a second one written as \
{md_link}, investigators said.

The defaced pages also loaded {img} from a server abroad, according to the agency's first \
report.

The agency said all three sites were restored by Wednesday morning and that no personal data \
had been stolen.
"""

PORT_ARTICLE = {
    "title": "Port of Odesa reopens <svg onload=alert(1)> after the storm",
    "url": "javascript:alert(1)",
    "source": "Harbour <b>Gazette</b>",
    "text": "The port of Odesa reopened on Thursday after a two-day closure caused by a winter "
            "storm, the port authority said. Ships that had waited at anchor began entering the "
            "harbour in the morning, and officials expected the backlog of grain cargo to clear "
            "within a week. Dock workers said the storm had damaged two cranes but that loading "
            "continued at the other berths.",
}

# Elements that could run code or fetch something; the templates use none of them.
ACTIVE = {"script", "img", "svg", "iframe", "object", "embed", "image", "video", "audio",
          "source", "link", "meta", "base", "form", "input", "style"}


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text a reader sees."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self._in_head = False  # <title> and <style> are not shown on the page

    def handle_starttag(self, tag: str, attrs) -> None:
        self._in_head = self._in_head or tag == "head"
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self._in_head = self._in_head and tag != "head"

    def handle_data(self, data: str) -> None:
        if not self._in_head:
            self.text.append(data)

    @classmethod
    def of(cls, html: str) -> Elements:
        parser = cls()
        parser.feed(html)
        parser.close()
        return parser

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())


def assert_nothing_injected(html: str, head_allows: frozenset[str] = frozenset()) -> Elements:
    page = Elements.of(html)
    body_started = False
    for tag, attrs in page.tags:
        body_started = body_started or tag == "body"
        # <meta>, <link> and <style> belong in the template's <head>; in the body they are not
        # ours, and nothing may be a script, an image or an embed anywhere.
        if body_started or tag not in head_allows:
            assert tag not in ACTIVE, (tag, attrs)
        for name, value in attrs.items():
            assert not name.lower().startswith("on"), (tag, name, value)
            if name.lower() in {"href", "src", "action", "formaction", "xlink:href"}:
                target = value.strip().lower()
                assert not target.startswith(("javascript:", "data:", "vbscript:")), (tag, name)
                assert "127.0.0.1" not in value, (tag, name, value)
    return page


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict:
    """One render (md, html, pdf, json) of the two hostile articles, with a recording server."""
    server = LocalHTTPServer().start()
    server.routes[PIXEL] = (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n")
    root = tmp_path_factory.mktemp("untrusted")
    inbox = root / "inbox"
    inbox.mkdir()
    img = f'<img src="{server.url(PIXEL)}" onerror="alert(1)">'
    (inbox / "defaced.txt").write_text(
        DEFACED.format(script=SCRIPT, js_link=JS_LINK, md_link=MD_LINK, img=img),
        encoding="utf-8")
    (inbox / "port.json").write_text(json.dumps(PORT_ARTICLE), encoding="utf-8")
    # No themes: one generic section, so every sentence of two short articles is an item.
    config = write_config(root, sources=[{"path": "inbox/"}], themes=[])
    code, out, err = run_cli("--config", str(config), "render", "--format", "md,html,pdf,json")
    requests_during_render = list(server.requests)
    day = next(p for p in (root / "output").iterdir() if p.is_dir())
    yield {"root": root, "config": config, "dir": day, "code": code, "stderr": err,
           "img": img, "server": server, "requests": requests_during_render,
           "json": json.loads((day / "briefing.json").read_text(encoding="utf-8"))}
    server.stop()


def test_the_hostile_sentences_are_items_of_the_briefing(hostile):
    assert hostile["code"] == 0, hostile["stderr"]
    # A story's lead and its supporting facts: every sentence of the two articles is a line.
    items = [line["text"] for s in hostile["json"]["sections"] for i in s["items"]
             for line in [i, *i["facts"]]]
    # briefing.json is data: it keeps the text exactly as the article wrote it.
    for needle in (SCRIPT, JS_LINK, MD_LINK, hostile["img"]):
        assert any(needle in text for text in items), needle
    urls = {a["title"]: a["url"] for a in hostile["json"]["articles"]}
    assert urls[PORT_ARTICLE["title"]] == "javascript:alert(1)"


def test_html_shows_the_markup_as_text_and_makes_no_element_of_it(hostile):
    html = (hostile["dir"] / "briefing.html").read_text(encoding="utf-8")
    page = assert_nothing_injected(html, head_allows=frozenset({"meta", "link", "style"}))
    for needle in (SCRIPT, JS_LINK, MD_LINK, hostile["img"], '<script>alert("title")</script>',
                   PORT_ARTICLE["title"], "Harbour <b>Gazette</b>"):
        assert needle in page.visible, needle
    # The javascript: address is not a link anywhere: the JSON article's title is plain text.
    assert "javascript:" not in " ".join(a.get("href", "") for _, a in page.tags)


def test_email_html_is_just_as_inert(hostile):
    settings = load_settings(hostile["config"])
    html = render_email_html(Briefing.from_json(hostile["json"]), settings)
    page = assert_nothing_injected(html, head_allows=frozenset({"meta", "style"}))
    assert SCRIPT in page.visible and hostile["img"] in page.visible


def test_markdown_escapes_so_a_renderer_makes_no_element(hostile):
    from markdown_it import MarkdownIt

    markdown = (hostile["dir"] / "briefing.md").read_text(encoding="utf-8")
    # md_escape puts a backslash before < > [ ] ! and the like.
    assert r"\<script\>alert(1)\</script\>" in markdown
    assert r"\[click\](javascript:alert(1))" in markdown
    assert not re.search(r"(?<!\\)\]\(javascript:", markdown)  # no live link target
    # CommonMark passes raw HTML through, so an unescaped tag would become an element here.
    html = MarkdownIt("commonmark").render(markdown)
    page = assert_nothing_injected(html)
    for needle in (SCRIPT, JS_LINK, MD_LINK, hostile["img"], PORT_ARTICLE["title"]):
        assert needle in page.visible, needle


def test_pdf_prints_the_markup_as_text(hostile):
    text = subprocess.run(["pdftotext", str(hostile["dir"] / "briefing.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert SCRIPT in flat and "javascript:alert(1)" in flat


def test_archive_index_and_feed_have_nothing_injected(hostile):
    index = (hostile["root"] / "output" / "index.html").read_text(encoding="utf-8")
    page = assert_nothing_injected(index, head_allows=frozenset({"meta", "link", "style"}))
    # The briefing's first item is shown as text, markup and all (the defacement story's
    # "<script>" when it comes first), whichever of the two stories the composition puts first.
    first = hostile["json"]["sections"][0]["items"][0]["text"]
    assert first in page.visible
    lines = [i["text"] for s in hostile["json"]["sections"] for i in s["items"]]
    assert any(SCRIPT in line for line in lines)
    # The feed's content is HTML a feed reader shows: once unescaped from the XML it must
    # still hold no element of the article's.
    import xml.etree.ElementTree as ET

    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(hostile["root"] / "output" / "feed.xml").getroot()
    for content in feed.iter(f"{atom}content"):
        assert_nothing_injected(content.text or "")


def test_nothing_was_fetched_while_rendering_nor_when_a_browser_opens_it(hostile, tmp_path):
    server: LocalHTTPServer = hostile["server"]
    assert hostile["requests"] == [], [r.path for r in hostile["requests"]]
    # A browser runs scripts and loads images; the page must give it neither.
    from test_design import Chromium

    chromium = Chromium(tmp_path / "profile")
    try:
        session = chromium.open((hostile["dir"] / "briefing.html").as_uri(), 1280, 900)
        counts = chromium.evaluate(
            session, "document.querySelectorAll('script, img, svg, iframe').length")
        index = chromium.open((hostile["root"] / "output" / "index.html").as_uri(), 1280, 900)
        index_counts = chromium.evaluate(
            index, "document.querySelectorAll('script, img, svg, iframe').length")
    finally:
        chromium.close()
    assert counts == 0 and index_counts == 0
    assert server.requests == [], [r.path for r in server.requests]
    # The server does answer, so the silence above means something.
    with urllib.request.urlopen(server.url(PIXEL), timeout=10) as response:
        assert response.status == 200
    assert [r.path for r in server.requests] == [PIXEL]



# --- a template override is untrusted too: it runs in Jinja's sandbox -------------------------

HOSTILE_TEMPLATES = {
    "briefing.md.j2": "{{ ''.__class__.__mro__[1].__subclasses__() }}\n",
    "partials/footer.html.j2": "<footer>{{ cycler.__init__.__globals__.os.popen('id')"
                               ".read() }}</footer>\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_TEMPLATES))
def test_a_hostile_template_override_fails_in_one_line_and_changes_nothing(hostile, tmp_path,
                                                                           name):
    import shutil

    from briefing.store import Store

    root = tmp_path / "copy"
    shutil.copytree(hostile["root"], root)
    mine = root / "mytemplates"
    (mine / name).parent.mkdir(parents=True, exist_ok=True)
    (mine / name).write_text(HOSTILE_TEMPLATES[name], encoding="utf-8")
    config = write_config(root, sources=[{"path": "inbox/"}], themes=[],
                          templates_dir="mytemplates")
    output = root / "output"
    before = {p: p.read_bytes() for p in output.rglob("*") if p.is_file()}

    def briefings() -> list[tuple]:
        with Store(root / "state" / "briefing.sqlite3") as store:
            return [tuple(r) for r in store.db.execute(
                "SELECT b.id, b.out_dir, count(c.article_id) FROM briefings b LEFT JOIN "
                "coverage c ON c.briefing_id = b.id GROUP BY b.id")]

    recorded = briefings()
    assert recorded and before  # the earlier briefing is there to be kept
    code, out, err = run_cli("--config", str(config), "render", "--all")
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert re.fullmatch(rf"briefing: error: template {re.escape(str(mine / name))}, line 1: "
                        r"access to attribute '__\w+__' of '\w+' object is unsafe\.\n", err)
    # Nothing written: no new folder, earlier briefings byte for byte, no briefing recorded.
    assert {p: p.read_bytes() for p in output.rglob("*") if p.is_file()} == before
    assert briefings() == recorded
