"""A real wire feed's day, end to end: RUWA headlines of 21 February 2022, then 22 February.

Every RUWA entry of those days that has a description (41 and 53; ../shared/eval/ruwa/, read
in place: its licence keeps the text out of this repository) becomes an RSS item: the
headline as title, the description as its summary, a link to a page on 127.0.0.1 that
answers 404 (so each entry is a teaser whose page cannot be had, and the teaser is used).
The feed is served by a local HTTP server and rendered with the default config's themes
and a budget of 100,000 words (the budget is the only cap); then the 22 February entries
are added to the feed and a second render covers what is new.

    python bench/ruwa_feed.py [--budget 100000]

Reports, per render: entries, entries skipped (and why), entries covered by an item (once,
or more than once), and whether the second render covered exactly the new entries.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from fixtures_http import LocalHTTPServer, Response  # noqa: E402

from bench.themes import RUWA, ruwa_headline  # noqa: E402

DAYS = ("2022-02-21", "2022-02-22")


def ruwa_entries(day: str, path: Path = RUWA) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if r["date"] == day and (r.get("desc") or "").strip()]


def rss(entries: list[dict], link_base: str) -> bytes:
    items = []
    for n, row in enumerate(entries):
        when = format_datetime(datetime.fromisoformat(row["date"] + "T12:00:00+00:00"))
        items.append(
            f"<item><title>{escape(ruwa_headline(row['title']))}</title>"
            f"<link>{link_base}/story/{row['date']}/{n}</link>"
            f"<guid isPermaLink=\"false\">{escape(row['url'])}</guid>"
            f"<description>{escape(row['desc'])}</description>"
            f"<pubDate>{when}</pubDate></item>")
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>"
            "<title>RUWA wire</title><link>http://127.0.0.1/</link><description>RUWA"
            "</description>" + "".join(items) + "</channel></rss>").encode("utf-8")


def run(budget_words: int = 100_000) -> list[dict]:
    from briefing.config import settings_from_mapping
    from briefing.pipeline import Pipeline

    default = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    report = []
    with LocalHTTPServer() as server, tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        config = {**default, "sources": [{"feed": server.url("/feed"), "name": "RUWA"}],
                  "output_dir": str(base / "output"), "state_dir": str(base / "state"),
                  "budget_words": budget_words}
        settings = settings_from_mapping(config, base_dir=base)
        shown: list[dict] = []
        for n, day in enumerate(DAYS):
            entries = ruwa_entries(day)
            shown += entries
            server.routes["/feed"] = Response(200, {"Content-Type": "application/rss+xml"},
                                              rss(shown, server.url("")))
            with Pipeline(settings) as pipeline:
                done = pipeline.render(formats=("json",), now=datetime(2022, 2, 21 + n, 9))
                # Entries are known by (feed, guid) ("<feed>#<guid>"); the guid is the RUWA url.
                by_entry = {(a.entry_key or "").rpartition("#")[2]: a.id
                            for a in pipeline.store.articles(uncovered_only=False)}
            cited: dict[str, int] = {}
            for item in done.briefing.items if done.briefing else []:
                for article in item.articles:
                    cited[article] = cited.get(article, 0) + 1
            keys = [e["url"] for e in entries]
            ids = [by_entry.get(k) for k in keys]
            # An entry with word for word the text of another is that article (as a repeat
            # under another URL is), stored under the first entry's key.
            twin = {e["desc"]: i for e, i in zip(entries, ids, strict=True) if i}
            same_text = sum(1 for i in ids if not i)
            ids = [i or twin.get(e["desc"]) for e, i in zip(entries, ids, strict=True)]
            earlier = {by_entry.get(e["url"]) for e in shown[:len(shown) - len(entries)]}
            report.append({
                "day": day, "entries": len(entries),
                "skipped": [str(p) for p in done.collected.problems],
                "stored": sum(1 for i in ids if i),
                "covered": sum(1 for i in ids if i in cited),
                "covered_once": sum(1 for i in ids if cited.get(i) == 1),
                "earlier_entries_cited": sum(1 for i in cited if i in earlier),
                "uncovered": [ruwa_headline(e["title"]) for e, i in zip(entries, ids, strict=True)
                              if i not in cited],
                "same_text": same_text,
                "nothing_to_brief": done.briefing.stats.get("nothing_to_brief", 0)
                if done.briefing else 0,
                "items": len(done.briefing.items) if done.briefing else 0,
                "words": done.briefing.stats["words"] if done.briefing else 0})
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--budget", type=int, default=100_000)
    args = parser.parse_args()
    if not RUWA.exists():
        print(f"RUWA data not found at {RUWA}")
        return 1
    for day in run(args.budget):
        print(f"{day['day']}: {day['entries']} new entries, {len(day['skipped'])} skipped, "
              f"{day['stored']} stored, {day['covered']} covered ({day['covered_once']} by "
              f"exactly one item), {day['earlier_entries_cited']} earlier entries cited "
              f"again; {day['items']} items, {day['words']} words")
        if day["same_text"]:
            print(f"  {day['same_text']} entries have word for word the text of another "
                  "(one article, as a repeat under another URL is)")
        if day["nothing_to_brief"]:
            print(f"  {day['nothing_to_brief']} entries with no line that reads as news on its "
                  "own, told in the render's message")
        for problem in day["skipped"]:
            print(f"  skipped {problem}")
        for title in day["uncovered"]:
            print(f"  not covered: {title}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
