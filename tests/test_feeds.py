"""Feeds and pages over real HTTP (a server on 127.0.0.1): every entry is picked up once, an
unchanged feed costs one 304, a changed entry is updated, and each broken feed gets one line."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from conftest import run_cli, write_config
from fixtures_http import Response, http_server_fixture  # noqa: F401  (http_server)

from briefing.clock import FakeClock, use_clock
from briefing.config import Source, load_settings
from briefing.pipeline import Pipeline
from briefing.sources.feeds import RETRY_SECONDS

# Short news articles written for these tests (one per theme, and a second diplomacy one).
ARTICLES = {
    "geneva": (
        "Blinken and Lavrov hold talks in Geneva",
        ["US Secretary of State Antony Blinken met Russian Foreign Minister Sergei Lavrov in "
         "Geneva on Friday for ninety minutes of talks about the troops massed near Ukraine.",
         "Both men described the meeting as frank. Lavrov said Moscow would send written "
         "answers to the American proposals next week, and Blinken said Washington would "
         "reply in writing to Russian demands on security guarantees.",
         "The two diplomats agreed to keep talking, although neither side reported any "
         "progress on the central question of NATO enlargement."]),
    "missiles": (
        "Baltic states send anti-tank missiles to Ukraine",
        ["Estonia, Latvia and Lithuania said on Saturday that they would send Javelin "
         "anti-tank missiles and Stinger air defence systems to Ukraine, with approval from "
         "Washington to transfer the American-made weapons.",
         "The defence ministers of the three countries said in a joint statement that the "
         "shipments would help the Ukrainian army defend the country against an attack.",
         "Britain has already delivered light anti-armour weapons and sent instructors to "
         "train Ukrainian soldiers in their use."]),
    "websites": (
        "Hackers deface Ukrainian government websites",
        ["About seventy Ukrainian government websites were defaced overnight in a "
         "cyberattack that left a threatening message on the homepage of the foreign "
         "ministry and several other institutions.",
         "Officials said no personal data had been stolen and that most of the sites were "
         "restored within hours. The security service said it was investigating possible "
         "links to hacking groups tied to Russian intelligence.",
         "Microsoft later reported finding destructive malware on dozens of government "
         "computers disguised as ransomware."]),
    "shelling": (
        "Shelling reported along the line of contact",
        ["Ukraine's Joint Forces Operation said Russian-backed forces violated the ceasefire "
         "nine times on Sunday, using mortars and grenade launchers near villages in the "
         "Donetsk and Luhansk regions.",
         "One Ukrainian soldier was wounded by shrapnel near Avdiivka, the military said, "
         "and a house in a frontline village was damaged by a shell.",
         "Monitors from the OSCE recorded dozens of explosions in the area over the "
         "weekend and urged both sides to respect the truce."]),
    "paris": (
        "Normandy format advisers meet in Paris",
        ["Political advisers from Ukraine, Russia, France and Germany met in Paris on "
         "Wednesday for eight hours of talks, the first such meeting in months.",
         "The four advisers issued a joint statement supporting an unconditional respect "
         "for the ceasefire and agreed to meet again in Berlin in two weeks.",
         "A Kremlin adviser called the talks difficult but useful, while the Ukrainian "
         "side said the meeting showed that diplomacy was still possible."]),
}
GERMAN = ("Regierung kündigt neue Hilfe an",
          ["Die Bundesregierung hat am Montag in Berlin erklärt, dass sie die Ukraine weiter "
           "mit Geld und Ausrüstung unterstützen wird, und der Kanzler sagte, dass die "
           "Gespräche mit Russland fortgesetzt werden sollen.",
           "Auch wenn die Lage an der Grenze sehr angespannt ist, sollen die Soldaten dort "
           "bleiben, sagte ein Sprecher des Ministeriums nach der Sitzung des Kabinetts."])

BASE_TIME = datetime(2022, 1, 21, 9, 30, tzinfo=UTC)


def body_html(name: str) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in ARTICLES[name][1])


def plain_text(name: str) -> str:
    return "\n\n".join(ARTICLES[name][1])


def rss(entries: list[dict], title: str = "Kyiv Wire") -> bytes:
    """RSS 2.0. An entry: name (of ARTICLES), guid, link, and what to carry: content
    (content:encoded), summary (description text), or neither."""
    items = []
    for e in entries:
        parts = [f"<title>{html.escape(e.get('title', ARTICLES[e['name']][0]))}</title>"]
        if e.get("guid"):
            parts.append(f"<guid isPermaLink=\"false\">{e['guid']}</guid>")
        if e.get("link"):
            parts.append(f"<link>{html.escape(e['link'])}</link>")
        when = BASE_TIME + timedelta(hours=e.get("hours", 0))
        parts.append(f"<pubDate>{format_datetime(when)}</pubDate>")
        if e.get("content", True):
            parts.append(f"<content:encoded><![CDATA[{e.get('html') or body_html(e['name'])}"
                         "]]></content:encoded>")
        if e.get("summary"):
            parts.append(f"<description>{html.escape(e['summary'])}</description>")
        items.append("<item>" + "".join(parts) + "</item>")
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
            "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">"
            f"<channel><title>{title}</title><link>https://wire.example/</link>"
            "<description>News</description>\n" + "\n".join(items) +
            "\n</channel></rss>\n").encode("utf-8")


def atom(names: list[str], title: str = "Atom Desk") -> bytes:
    entries = "".join(
        f"<entry><title>{html.escape(ARTICLES[n][0])}</title><id>tag:desk.example,2022:{n}</id>"
        f"<link href=\"https://desk.example/{n}\"/><updated>2022-01-21T09:30:00Z</updated>"
        f"<content type=\"html\">{html.escape(body_html(n))}</content></entry>"
        for n in names)
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?>"
            "<feed xmlns=\"http://www.w3.org/2005/Atom\">"
            f"<title>{title}</title><id>tag:desk.example,2022:feed</id>"
            f"<updated>2022-01-21T09:30:00Z</updated>{entries}</feed>").encode()


def rss10(names: list[str]) -> bytes:
    items = "".join(
        f"<item rdf:about=\"https://rdf.example/{n}\"><title>{html.escape(ARTICLES[n][0])}"
        f"</title><link>https://rdf.example/{n}</link>"
        f"<description>{html.escape(plain_text(n))}</description>"
        f"<dc:date>2022-01-21T09:30:00Z</dc:date></item>" for n in names)
    return ("<?xml version=\"1.0\"?><rdf:RDF "
            "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
            "xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
            "<channel rdf:about=\"https://rdf.example/\"><title>RDF Post</title>"
            "<link>https://rdf.example/</link><description>News</description></channel>"
            f"{items}</rdf:RDF>").encode()


def rss091(names: list[str]) -> bytes:
    items = "".join(
        f"<item><title>{html.escape(ARTICLES[n][0])}</title>"
        f"<link>https://old.example/{n}</link>"
        f"<description>{html.escape(plain_text(n))}</description></item>" for n in names)
    return ("<?xml version=\"1.0\"?><rss version=\"0.91\"><channel><title>Old Times</title>"
            "<link>https://old.example/</link><description>News</description>"
            f"<language>en</language>{items}</channel></rss>").encode()


def page(name: str, site: str = "Kyiv Daily") -> bytes:
    """A whole article page with the furniture real sites have around the story."""
    title = html.escape(ARTICLES[name][0])
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | {site}</title><meta property="og:title" content="{title}">
<meta property="og:site_name" content="{site}">
<meta property="article:published_time" content="2022-01-21T09:30:00+02:00"></head><body>
<div class="cookies">We use cookies to improve your experience. Accept all cookies</div>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
</header><main><article><h1>{title}</h1><p class="byline">By Staff Reporter</p>
<figure><img src="p.jpg" alt="photo"><figcaption>A photo [Alex Brandon/Pool via AP]
</figcaption></figure>{body_html(name)}</article>
<aside><h2>Related posts</h2><a href="/x">Nato allies send more jets to eastern Europe</a>
</aside><section class="comments"><h2>Leave a Reply</h2>
<p>Great article, thanks for covering this!</p></section></main>
<footer>© 2022 {site}. All rights reserved.</footer><script>track()</script></body></html>
""".encode()


