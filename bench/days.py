"""Stories across days on real dated news: the RUWA headlines of 20-26 February 2022, one day
at a time, through a real RSS feed on 127.0.0.1, one briefing a day on a fake clock.

Each day's rows (title, and the subheading when there is one, from ../shared/eval/ruwa/; the
text never enters this repository) become that day's feed; ``Pipeline.render`` reads it and
writes briefing.json in a temporary folder, the state database carried from day to day.
Per day: articles, stories (items), developing stories, new stories, lines presented (leads
and facts), new facts, and the repeats: presented lines at least ``group_threshold`` close
to a line an earlier day's briefing presented, measured twice, on the vectors compose used
(stored with each briefing) and on the presented texts embedded afresh, on their own.
"Centroid only" counts the developing stories that the grouping threshold on centroids alone
would have found (the matching rule's alternative, see compose/memory.py).

    python bench/days.py [--write]    # --write: replace the section in docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import numpy as np
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
RUWA = REPO.parent / "shared" / "eval" / "ruwa" / "ruwa_2022-01-01_2022-02-28.jsonl"
DAYS = [date(2022, 2, 20) + timedelta(days=n) for n in range(7)]
TZ = ZoneInfo("Europe/Kyiv")
DOC = REPO / "docs" / "benchmarks.md"
START, END = "<!-- days:start -->", "<!-- days:end -->"  # the table, which --write replaces
# The whole section, which bench/performance.py keeps when it rewrites the page.
SECTION_START, SECTION_END = "<!-- bench/days.py: start -->", "<!-- bench/days.py: end -->"

from fixtures_http import LocalHTTPServer  # noqa: E402

from bench.themes import ruwa_headline  # noqa: E402
from briefing.analyse.embedder import embed_texts  # noqa: E402
from briefing.clock import FakeClock, use_clock  # noqa: E402
from briefing.config import load_settings  # noqa: E402
from briefing.pipeline import Pipeline  # noqa: E402


def day_rows(day: date) -> list[dict]:
    rows = [json.loads(line) for line in RUWA.read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if r["date"][:10] == day.isoformat() and r.get("title")]


def body(row: dict) -> str:
    """The headline as the first sentence, then the subheading (Censor.net's without its
    timestamp and "View news.", and not when it only repeats the headline)."""
    headline = ruwa_headline(row["title"]).rstrip(".")
    desc = re.sub(r"^\d\d\.\d\d\.\d\d \d\d:\d\d - ", "", (row.get("desc") or "").strip())
    desc = re.sub(r"\s*View news\.?$", "", desc)
    if desc.startswith(headline):
        desc = desc[len(headline):].lstrip(" .:")
    return f"{headline}. {desc}".strip()


def rss(rows: list[dict], day: date) -> bytes:
    stamp = datetime(day.year, day.month, day.day, 9, 0, tzinfo=TZ).strftime(
        "%a, %d %b %Y %H:%M:%S %z")
    # No <link>: the subheading is the article, and nothing is fetched from the real sites.
    items = "".join(
        f"<item><title>{escape(ruwa_headline(r['title']))}</title>"
        f'<guid isPermaLink="false">{escape(r["url"])}</guid><pubDate>{stamp}</pubDate>'
        f"<description>{escape(body(r))}</description></item>" for r in rows)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>RUWA</title><link>http://127.0.0.1/</link><description>RUWA day"
            f"</description>{items}</channel></rss>").encode()


# A headline and its subheading are shorter than the 25 words below which the cleaner calls
# a text a stub (text/clean.py); for this corpus of headlines the bench lowers that to 8,
# else most of the week's rows would be skipped and the days would share few stories.
HEADLINE_MIN_WORDS = 8


def run() -> list[dict]:
    import briefing.text.clean as clean

    clean.MIN_WORDS = HEADLINE_MIN_WORDS
    out: list[dict] = []
    with LocalHTTPServer() as server, tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.yaml"
        data = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
        data.update(sources=[{"feed": server.url("/feed.xml"), "name": "RUWA"}],
                    timezone="Europe/Kyiv", email={"enabled": False})
        config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        settings = load_settings(config)
        threshold = settings.group_threshold
        earlier: list[np.ndarray] = []  # compose's vectors of earlier days' presented lines
        earlier_text: list[np.ndarray] = []  # the same lines' texts, embedded afresh
        earlier_centroids: list[np.ndarray] = []
        clock = FakeClock(datetime(2022, 2, 20, 0, 0, tzinfo=TZ))
        with use_clock(clock), Pipeline(settings) as pipeline:
            for day in DAYS:
                rows = day_rows(day)
                server.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"},
                                              rss(rows, day))
                now = clock.set(datetime(day.year, day.month, day.day, 20, 0, tzinfo=TZ))
                started = time.perf_counter()
                result = pipeline.render(now=now, formats=("json",))
                seconds = time.perf_counter() - started
                records = pipeline.story_records if result.rendered else []
                items = result.briefing.items if result.briefing else []
                lines = np.concatenate([r.vectors for r in records]) if records else None
                texts = [t for r in records for t in r.lines]
                fresh = embed_texts(texts, pipeline.embedder, pipeline.store) if texts else None

                def repeats(now_vectors: np.ndarray | None, before: list[np.ndarray]) -> int:
                    if now_vectors is None or not before:
                        return 0
                    return int(((now_vectors @ np.concatenate(before).T).max(axis=1)
                                >= threshold).sum())

                centroid_only = 0
                if earlier_centroids:
                    old = np.stack(earlier_centroids)
                    centroid_only = sum(1 for r, i in zip(records, items, strict=True)
                                        if i.developing and (old @ r.centroid).max() >= threshold)
                out.append({
                    "day": day.isoformat(), "rows": len(rows),
                    "articles": result.briefing.stats["articles_considered"] if items else 0,
                    "stories": len(items),
                    "developing": sum(1 for i in items if i.developing),
                    "new_stories": sum(1 for i in items if i.new),
                    "lines": len(texts),
                    "new_facts": sum(1 for i in items for f in i.facts if f.new),
                    "repeated": repeats(lines, earlier),
                    "repeated_text": repeats(fresh, earlier_text),
                    "centroid_only": centroid_only,
                    "longest": max((i.developing["briefings"] for i in items if i.developing),
                                   default=1),
                    "seconds": round(seconds, 1),
                })
                if lines is not None:
                    earlier.append(lines)
                    earlier_text.append(fresh)
                    earlier_centroids += [r.centroid for r in records]
    return out


def table(results: list[dict]) -> str:
    head = ("| day | RUWA rows | articles | stories | developing | new stories | lines | "
            "new facts | repeated (compose vectors) | repeated (texts re-embedded) | "
            "developing by centroid only | longest thread (briefings) | s |")
    rule = "|" + " --- |" * 13
    rows = [f"| {r['day']} | {r['rows']} | {r['articles']} | {r['stories']} | "
            f"{r['developing']} | {r['new_stories']} | {r['lines']} | {r['new_facts']} | "
            f"{r['repeated']} | {r['repeated_text']} | {r['centroid_only']} | "
            f"{r['longest']} | {r['seconds']} |" for r in results]
    return "\n".join([head, rule, *rows])


def kept_section(doc: str) -> str | None:
    """This bench's section of ``doc``, for ``bench/performance.py`` to keep, or None."""
    if SECTION_START in doc and SECTION_END in doc:
        return SECTION_START + doc.split(SECTION_START, 1)[1].split(SECTION_END, 1)[0] + \
            SECTION_END + "\n"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    results = run()
    text = table(results)
    print(text)  # a bench prints; the library never does
    if args.write:
        doc = DOC.read_text(encoding="utf-8")
        if START in doc and END in doc:
            before, rest = doc.split(START, 1)
            after = rest.split(END, 1)[1]
            DOC.write_text(f"{before}{START}\n{text}\n{END}{after}", encoding="utf-8")


if __name__ == "__main__":
    main()
