"""Issue 28, item 3: one voice per outlet. Forty near-identical copies of a made-up story
from one feed do not outrank a real event three outlets report (real feeds on 127.0.0.1, a
real render with the model)."""

from __future__ import annotations

import html
import json
from datetime import timedelta

from conftest import SEEDS, run_cli
from fixtures_http import http_server_fixture  # noqa: F401
from test_feeds import BASE_TIME, feed_route, make_project

from briefing.clock import FakeClock, use_clock
from briefing.compose.outlets import count_outlets, outlet_key
from briefing.records import Article

FLOOD = [
    "Officials in the port city of Valdora announced on Thursday that a new ferry line to "
    "the island of Keswin will open in the spring, carrying {n} passengers a day.",
    "The Valdora harbour authority said the ferry line would cost 40 million euros and "
    "employ about 200 people once it runs at full capacity.",
    "Mayor Ilse Brandt told reporters the ferry line to Keswin had been discussed for more "
    "than a decade and would finally link the island to the mainland all year round.",
    "Residents of Keswin have long complained that winter storms cut the island off for "
    "weeks at a time, leaving shops without supplies.",
    "The first ship of the new ferry line is being built at a yard in the north of the "
    "country and should be delivered in March.",
]

# Seeds that report the Blinken–Lavrov Geneva talks, each from an outlet of its own.
OUTLET_SEEDS = ["002_", "003_", "004_"]


def _rss(title: str, entries: list[tuple[str, str, str]]) -> bytes:
    items = "".join(
        f"<item><title>{html.escape(head)}</title><guid isPermaLink=\"false\">{guid}</guid>"
        f"<pubDate>Fri, 21 Jan 2022 09:30:00 GMT</pubDate>"
        f"<content:encoded><![CDATA[{body}]]></content:encoded></item>"
        for guid, head, body in entries)
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\" "
            "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel>"
            f"<title>{title}</title><link>https://wire.example/</link>"
            f"<description>News</description>{items}</channel></rss>").encode()


def _paragraphs(lines: list[str]) -> str:
    return "".join(f"<p>{html.escape(line)}</p>" for line in lines if line.strip())


def test_one_outlet_with_forty_copies_does_not_outrank_three_outlets(tmp_path, http_server):
    copies = [(f"copy-{n}", "New ferry line to Keswin to open in spring",
               _paragraphs([FLOOD[0].format(n=1200 + n), *FLOOD[1:]])) for n in range(40)]
    http_server.routes["/flood"] = feed_route(_rss("Valdora Courier", copies))
    sources = [{"feed": http_server.url("/flood")}]
    for k, prefix in enumerate(OUTLET_SEEDS):
        seed = next(SEEDS.glob(f"{prefix}*.txt")).read_text(encoding="utf-8")
        head, *rest = [p for p in seed.split("\n") if p.strip()]
        http_server.routes[f"/outlet{k}"] = feed_route(_rss(
            f"Outlet {k}", [(f"seed-{k}", head, _paragraphs(rest))]))
        sources.append({"feed": http_server.url(f"/outlet{k}")})
    config = make_project(tmp_path, sources, fetch={"max_entries": 100})
    with use_clock(FakeClock(BASE_TIME + timedelta(hours=2))):
        code, out, err = run_cli("--config", str(config), "render", "--format", "json,md")
    assert code == 0, out + err
    day = next(p for p in (tmp_path / "output").iterdir() if p.is_dir())
    data = json.loads((day / "briefing.json").read_text(encoding="utf-8"))
    source_of = {a["id"]: a["source"] for a in data["articles"]}
    flood_ids = {a["id"] for a in data["articles"] if a["source"] == "Valdora Courier"}
    assert len(flood_ids) >= 30  # the copies were all read (near, not exact, duplicates)

    def outlets(item: dict) -> set[str]:
        return {source_of[s] for s in item["sources"]}

    first = data["top_lines"][0]
    assert not set(first["sources"]) & flood_ids, first["text"]
    assert len(outlets(first)) >= 2, first
    # A section holding both stories shows the one more outlets report first.
    for section in data["sections"]:
        items = section["items"]
        if any(len(outlets(i)) >= 2 for i in items):
            assert len(outlets(items[0])) >= 2, (section["title"], items[0]["text"])


def _article(aid: str, source: str, url: str | None) -> Article:
    return Article(id=aid, title="t", source=source, text="x", url=url)


def test_an_outlet_is_its_name_or_its_registrable_domain():
    by_name = [_article("a", "Kyiv Wire", "https://a.example.org/1"),
               _article("b", "kyiv  wire", "https://b.example.net/2")]
    assert outlet_key(by_name[0]) == outlet_key(by_name[1])
    # No name of its own (the source is the URL's host): the registrable domain.
    by_host = [_article("c", "edition.cnn.com", "https://edition.cnn.com/x"),
               _article("d", "cnn.com", "https://www.cnn.com/y")]
    assert outlet_key(by_host[0]) == outlet_key(by_host[1])
    keys = {a.id: outlet_key(a) for a in [*by_name, *by_host]}
    assert count_outlets(["a", "b", "c", "d"], keys) == 2
    assert count_outlets(["a", "zz"], keys) == 2  # an article unknown here is its own voice