RSS_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
HTML_TYPE = {"Content-Type": "text/html; charset=utf-8"}


def feed_route(body: bytes, etag: str = '"v1"', **extra: str) -> Response:
    headers = {**RSS_TYPE, "ETag": etag,
               "Last-Modified": "Fri, 21 Jan 2022 10:00:00 GMT", **extra}
    return Response(200, headers, body)


def make_project(folder: Path, sources: list[dict], **overrides) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_config(folder, sources=sources, **overrides)


def collect(config: Path, sources: list[Source] | None = None):
    with Pipeline(load_settings(config)) as pipeline:
        result = pipeline.collect(sources)
        stored = pipeline.store.articles(uncovered_only=False)
        states = {row["key"]: dict(row) for row in pipeline.store.sources()}
    return result, stored, states


def entry(name: str, **kw) -> dict:
    return {"name": name, "guid": f"wire-{name}", "link": f"https://wire.example/{name}", **kw}


# --- formats and metadata -------------------------------------------------------------------


@pytest.mark.parametrize("builder", [
    lambda names: rss([entry(n) for n in names]), atom, rss10, rss091,
], ids=["rss2.0", "atom1.0", "rss1.0", "rss0.91"])
def test_each_feed_format_yields_every_entry_with_its_metadata(tmp_path, http_server, builder):
    http_server.routes["/feed"] = feed_route(builder(["geneva", "missiles"]))
    config = make_project(tmp_path, [{"feed": http_server.url("/feed")}])
    result, stored, _ = collect(config)
    assert not result.problems
    assert sorted(a.title for a in stored) == sorted(ARTICLES[n][0] for n in
                                                     ("geneva", "missiles"))
    for article in stored:
        assert article.url and article.url.startswith("https://")
        assert article.source and article.source != "feed"
        assert article.entry_key
        assert "Geneva" in article.text or "anti-tank" in article.text
    if builder is not rss091:  # RSS 0.91 items carry no date
        assert all(a.published and a.published.startswith("2022-01-21") for a in stored)


