"""The figures in docs/reliability.md: peak memory of a fetch of each compression bomb (1 GiB
of zeros once decoded, in gzip, deflate, brotli and zstd), and the wall time of a fetch from
a server that sends one header line every 0.25 s, against fetch.timeout_seconds of 1 s and
of 20 s (the default). Everything is served on 127.0.0.1.

    .venv/bin/python bench/hostile_fetch.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from fixtures_http import LocalHTTPServer  # noqa: E402
from test_hostile_servers import BOMBS, DrippingServer, _gzip, measure_fetch  # noqa: E402

from briefing.config import FetchSettings  # noqa: E402
from briefing.errors import FetchError  # noqa: E402
from briefing.sources.fetch import fetch  # noqa: E402


def bombs() -> None:
    with LocalHTTPServer() as server:
        server.routes["/small"] = (200, {"Content-Encoding": "gzip"}, _gzip(b"x"))
        for encoding, make in BOMBS.items():
            body = make()
            server.routes["/bomb"] = (200, {"Content-Type": "text/html",
                                            "Content-Encoding": encoding}, body)
            figures = measure_fetch(server.url("/bomb"), server.url("/small"))
            grown = (figures["peak_kb"] - figures["before_kb"]) / 1024
            print(f"{encoding:8} {len(body):>9,} bytes  peak RSS {figures['peak_kb'] / 1024:6.1f}"
                  f" MB (+{grown:5.1f} MB for the fetch) in {figures['seconds']:.2f} s: "
                  f"{figures['outcome']}")


def slow_headers(timeout: float, interval: float, lines: int) -> None:
    server = DrippingServer(interval=interval, lines=lines)
    started = time.monotonic()
    try:
        fetch(f"http://127.0.0.1:{server.port}/", FetchSettings(timeout_seconds=timeout))
        outcome = "fetched"
    except FetchError as exc:
        outcome = exc.reason
    elapsed = time.monotonic() - started
    server.close()
    print(f"slow headers, timeout {timeout:g} s: {elapsed:.3f} s wall, {server.sent} header "
          f"lines received: {outcome}")


if __name__ == "__main__":
    bombs()
    slow_headers(1.0, 0.25, 40)
    slow_headers(20.0, 1.0, 30)
