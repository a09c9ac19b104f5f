"""What polling an unchanged feed costs: one conditional GET answered 304, nothing parsed.

Serves a 50-entry RSS feed (with ETag and Last-Modified) from a local HTTP server, then times
``Pipeline.collect`` three times: the first poll reads, cleans and stores every entry; the
next two send If-None-Match / If-Modified-Since and get a 304.

    .venv/bin/python bench/feed_poll.py

Measured on the 2-core development machine (Python 3.11, shared): first poll 1.1-1.2 s,
each unchanged poll 5-13 ms.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from fixtures_http import LocalHTTPServer  # noqa: E402
from test_feeds import ARTICLES, entry, feed_route, rss  # noqa: E402

from briefing.config import load_settings  # noqa: E402
from briefing.pipeline import Pipeline  # noqa: E402


def main(entries: int = 50) -> None:
    names = list(ARTICLES)
    items = []
    for i in range(entries):
        name = names[i % len(names)]
        body = "".join(f"<p>Item {i}. {p}</p>" for p in ARTICLES[name][1])
        items.append(entry(name, guid=f"item-{i}", html=body))
    with LocalHTTPServer() as server, tempfile.TemporaryDirectory() as folder:
        server.routes["/feed"] = feed_route(rss(items))
        config = Path(folder) / "config.yaml"
        config.write_text(yaml.safe_dump({"sources": [{"feed": server.url("/feed")}]}))
        settings = load_settings(config)
        for label in ("first poll", "unchanged poll", "unchanged poll"):
            with Pipeline(settings) as pipeline:
                started = time.perf_counter()
                result = pipeline.collect()
                elapsed = time.perf_counter() - started
            status = server.requests[-1]
            print(f"{label:<15} {elapsed * 1000:7.0f} ms  new articles {len(result.new):>3}  "
                  f"If-None-Match sent: {status.header('If-None-Match') is not None}")


if __name__ == "__main__":
    main()