def test_feed_entry_keeps_title_link_date_and_feed_name(tmp_path, http_server):
    http_server.routes["/feed"] = feed_route(rss([entry("geneva")], title="Kyiv Wire"))
    config = make_project(tmp_path, [{"feed": http_server.url("/feed")}])
    _, [article], _ = collect(config)
    assert article.title == "Blinken and Lavrov hold talks in Geneva"
    assert article.url == "https://wire.example/geneva"
    assert article.published == "2022-01-21T09:30:00+00:00"
    assert article.source == "Kyiv Wire"
    assert article.text.split("\n\n")[0].startswith("US Secretary of State Antony Blinken")
    # A configured name wins over the feed's own title.
    named = make_project(tmp_path / "named", [{"feed": http_server.url("/feed"),
                                               "name": "The Wire"}])
    _, [article], _ = collect(named)
    assert article.source == "The Wire"


def test_teaser_entry_gets_its_text_from_the_linked_page(tmp_path, http_server):
    http_server.routes["/story/geneva"] = Response(200, HTML_TYPE, page("geneva"))
    teaser = "Blinken and Lavrov met in Geneva. Read the full story."
    http_server.routes["/feed"] = feed_route(rss([entry(
        "geneva", link=http_server.url("/story/geneva"), content=False, summary=teaser)]))
    config = make_project(tmp_path, [{"feed": http_server.url("/feed")}])
    result, [article], _ = collect(config)
    assert not result.problems
    assert article.title == "Blinken and Lavrov hold talks in Geneva"  # the feed's title
    assert "ninety minutes of talks" in article.text  # the page's text, not the teaser
    for junk in ("cookies", "Related posts", "Leave a Reply", "Great article", "Home",
                 "All rights reserved", "Alex Brandon"):
        assert junk not in article.text, junk
    assert http_server.requests_to("/story/geneva")[0].header("User-Agent").startswith(
        "Briefing/")
    # Polling again does not fetch a page it already has.
    http_server.routes["/feed"] = feed_route(http_server.routes["/feed"].body, etag='"v2"')
    collect(config)
    assert len(http_server.requests_to("/story/geneva")) == 1


