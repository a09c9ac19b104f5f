"""What the per-recipient outbox and the template sandbox do and cost, measured on 127.0.0.1.

Against the raw-socket SMTP server of ``tests/fixtures_smtp.py`` (every reply scripted), each
scenario runs ``--trials`` times in a fresh state folder and counts what the server received:

- ``452``: one of two recipients deferred, then ``briefing send --retry``;
- ``554 data``: DATA refused for good, then ten daemon passes a day apart;
- ``drop``: the connection closed after the body, then ten daemon passes and a retry;
- ``250``: a plain send, for the time one message of ``--kilobytes`` takes over loopback.

Then the packaged templates (HTML, Markdown, text) are rendered ``--renders`` times in Jinja's
sandbox and in a plain ``Environment`` with the same loaders and filters, for the sandbox's cost.

    .venv/bin/python bench/delivery.py

docs/reliability.md quotes its output.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from fixtures_smtp import ScriptedSMTP  # noqa: E402

from briefing.clock import FakeClock, use_clock  # noqa: E402
from briefing.config import Settings, settings_from_mapping  # noqa: E402
from briefing.deliver.commands import retry_outbox  # noqa: E402
from briefing.deliver.outbox import send_queued  # noqa: E402
from briefing.records import Briefing  # noqa: E402
from briefing.store import Store  # noqa: E402

READER, DESK = "reader@example.org", "desk@example.org"


def settings_for(folder: Path, port: int) -> Settings:
    return settings_from_mapping({"email": {
        "smtp_host": "127.0.0.1", "smtp_port": port, "security": "none",
        "from": "briefing@example.org", "to": [READER, DESK], "timeout_seconds": 5,
        "retry_seconds": 60}}, base_dir=folder)


def message(kilobytes: int) -> bytes:
    line = b"x" * 76 + b"\r\n"
    body = line * (kilobytes * 1024 // len(line))
    return (b"Message-ID: <bench@example.org>\r\nSubject: bench\r\n\r\n" + body)


def scenario(name: str, kilobytes: int) -> dict:
    """One trial: what the server received per recipient, sessions, and the time taken."""
    with tempfile.TemporaryDirectory() as folder, ScriptedSMTP() as server:
        settings = settings_for(Path(folder), server.port)
        if name == "452":
            server.rcpt = {DESK: "452 4.2.2 mailbox full"}
        elif name == "554 data":
            server.data = "554 5.7.1 rejected"
        elif name == "drop":
            server.end = None
        start = time.perf_counter()
        with Store(settings.database_path) as store:
            store.enqueue_message(Path(folder), [READER, DESK], "bench", message(kilobytes))
            send_queued(settings, store)
            first = time.perf_counter() - start
            server.rcpt, server.data, server.end = {}, "354 go ahead", "250 OK"
            if name == "452":
                retry_outbox(settings, store)
            elif name in ("554 data", "drop"):
                clock = FakeClock(datetime.now(UTC))
                with use_clock(clock):
                    for _ in range(10):
                        clock.advance(timedelta(days=1).total_seconds())
                        send_queued(settings, store)
                if name == "drop":
                    retry_outbox(settings, store)
            states = {r["address"]: r["status"] for r in store.outbox_recipients(1)}
        copies = Counter(a for t in server.transactions if t.data is not None
                         for a in t.recipients)
        ids = {t.message["Message-ID"] for t in server.transactions if t.data is not None}
        return {"first": first, "sessions": server.sessions, "copies": dict(copies),
                "states": states, "message_ids": len(ids)}


def sample_briefing() -> Briefing:
    articles = [{"id": f"a{i}", "title": f"Article {i}", "source": "Wire",
                 "url": f"https://example.org/{i}", "path": None, "published": "2024-03-05"}
                for i in range(12)]
    items = [{"text": f"Item {i}: officials met again in Geneva on Tuesday and agreed to talk.",
              "sources": [f"a{i % 12}", f"a{(i + 1) % 12}"],
              "evidence": [{"article": f"a{i % 12}", "text": "They agreed to talk."}]}
             for i in range(30)]
    sections = [{"theme": f"t{s}", "title": f"Theme {s}", "items": items[s * 6:(s + 1) * 6]}
                for s in range(5)]
    return Briefing.from_json({"title": "Bench Briefing", "date": "2024-03-05",
                               "generated_at": "2024-03-05T07:00:00+00:00",
                               "sections": sections, "articles": articles,
                               "top_lines": items[:3]})


def render_times(renders: int) -> dict[str, float]:
    """Median ms to render HTML, Markdown and text, sandboxed and not."""
    import jinja2

    from briefing.render import templates
    from briefing.render.html import render_html
    from briefing.render.markdown import render_markdown
    from briefing.render.text import render_text

    briefing = sample_briefing()
    settings = settings_from_mapping({}, base_dir=REPO)

    def median_ms() -> float:
        times = []
        for _ in range(renders):
            start = time.perf_counter()
            render_html(briefing, settings)
            render_markdown(briefing, settings)
            render_text(briefing, settings)
            times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)

    sandboxed = median_ms()
    with mock.patch.object(templates, "TemplateSandbox", jinja2.Environment):
        plain = median_ms()
    return {"sandbox": sandboxed, "plain": plain}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--kilobytes", type=int, default=300)
    parser.add_argument("--renders", type=int, default=20)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; {args.trials} trials per scenario; "
          f"{args.kilobytes} KB message")
    for name in ("452", "554 data", "drop", "250"):
        runs = [scenario(name, args.kilobytes) for _ in range(args.trials)]
        copies = Counter()
        for run in runs:
            for address in (READER, DESK):
                copies[(address, run["copies"].get(address, 0))] += 1
        states = Counter(tuple(sorted(r["states"].items())) for r in runs)
        first = statistics.median(r["first"] for r in runs) * 1000
        print(f"{name}: copies (address, n) -> trials {dict(copies)}; sessions "
              f"{sorted(Counter(r['sessions'] for r in runs).items())}; Message-IDs per trial "
              f"{sorted({r['message_ids'] for r in runs})}; final states {dict(states)}; "
              f"first try median {first:.1f} ms")
    times = render_times(args.renders)
    print(f"templates (html+md+text) median: sandbox {times['sandbox']:.1f} ms, plain "
          f"{times['plain']:.1f} ms ({times['sandbox'] / times['plain'] - 1:+.0%})")


if __name__ == "__main__":
    main()