def test_long_summary_is_the_article_and_no_page_is_fetched(tmp_path, http_server):
    long_text = " ".join([plain_text("geneva"), plain_text("paris")])
    assert len(long_text.split()) >= 150
    http_server.routes["/feed"] = feed_route(rss([entry(
        "geneva", link=http_server.url("/never"), content=False, summary=long_text)]))
    config = make_project(tmp_path, [{"feed": http_server.url("/feed")}])
    result, [article], _ = collect(config)
    assert not result.problems and "Normandy" not in article.title
    assert not http_server.requests_to("/never")


def test_url_source_reads_one_page_with_its_metadata(tmp_path, http_server):
    http_server.routes["/article"] = Response(200, HTML_TYPE, page("websites", "Tech Times"))
    config = make_project(tmp_path, [{"url": http_server.url("/article")}])
    result, [article], _ = collect(config)
    assert not result.problems
    assert article.title == "Hackers deface Ukrainian government websites"
    assert article.source == "Tech Times"
    assert article.url == http_server.url("/article")
    assert article.published.startswith("2022-01-21")
    assert "Microsoft later reported" in article.text and "cookies" not in article.text


def test_url_that_serves_a_feed_is_read_as_one(tmp_path, http_server):
    http_server.routes["/news"] = feed_route(atom(["shelling", "paris"]))
    config = make_project(tmp_path, [{"url": http_server.url("/news")}])
    result, stored, _ = collect(config)
    assert not result.problems and len(stored) == 2


# --- picked up once -------------------------------------------------------------------------


def test_unchanged_feed_is_answered_304_and_adds_nothing(tmp_path, http_server):
    http_server.routes["/feed"] = feed_route(rss([entry("geneva"), entry("missiles")]))
    config = make_project(tmp_path, [{"feed": http_server.url("/feed")}])
    first, stored, states = collect(config)
    assert len(first.new) == 2
    assert states[f"feed: {http_server.url('/feed')}"]["etag"] == '"v1"'
    second, stored_again, states = collect(config)
    request = http_server.requests_to("/feed")[-1]
    assert request.header("If-None-Match") == '"v1"'
    assert request.header("If-Modified-Since") == "Fri, 21 Jan 2022 10:00:00 GMT"
    assert not second.new and not second.updated and not second.problems
    assert second.known == 0  # a 304 carries no body: nothing was even parsed
    assert [a.id for a in stored_again] == [a.id for a in stored]
    assert states[f"feed: {http_server.url('/feed')}"]["status"] == "not modified"


def test_last_modified_alone_also_gives_a_304(tmp_path, http_server):
    body = rss([entry("geneva")])
    http_server.routes["/feed"] = Response(
        200, {**RSS_TYPE, "Last-Modified": "Fri, 21 Jan 2022 10:00:00 GMT"}, body)
    config = make_project(tmp_path, [{"feed": http_server.url("/feed")}])
    collect(config)
    result, stored, _ = collect(config)
    assert http_server.requests_to("/feed")[-1].header("If-None-Match") is None
    assert http_server.requests_to("/feed")[-1].header("If-Modified-Since")
    assert not result.new and len(stored) == 1


def test_new_entries_are_picked_up_and_old_ones_are_not_again(tmp_path, http_server):
    http_server.routes["/feed"] = feed_route(rss([entry("geneva"), entry("missiles")]))
    config = make_project(tmp_path, [{"feed": http_server.url("/feed")}])
    collect(config)
    http_server.routes["/feed"] = feed_route(
        rss([entry("websites"), entry("geneva"), entry("missiles")]), etag='"v2"')
    result, stored, _ = collect(config)
    assert [a.title for a in result.new] == [ARTICLES["websites"][0]]
    assert result.known == 2 and len(stored) == 3


def test_same_article_twice_in_a_feed_in_two_feeds_and_under_a_new_url_is_one(
        tmp_path, http_server):
    http_server.routes["/a"] = feed_route(rss([entry("geneva"), entry("geneva")]))
    http_server.routes["/b"] = feed_route(rss([
        entry("geneva", guid="other-feed-id-17"),  # the same story syndicated elsewhere
        entry("geneva", guid="moved", link="https://mirror.example/geneva-talks"),
    ], title="Mirror"))
    config = make_project(tmp_path, [{"feed": http_server.url("/a")},
                                     {"feed": http_server.url("/b")}])
    result, stored, _ = collect(config)
    assert len(result.new) == 1 and len(stored) == 1
    assert not result.problems


def test_changed_entry_text_updates_the_article_instead_of_adding_one(tmp_path, http_server):
    http_server.routes["/feed"] = feed_route(rss([entry("geneva")]))
    config = make_project(tmp_path, [{"feed": http_server.url("/feed")}])
    collect(config)
    corrected = body_html("geneva").replace("ninety minutes", "two hours")
    http_server.routes["/feed"] = feed_route(rss([entry("geneva", html=corrected)]),
                                             etag='"v2"')
    result, stored, _ = collect(config)
    assert len(result.updated) == 1 and not result.new
    assert len(stored) == 1 and "two hours" in stored[0].text


def test_plain_guids_of_different_feeds_do_not_clash(tmp_path, http_server):
    # Two unrelated feeds that both number their entries "1", "2" …
    http_server.routes["/a"] = feed_route(rss([entry("geneva", guid="1")]))
    http_server.routes["/b"] = feed_route(rss([entry("shelling", guid="1")], title="B"))
    config = make_project(tmp_path, [{"feed": http_server.url("/a")},
                                     {"feed": http_server.url("/b")}])
    result, stored, _ = collect(config)
    assert len(result.new) == 2 and len(stored) == 2 and not result.updated


# --- bad feeds: one clear line each, the rest goes on ----------------------------------------


def _bad_feed_routes(server) -> dict[str, str]:
    """path -> a word the reason must contain."""
    good = rss([entry("geneva")])
    server.routes["/slow"] = Response(200, RSS_TYPE, good, delay=5)
    server.routes["/gone"] = (404, {}, b"not here")
    server.routes["/broken"] = (500, {}, b"oops")
    server.routes["/huge"] = Response(200, RSS_TYPE, good + b"<!--" + b"x" * 20_000 + b"-->")
    server.routes["/loop"] = (302, {"Location": "/loop2"}, b"")
    server.routes["/loop2"] = (302, {"Location": "/loop"}, b"")
    server.routes["/cut"] = Response(200, RSS_TYPE, good[: len(good) // 2 + 40])
    server.routes["/html"] = Response(200, HTML_TYPE, page("geneva"))
    server.routes["/to-ftp"] = (301, {"Location": "ftp://files.example/feed.xml"}, b"")
    return {"/slow": "timed out", "/gone": "404", "/broken": "500", "/huge": "size limit",
            "/loop": "redirect loop", "/cut": "truncated", "/html": "not an RSS or Atom",
            "/to-ftp": "only http and https"}


def test_each_broken_feed_gives_one_clear_line_and_the_good_one_is_read(tmp_path,
                                                                        http_server):
    expected = _bad_feed_routes(http_server)
    http_server.routes["/good"] = feed_route(rss([entry("missiles")]))
    feeds = [http_server.url(p) for p in expected] + ["ftp://files.example/feed.xml",
                                                      http_server.url("/good")]
    config = make_project(tmp_path, [{"feed": f} for f in feeds],
                          fetch={"timeout_seconds": 1, "max_bytes": 10_000})
    result, stored, states = collect(config)
    assert [a.title for a in stored] == [ARTICLES["missiles"][0]]
    by_origin = {}
    for problem in result.problems:
        assert problem.origin not in by_origin, f"two lines for {problem.origin}"
        by_origin[problem.origin] = problem.reason
    expected_words = {http_server.url(p): w for p, w in expected.items()}
    expected_words["ftp://files.example/feed.xml"] = "only http and https"
    assert set(by_origin) == set(expected_words)
    for origin, word in expected_words.items():
        assert word in by_origin[origin], (origin, by_origin[origin])
        assert states[f"feed: {origin}"]["status"].startswith("error: ")
    assert states[f"feed: {http_server.url('/good')}"]["status"] == "ok"


def test_truncated_feed_is_read_in_full_once_it_is_whole_again(tmp_path, http_server):
    whole = rss([entry("geneva"), entry("missiles")])
    http_server.routes["/feed"] = feed_route(whole[:-60])  # same ETag as the whole feed
    config = make_project(tmp_path, [{"feed": http_server.url("/feed")}])
    result, stored, _ = collect(config)
    assert len(result.problems) == 1 and "truncated" in result.problems[0].reason
    assert not stored  # no half article
    http_server.routes["/feed"] = feed_route(whole)
    result, stored, _ = collect(config)
    # The truncated copy's validators were not kept, so this is a full fetch, not a 304.
    assert http_server.requests_to("/feed")[-1].header("If-None-Match") is None
    assert len(stored) == 2 and not result.problems


def test_teaser_entry_whose_page_fails_is_used_and_its_page_tried_again_later(tmp_path,
                                                                           http_server):
    http_server.routes["/feed"] = feed_route(rss([
        entry("geneva"),
        entry("paris", link=http_server.url("/story/paris"), content=False),
    ]))
    config = make_project(tmp_path, [{"feed": http_server.url("/feed")}])
    with use_clock(FakeClock(BASE_TIME)) as clock:
        result, stored, _ = collect(config)
        # The entry is not skipped: its headline stands in, cited as is.
        assert not result.problems and http_server.requests_to("/story/paris")
        [brief] = [a for a in stored if a.url == http_server.url("/story/paris")]
        assert brief.text == brief.title == ARTICLES["paris"][0]
        assert len(stored) == 2
        # Once the page can be had (after the back-off), it replaces the stand-in.
        http_server.routes["/story/paris"] = Response(200, HTML_TYPE, page("paris"))
        collect(config)
        assert len(http_server.requests_to("/story/paris")) == 1  # still backing off
        clock.advance(RETRY_SECONDS)
        result, stored, _ = collect(config)
    assert len(http_server.requests_to("/story/paris")) == 2
    [full] = [a for a in stored if a.url == http_server.url("/story/paris")]
    assert len(full.text.split()) > len(brief.text.split())


def test_entry_linking_to_a_pdf_falls_back_to_its_summary_or_headline(tmp_path,
                                                                       http_server):
    http_server.routes["/doc.pdf"] = Response(200, {"Content-Type": "application/pdf"},
                                              b"%PDF-1.4 " + bytes(500))
    summary = plain_text("paris")  # under FULL_TEXT_WORDS: a page is fetched first
    http_server.routes["/feed"] = feed_route(rss([
        entry("geneva", link=http_server.url("/doc.pdf"), content=False),
        entry("paris", link=http_server.url("/doc.pdf?2"), content=False, summary=summary),
    ]))
    config = make_project(tmp_path, [{"feed": http_server.url("/feed")}])
    result, stored, _ = collect(config)
    assert not result.problems
    texts = {a.title: a.text for a in stored}
    assert texts[ARTICLES["geneva"][0]] == ARTICLES["geneva"][0]  # a headline is a brief
    assert "joint statement" in texts[ARTICLES["paris"][0]]


def test_entry_in_another_language_is_reported_by_name(tmp_path, http_server):
    german = "".join(f"<p>{p}</p>" for p in GERMAN[1])
    http_server.routes["/feed"] = feed_route(rss([
        entry("geneva"), entry("missiles", title=GERMAN[0], html=german,
                               link="https://wire.example/hilfe")]))
    config = make_project(tmp_path, [{"feed": http_server.url("/feed")}])
    result, stored, _ = collect(config)
    assert len(stored) == 1
    [problem] = result.problems
    assert problem.origin == "https://wire.example/hilfe"
    assert "German (de)" in problem.reason and "English (en)" in problem.reason


def test_page_that_is_not_text_is_reported(tmp_path, http_server):
    http_server.routes["/photo"] = Response(200, {"Content-Type": "image/png"},
                                            b"\x89PNG\r\n\x1a\n" + bytes(2000))
    config = make_project(tmp_path, [{"url": http_server.url("/photo")}])
    result, stored, _ = collect(config)
    assert not stored
    assert [p.reason for p in result.problems] == [
        "not an article page (the server sent image/png)"]


# --- through the command line ---------------------------------------------------------------


def test_sources_command_lists_status_counts_and_reasons(tmp_path, http_server):
    http_server.routes["/feed"] = feed_route(rss([entry("geneva"), entry("shelling")]))
    config = make_project(tmp_path, [{"feed": http_server.url("/feed"), "name": "Wire"},
                                     {"feed": http_server.url("/gone")}])
    collect(config)
    collect(config)
    code, out, err = run_cli("--config", str(config), "sources")
    assert code == 0, err
    good, bad = out.split(f"feed: {http_server.url('/gone')}")
    assert "Wire" in good and "not modified" in good and "2 new" in good
    assert "error: the server answered HTTP 404 Not Found" in bad


def test_render_picks_up_each_entry_once_then_only_new_ones_then_nothing(tmp_path,
                                                                         http_server):
    http_server.routes["/feed"] = feed_route(rss([entry(n) for n in
                                                  ("geneva", "missiles", "websites")]))
    # The wire's entries are dated 21 January 2022: no window, so they are news today.
    config = make_project(tmp_path, [{"feed": http_server.url("/feed")}], window_hours=0)

    def render() -> tuple[int, str, str, dict | None]:
        code, out, err = run_cli("--config", str(config), "render", "--format", "json")
        written = [line.split()[-1] for line in out.splitlines() if line.strip()
                   .startswith("json")]
        data = json.loads(Path(written[0]).read_text()) if written else None
        return code, out, err, data

    code, out, err, first = render()
    assert code == 0 and not err, err
    assert first["stats"]["articles_considered"] == 3
    assert {a["title"] for a in first["articles"]} <= {ARTICLES[n][0] for n in
                                                       ("geneva", "missiles", "websites")}

    http_server.routes["/feed"] = feed_route(
        rss([entry(n) for n in ("shelling", "paris", "geneva", "missiles", "websites")]),
        etag='"v2"')
    code, out, err, second = render()
    assert code == 0 and not err, err
    assert second["stats"]["articles_considered"] == 2
    assert {a["title"] for a in second["articles"]} <= {ARTICLES["shelling"][0],
                                                        ARTICLES["paris"][0]}

    code, out, err, third = render()
    assert code == 0 and third is None and "No new articles" in out
    last = http_server.requests_to("/feed")[-1]
    assert last.header("If-None-Match") == '"v2"'
    assert len(http_server.requests_to("/feed")) == 3


def test_cli_input_reads_a_feed_url_instead_of_the_configured_sources(tmp_path, http_server):
    http_server.routes["/rss"] = feed_route(rss([entry("geneva"), entry("paris")]))
    config = make_project(tmp_path, [{"path": "nowhere/"}], window_hours=0)  # a 2022 wire
    code, out, err = run_cli("--config", str(config), "render", "--format", "md",
                             "--input", http_server.url("/rss"))
    assert code == 0, err
    assert "nowhere" not in err
    md = next(tmp_path.glob("output/*/briefing.md")).read_text()
    assert "Kyiv Wire" in md
