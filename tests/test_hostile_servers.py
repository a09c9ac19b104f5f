"""Issue 15, against real servers on 127.0.0.1 that misbehave on purpose: feeds that share
guids, links to internal addresses, compression bombs, a server that drips its headers, and a
feed too big for one poll. Each promise is in docs/reliability.md with the test proving it."""

from __future__ import annotations

import html
import json
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import zlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpcore
import pytest
from conftest import REPO, run_cli, self_signed_certificate
from fixtures_http import LocalHTTPServer, Response, http_server_fixture  # noqa: F401
from test_feeds import (
    ARTICLES,
    BASE_TIME,
    HTML_TYPE,
    collect,
    entry,
    feed_route,
    make_project,
    page,
    rss,
)

from briefing.clock import FakeClock, use_clock
from briefing.config import FetchSettings
from briefing.errors import FetchError
from briefing.sources import guard
from briefing.sources.feeds import RETRY_SECONDS
from briefing.sources.fetch import fetch
from briefing.store import Store

LIMITS = FetchSettings(timeout_seconds=1.0, max_bytes=5_000)


def reason(url: str, limits: FetchSettings = LIMITS, **kw) -> str:
    with pytest.raises(FetchError) as info:
        fetch(url, limits, **kw)
    assert info.value.origin == url
    return info.value.reason


# --- 3. a guid is only unique inside its feed ------------------------------------------------


def test_two_feeds_sharing_a_guid_keep_both_stories(tmp_path, http_server):
    # Both feeds use one URI-shaped guid (a copied feed, or a hostile one).
    shared = "urn:uuid:2b1c7f0e-0000-4000-8000-000000000001"
    http_server.routes["/a"] = feed_route(rss([entry("geneva", guid=shared)]))
    http_server.routes["/b"] = feed_route(rss([entry("shelling", guid=shared)], title="B"))
    config = make_project(tmp_path, [{"feed": http_server.url("/a")},
                                     {"feed": http_server.url("/b")}])
    result, stored, _ = collect(config)
    assert len(result.new) == 2 and not result.updated
    assert sorted(a.title for a in stored) == sorted([ARTICLES["geneva"][0],
                                                      ARTICLES["shelling"][0]])
    # A correction in feed B updates B's story only; A's stays current.
    corrected = "".join(f"<p>{html.escape(p)}</p>" for p in ARTICLES["shelling"][1])
    http_server.routes["/b"] = feed_route(rss([entry(
        "shelling", guid=shared, html=corrected.replace("nine times", "eleven times"))],
        title="B"), etag='"v2"')
    result, stored, _ = collect(config)
    assert len(result.updated) == 1 and not result.new
    titles = sorted(a.title for a in stored)
    assert titles == sorted([ARTICLES["geneva"][0], ARTICLES["shelling"][0]])
    assert any("eleven times" in a.text for a in stored)


def test_an_old_database_keeps_its_entries_under_the_new_keys(tmp_path, http_server):
    """Articles stored before keys named their feed are claimed, not fetched again."""
    page_url = http_server.url("/story/paris")
    http_server.routes["/feed"] = feed_route(rss([
        entry("paris", guid="https://wire.example/paris", link=page_url, content=False)]))
    http_server.routes["/story/paris"] = Response(200, HTML_TYPE, page("paris"))
    config = make_project(tmp_path, [{"feed": http_server.url("/feed")}])
    collect(config)
    db_path = tmp_path / "state" / "briefing.sqlite3"
    with sqlite3.connect(db_path) as db:  # the key Briefing 0.1 stored: the bare guid
        db.execute("UPDATE articles SET entry_key='https://wire.example/paris'")
    http_server.routes["/feed"] = feed_route(rss([
        entry("paris", guid="https://wire.example/paris", link=page_url, content=False)]),
        etag='"v2"')
    result, stored, _ = collect(config)
    assert len(http_server.requests_to("/story/paris")) == 1  # not fetched again
    assert not result.new and len(stored) == 1
    assert stored[0].entry_key == f"{http_server.url('/feed')}#https://wire.example/paris"


# --- 6. links found in feeds and pages do not reach internal addresses ------------------------


@pytest.fixture
def internal_server() -> Iterator[LocalHTTPServer]:
    """A server on 127.0.0.2: loopback, like a service on the host, and not configured."""
    with LocalHTTPServer(host="127.0.0.2") as server:
        server.routes["/secret"] = Response(200, HTML_TYPE, page("missiles", site="Intranet"))
        yield server


def _internal_links_project(tmp_path: Path, http_server, internal_server, **fetch_keys):
    links = {"ip": internal_server.url("/secret"),
             # The configured host's own port under another name: the user wrote
             # 127.0.0.1, not localhost.
             "name": f"http://localhost:{http_server.port}/secret",
             "redirect": http_server.url("/jump")}
    http_server.routes["/jump"] = (302, {"Location": links["ip"]}, b"")
    http_server.routes["/secret"] = internal_server.routes["/secret"]
    http_server.routes["/feed"] = feed_route(rss([
        entry("missiles", guid=kind, link=link, content=False) for kind, link in links.items()]))
    config = make_project(tmp_path, [{"feed": http_server.url("/feed")}],
                          fetch={"timeout_seconds": 2, **fetch_keys})
    return config, links


def test_feed_links_to_internal_addresses_are_refused(tmp_path, http_server, internal_server):
    config, links = _internal_links_project(tmp_path, http_server, internal_server)
    result, stored, states = collect(config)
    # Nothing was fetched from inside; the entry stands in by its own text (issue 14).
    assert not internal_server.requests and not http_server.requests_to("/secret")
    assert [a.text for a in stored] == [ARTICLES["missiles"][0]]
    by_origin = {p.origin: p.reason for p in result.problems}
    assert set(by_origin) == set(links.values())
    for why in by_origin.values():
        assert "a loopback address" in why and "fetch.allow_private: true" in why
    assert "redirected to " + links["ip"] in by_origin[links["redirect"]]
    assert "localhost resolves to 127.0.0.1" in by_origin[links["name"]]
    # The feed itself is a configured source on 127.0.0.1: it was read.
    assert states[f"feed: {http_server.url('/feed')}"]["status"] == "ok"


def test_allow_private_fetches_them(tmp_path, http_server, internal_server):
    config, _ = _internal_links_project(tmp_path, http_server, internal_server,
                                        allow_private=True)
    result, stored, _ = collect(config)
    assert not result.problems and len(internal_server.requests) == 2
    assert len(http_server.requests_to("/secret")) == 1
    assert [a.title for a in stored] == [ARTICLES["missiles"][0]]  # one article, three links


def test_a_configured_internal_address_is_the_users_choice(internal_server):
    assert b"Intranet" in fetch(internal_server.url("/secret"), LIMITS).content
    # The same address found as a link somewhere else is not.
    assert "loopback" in reason(internal_server.url("/secret"), trusted=["http://127.0.0.1/"])


# --- issue 28, item 2: trust by origin, not by host name --------------------------------------
# A configured source vouches for its own origin (scheme, host, port) only: for itself, its
# redirects and its feed's links, and for no other source.

SECRET = "The payroll console lists every employee's salary and bank account"


def _admin_page() -> bytes:
    sentences = [f"{SECRET}.", "Administrators reset passwords here every Monday morning.",
                 "The backup of the customer database runs from this server at night.",
                 "Access is limited to the finance department and two contractors."]
    body = "".join(f"<p>{s}</p>" for s in sentences)
    return (f"<html><head><title>Payroll admin</title></head><body><article><h1>Payroll "
            f"admin</h1>{body}</article></body></html>").encode()


@pytest.fixture
def internal() -> Iterator[LocalHTTPServer]:
    """An internal service on 127.0.0.1, on a port nobody configured."""
    with LocalHTTPServer() as server:
        server.routes["/admin"] = Response(200, HTML_TYPE, _admin_page())
        yield server


@pytest.fixture
def second_host() -> Iterator[LocalHTTPServer]:
    """A configured feed on another loopback address."""
    with LocalHTTPServer(host="127.0.0.2") as server:
        yield server


def test_origin_is_scheme_host_and_port():
    assert guard.origin_of("http://127.0.0.1:8080/x") == ("http", "127.0.0.1", 8080)
    assert guard.origin_of("http://Example.ORG/") == ("http", "example.org", 80)
    assert guard.origin_of("https://example.org./a") == ("https", "example.org", 443)
    assert guard.origin_of("http://[::1]:81/") == ("http", "::1", 81)
    assert guard.origin_of("not a url") is None


def test_neither_a_redirect_to_another_port_nor_another_sources_origin_is_trusted(
        tmp_path, http_server, second_host, internal):
    # Feed 1, on 127.0.0.1:P1 (configured): its entry links to its own origin, which
    # redirects to the internal port P2 of the same host.
    http_server.routes["/go"] = (302, {"Location": internal.url("/admin")}, b"")
    http_server.routes["/story"] = Response(200, HTML_TYPE, page("geneva"))
    http_server.routes["/feed"] = feed_route(rss([
        entry("missiles", guid="via-redirect", link=http_server.url("/go"), content=False),
        entry("geneva", guid="own-page", link=http_server.url("/story"), content=False)]))
    # Feed 2, on 127.0.0.2 (configured): its entry links straight to 127.0.0.1:P2, whose
    # host another configured source (feed 1) shares.
    second_host.routes["/feed"] = feed_route(rss([
        entry("shelling", guid="direct", link=internal.url("/admin"), content=False)],
        title="Second Wire"))
    config = make_project(tmp_path, [{"feed": http_server.url("/feed")},
                                     {"feed": second_host.url("/feed")}],
                          fetch={"timeout_seconds": 3})
    with use_clock(FakeClock(BASE_TIME + timedelta(hours=2))):  # the feeds' day
        code, out, err = run_cli("--config", str(config), "render", "--format", "md,json")
    assert code == 0, out + err
    assert internal.requests == []  # the internal origin received no request at all
    day = next(p for p in (tmp_path / "output").iterdir() if p.is_dir())
    for name in ("briefing.md", "briefing.json"):
        published = (day / name).read_text(encoding="utf-8")
        assert "payroll" not in published.lower(), name
    refusals = [line for line in (out + err).splitlines() if internal.url("/admin") in line]
    assert len(refusals) == 2, out + err
    for line in refusals:
        assert "fetch.allow_private" in line and "a loopback address" in line
    # The feed's own page, on its own origin, was read.
    assert len(http_server.requests_to("/story")) == 1


def test_a_configured_source_that_redirects_to_another_origin_is_refused(tmp_path,
                                                                         http_server, internal):
    http_server.routes["/moved"] = (301, {"Location": internal.url("/admin")}, b"")
    config = make_project(tmp_path, [{"url": http_server.url("/moved")}],
                          fetch={"timeout_seconds": 3})
    result, stored, _ = collect(config)
    assert internal.requests == [] and stored == []
    [problem] = result.problems
    assert "redirected to " + internal.url("/admin") in problem.reason


def test_the_same_port_under_another_scheme_is_another_origin(tmp_path, http_server,
                                                              internal):
    """https on the internal port is not the configured http origin either (the request
    never gets as far as TLS: the address is refused first)."""
    target = internal.url("/admin").replace("http://", "https://")
    http_server.routes["/moved"] = (302, {"Location": target}, b"")
    config = make_project(tmp_path, [{"url": http_server.url("/moved")}],
                          fetch={"timeout_seconds": 3})
    result, _, _ = collect(config)
    assert internal.requests == []
    assert "a loopback address" in result.problems[0].reason


def test_a_redirect_within_the_configured_origin_is_still_followed(tmp_path, http_server):
    http_server.routes["/old"] = (301, {"Location": http_server.url("/new")}, b"")
    http_server.routes["/new"] = Response(200, HTML_TYPE, page("geneva"))
    config = make_project(tmp_path, [{"url": http_server.url("/old")}])
    result, stored, _ = collect(config)
    assert not result.problems
    assert [a.title for a in stored] == [ARTICLES["geneva"][0]]


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "a loopback address"), ("::1", "a loopback address"),
    ("10.1.2.3", "a private address"), ("172.16.0.9", "a private address"),
    ("192.168.1.1", "a private address"), ("fd12::1", "a private address"),
    ("169.254.169.254", "the cloud metadata address"), ("169.254.1.1", "a link-local address"),
    ("fe80::1%eth0", "a link-local address"), ("0.0.0.0", "the unspecified address"),
    ("224.0.0.1", "a multicast address"), ("240.0.0.1", "a reserved address"),
    ("100.64.0.1", "not a public address"), ("::ffff:127.0.0.1", "a loopback address"),
    ("::ffff:10.0.0.1", "a private address"), ("2002:7f00:1::", "a loopback address"),
    ("93.184.215.14", None), ("::ffff:93.184.215.14", None), ("2606:4700::1111", None),
])
def test_address_kinds(address, kind):
    assert guard.internal_kind(address) == kind


def test_the_check_is_on_the_address_connected_to(monkeypatch):
    """DNS rebinding: a name that answers a public address first and an internal one next.
    The backend resolves once and connects to exactly the address it checked; no second
    lookup happens (the connection itself is faked: no packet leaves this machine)."""
    answers = iter(["93.184.215.14", "127.0.0.1"])
    lookups: list[str] = []
    connected: list[str] = []

    def resolve(host, port, *args, **kwargs):
        lookups.append(host)
        address = next(answers)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    def connect(self, host, port, *args, **kwargs):
        connected.append(host)
        raise httpcore.ConnectError("faked")

    monkeypatch.setattr(guard.socket, "getaddrinfo", resolve)
    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect)
    assert "cannot connect" in reason("http://rebind.example/", trusted=[])
    assert lookups == ["rebind.example"] and connected == ["93.184.215.14"]


# --- 8. compression bombs: decoded bytes are counted while they stream ------------------------

def needs_decoder(encoding: str) -> None:
    """brotli and zstandard are dependencies (pyproject.toml); a virtualenv made before they
    were skips their cases instead of failing (reinstall: pip install -e .)."""
    for coding, module in (("br", "brotli"), ("zstd", "zstandard")):
        if coding in encoding:
            pytest.importorskip(module, reason=f"{module} is not installed (pip install -e .)")


GIB = 1 << 30


def _zlib_bomb(wbits: int, size: int) -> bytes:
    """Deflate data of ``size`` zero bytes, built from one repeated flushed block (so it is
    made in milliseconds; its trailing checksum is wrong, which nobody reaches)."""
    mib = bytes(1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    head = packer.compress(mib) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(mib) + packer.flush(zlib.Z_FULL_FLUSH)
    return head + block * (size // len(mib) - 1) + packer.flush()


def _brotli_bomb(size: int) -> bytes:
    import brotli

    packer = brotli.Compressor(quality=5, lgwin=24)
    chunk = bytes(16 << 20)
    return b"".join([packer.process(chunk) for _ in range(size // len(chunk))]
                    + [packer.finish()])


def _zstd_bomb(size: int) -> bytes:
    import zstandard

    frame = zstandard.ZstdCompressor(level=19).compress(bytes(16 << 20))
    return frame * (size // (16 << 20))  # concatenated frames are one zstd stream


BOMBS = {"gzip": lambda: _zlib_bomb(zlib.MAX_WBITS | 16, GIB),
         "deflate": lambda: _zlib_bomb(zlib.MAX_WBITS, GIB),
         "br": lambda: _brotli_bomb(GIB), "zstd": lambda: _zstd_bomb(GIB)}

# Runs in a fresh process so its memory is the fetch's alone. getrusage's ru_maxrss would
# carry the parent's peak across fork and exec; VmHWM is this process's own, and writing 5
# to clear_refs resets it to the current size, so the peak is the fetch's.
_MEASURE = textwrap.dedent("""
    import json, sys, time
    from briefing.config import FetchSettings
    from briefing.errors import FetchError
    from briefing.sources.fetch import fetch

    def status(field):
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith(field + ":"))

    fetch(sys.argv[2], FetchSettings())  # warm up: imports, sockets, a first decoder
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = status("VmRSS")
    started = time.monotonic()
    try:
        fetch(sys.argv[1], FetchSettings())
        outcome = "fetched"
    except FetchError as exc:
        outcome = exc.reason
    print(json.dumps({"before_kb": before, "peak_kb": status("VmHWM"), "outcome": outcome,
                      "seconds": time.monotonic() - started}))
""")


def measure_fetch(url: str, warm_url: str) -> dict:
    """Fetch ``url`` with the default limits in a fresh process: its memory before and at
    its peak (KB), how it ended and how long it took."""
    run = subprocess.run([sys.executable, "-c", _MEASURE, url, warm_url], capture_output=True,
                         text=True, timeout=120, cwd=REPO,
                         env={"PYTHONPATH": ":".join(sys.path), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.parametrize("encoding", list(BOMBS))
def test_compression_bomb_is_stopped_at_the_size_limit_in_little_memory(http_server, encoding):
    needs_decoder(encoding)
    body = BOMBS[encoding]()
    assert len(body) < 2_000_000  # ≥ 1 GiB once decoded
    http_server.routes["/bomb"] = (200, {"Content-Type": "text/html",
                                         "Content-Encoding": encoding}, body)
    http_server.routes["/small"] = (200, {"Content-Encoding": "gzip"}, _gzip(b"x"))
    figures = measure_fetch(http_server.url("/bomb"), http_server.url("/small"))
    assert "over the size limit of 5,000,000 bytes (fetch.max_bytes)" in figures["outcome"]
    grown_mb = (figures["peak_kb"] - figures["before_kb"]) / 1024
    assert grown_mb < 40, figures  # the limit (5 MB) and a few pieces; httpx alone: > 1 GB


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd"])
def test_each_encoding_still_decodes_a_normal_page(http_server, encoding):
    needs_decoder(encoding)
    text = page("geneva")
    body = encode(encoding, text)
    http_server.routes["/p"] = (200, {"Content-Encoding": encoding, **HTML_TYPE}, body)
    assert fetch(http_server.url("/p"), FetchSettings()).content == text
    assert fetch(http_server.url("/p"), FetchSettings()).media_type == "text/html"
    request = http_server.requests_to("/p")[-1]
    assert encoding in request.header("Accept-Encoding").split(", ")


def _gzip(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return packer.compress(data) + packer.flush()


def encode(encoding: str, data: bytes) -> bytes:
    """``data`` in a content encoding ("raw deflate": deflate without its zlib wrapping)."""
    if encoding == "gzip, br":
        return encode("br", _gzip(data))
    if encoding == "br":
        import brotli

        return brotli.compress(data, quality=5)
    if encoding == "zstd":
        import zstandard

        return zstandard.ZstdCompressor().compress(data)
    if encoding == "raw deflate":
        packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        return packer.compress(data) + packer.flush()
    return zlib.compress(data) if encoding == "deflate" else _gzip(data)


def test_raw_deflate_and_bad_data(http_server):
    http_server.routes["/raw"] = (200, {"Content-Encoding": "deflate"},
                                  encode("raw deflate", b"plain words"))
    assert fetch(http_server.url("/raw"), LIMITS).content == b"plain words"
    http_server.routes["/bad"] = (200, {"Content-Encoding": "br"}, b"\xff" * 50)
    assert "could not be decoded: bad brotli data" in reason(http_server.url("/bad"))


# --- 9. one deadline covers connect, headers and body ----------------------------------------


class DrippingServer:
    """A raw socket server that answers a status line, then one header line every
    ``interval`` seconds (at most ``lines``, so it stops by itself), then a tiny body."""

    def __init__(self, interval: float = 0.25, lines: int = 40):
        self.interval, self.lines = interval, lines
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(10)
        self.port = self.sock.getsockname()[1]
        self.sent = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
                for n in range(self.lines):
                    time.sleep(self.interval)
                    conn.sendall(f"X-Drip-{n}: {'x' * 20}\r\n".encode())
                    self.sent += 1
                conn.sendall(b"Content-Length: 2\r\n\r\nok")
            except OSError:
                pass  # the client gave up: what the test wants

    def close(self) -> None:
        self.sock.close()
        self.thread.join(timeout=15)


def test_slow_headers_are_cut_at_the_deadline():
    server = DrippingServer(interval=0.25, lines=40)  # 10 s of headers if nobody hangs up
    try:
        url = f"http://127.0.0.1:{server.port}/"
        started = time.monotonic()
        why = reason(url, FetchSettings(timeout_seconds=1.0))
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert "timed out after 1 s (fetch.timeout_seconds)" in why
    assert elapsed < 1.5, elapsed
    assert server.sent < 10  # it was still dripping when the fetch gave up


def test_the_deadline_spans_redirects(http_server):
    for i in range(3):  # each hop well inside the limit, all of them together not
        http_server.routes[f"/hop{i}"] = Response(302, {"Location": f"/hop{i + 1}"},
                                                  delay=0.4)
    http_server.routes["/hop3"] = (200, {}, b"arrived")
    started = time.monotonic()
    assert "timed out" in reason(http_server.url("/hop0"))
    assert time.monotonic() - started < 1.5


# --- 10. a poll has a budget ------------------------------------------------------------------


def numbered_page(n: int) -> bytes:
    """A distinct article page per number (distinct text, so distinct articles)."""
    name = list(ARTICLES)[n % len(ARTICLES)]
    return page(name).replace(b"<h1>", f"<p>Dispatch {n} from our desk.</p><h1>".encode())


def serve_linked_feed(server: LocalHTTPServer, count: int, delay: float = 0.0) -> None:
    """/feed: ``count`` teaser entries, each linking to its own page /p/N."""
    server.routes["/feed"] = feed_route(rss([
        entry("geneva", guid=f"n{n}", link=server.url(f"/p/{n}"), content=False)
        for n in range(count)]))
    for n in range(count):
        server.routes[f"/p/{n}"] = Response(200, HTML_TYPE, numbered_page(n), delay=delay)


def test_a_huge_feed_is_read_a_budget_at_a_time(tmp_path, http_server):
    count = 25
    serve_linked_feed(http_server, count)
    config = make_project(tmp_path, [{"feed": http_server.url("/feed")}],
                          fetch={"max_entries": 10})
    page_requests = []
    for _poll in range(4):
        result, stored, _ = collect(config)
        page_requests.append(sum(r.path.startswith("/p/") for r in http_server.requests))
    assert page_requests == [10, 20, 25, 25]  # 10 per poll, none twice, then nothing
    assert len(stored) == count
    feed_requests = http_server.requests_to("/feed")
    # A feed cut short keeps no validators (read in full next time); once whole, a 304.
    assert [r.header("If-None-Match") for r in feed_requests] == [None, None, None, '"v1"']


def test_a_slow_feed_stops_at_the_polls_seconds(tmp_path, http_server):
    count = 20
    serve_linked_feed(http_server, count, delay=0.3)
    config = make_project(tmp_path, [{"feed": http_server.url("/feed")}],
                          fetch={"poll_seconds": 1, "timeout_seconds": 2})
    started = time.monotonic()
    _, stored, _ = collect(config)
    elapsed = time.monotonic() - started
    # The poll stops taking new entries after 1 s; one fetch may still be under way.
    assert 1 <= len(stored) < count and elapsed < 1 + 2 + 1, (len(stored), elapsed)
    _, stored_next, _ = collect(config)
    assert len(stored_next) > len(stored)  # the next poll goes on


def test_a_failing_page_backs_off_doubling(tmp_path, http_server):
    http_server.routes["/feed"] = feed_route(rss([
        entry("paris", guid="p", link=http_server.url("/gone"), content=False)]))
    config = make_project(tmp_path, [{"feed": http_server.url("/feed")}])
    tries = []
    with use_clock(FakeClock(BASE_TIME)) as clock:
        for step in (0, 60, RETRY_SECONDS, 60, RETRY_SECONDS, RETRY_SECONDS):
            clock.advance(step)
            collect(config)
            tries.append(len(http_server.requests_to("/gone")))
    # Fails at 0; skipped a minute later; tried again after the pause (fails again: the
    # pause doubles), skipped after one more pause, tried after two.
    assert tries == [1, 1, 2, 2, 2, 3]
    with Store(tmp_path / "state" / "briefing.sqlite3") as store:
        [row] = store.db.execute("SELECT * FROM entry_failures").fetchall()
        assert row["failures"] == 3 and "404" in row["reason"]



def test_a_saved_feed_file_is_read_whole_whatever_the_budget(tmp_path):
    # A file is remembered once read; a budget that left entries would lose them for good.
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "wire.xml").write_bytes(
        rss([entry(n, guid=f"f-{n}") for n in ("geneva", "missiles", "shelling")]))
    config = make_project(tmp_path, [{"path": "inbox"}], fetch={"max_entries": 1})
    result, stored, _ = collect(config)
    assert len(stored) == 3 and not result.problems


# --- TLS through the guarded backend ---------------------------------------------------------


@pytest.fixture
def tls_server(tmp_path, monkeypatch) -> Iterator[LocalHTTPServer]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate for localhost, which the
    fetches of this test trust."""
    import ssl

    from briefing.sources import fetch as fetch_module

    cert, key = self_signed_certificate(tmp_path, "DNS:localhost")
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    monkeypatch.setattr(fetch_module, "_ssl_context", ssl.create_default_context(cafile=cert))
    server = LocalHTTPServer()
    server._server.socket = server_side.wrap_socket(server._server.socket, server_side=True)
    with server:
        yield server


def test_https_connects_to_the_checked_address_and_verifies_the_name(tls_server):
    """The backend connects to the address it resolved; TLS still checks the certificate
    against the host name, and the Host header is the URL's."""
    tls_server.routes["/p"] = Response(200, HTML_TYPE, page("geneva"))
    url = f"https://localhost:{tls_server.port}/p"
    assert fetch(url, LIMITS).status == 200  # configured: localhost is the user's choice
    assert tls_server.requests_to("/p")[-1].header("Host") == f"localhost:{tls_server.port}"
    # The certificate is for localhost, not for 127.0.0.1: refused by name.
    assert "cannot connect" in reason(f"https://127.0.0.1:{tls_server.port}/p")
    assert "loopback" in reason(url, trusted=[])  # found in a feed: refused


def test_a_server_that_never_finishes_the_tls_handshake_is_cut_at_the_deadline():
    sock = socket.create_server(("127.0.0.1", 0))  # accepts (the backlog), never answers
    try:
        started = time.monotonic()
        why = reason(f"https://127.0.0.1:{sock.getsockname()[1]}/")
        elapsed = time.monotonic() - started
    finally:
        sock.close()
    assert "timed out after 1 s" in why and elapsed < 1.5


# --- every failure: one line, and nothing stored changes -------------------------------------


def test_hostile_entries_leave_the_database_and_earlier_briefings_as_they_were(
        tmp_path, http_server, internal_server):
    http_server.routes["/feed"] = feed_route(rss([entry("geneva"), entry("missiles")]))
    config = make_project(tmp_path, [{"feed": http_server.url("/feed")}],
                          fetch={"timeout_seconds": 1})
    from conftest import run_cli

    code, out, err = run_cli("--config", str(config), "render", "--format", "json,md")
    assert code == 0, err
    before = {p: p.read_bytes() for p in (tmp_path / "output").rglob("*") if p.is_file()}
    db_path = tmp_path / "state" / "briefing.sqlite3"
    with sqlite3.connect(db_path) as db:
        articles_before = db.execute("SELECT * FROM articles ORDER BY id").fetchall()

    http_server.routes["/bomb"] = Response(200, {**HTML_TYPE, "Content-Encoding": "gzip"},
                                           _zlib_bomb(zlib.MAX_WBITS | 16, 64 << 20))
    http_server.routes["/slow"] = Response(200, HTML_TYPE, page("paris"), delay=3)
    hostile = {"internal": internal_server.url("/secret"), "bomb": http_server.url("/bomb"),
               "slow": http_server.url("/slow")}
    http_server.routes["/feed"] = feed_route(rss(
        [entry("geneva"), entry("missiles")]
        + [entry("paris", guid=k, link=v, content=False) for k, v in hostile.items()]),
        etag='"v2"')
    result, stored, states = collect(config)
    reasons = {p.origin: p.reason for p in result.problems}
    assert set(reasons) == set(hostile.values())
    assert "fetch.allow_private" in reasons[hostile["internal"]]
    assert "fetch.max_bytes" in reasons[hostile["bomb"]]
    assert "fetch.timeout_seconds" in reasons[hostile["slow"]]
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT * FROM articles ORDER BY id").fetchall()
    # What was stored stays as it was; the refused pages' entries stand in by their own text
    # (issue 14: an entry whose page cannot be had is not lost), nothing of the pages is in.
    assert set(articles_before) <= set(rows)
    added = [r for r in rows if r not in articles_before]
    # The three entries share a headline: one article (the same text is stored once).
    assert len(added) == 1 and added[0][3] in set(hostile.values())  # the url column
    assert added[0][6] == ARTICLES["paris"][0]  # the headline, nothing of the pages
    after = {p: p.read_bytes() for p in (tmp_path / "output").rglob("*") if p.is_file()}
    assert after == before
    # The feed keeps its old validators: the next poll reads it in full again.
    assert states[f"feed: {http_server.url('/feed')}"]["etag"] == '"v1"'


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw deflate", "br", "zstd",
                                      "gzip, br"])
def test_decoding_is_exact_in_bounded_pieces_however_the_body_is_cut(encoding):
    import random

    from briefing.sources.decoding import PIECE, decoded

    needs_decoder(encoding)
    rng = random.Random(7)
    data = rng.randbytes(100_000) + b"a" * 400_000
    body = encode(encoding, data)
    for most in (3, 4096, 100_000):
        cuts, at = [], 0
        while at < len(body):
            step = rng.randint(1, most)
            cuts.append(body[at:at + step])
            at += step
        pieces = list(decoded(iter(cuts), encoding.replace("raw ", "")))
        assert b"".join(pieces) == data
        assert max(map(len, pieces)) <= PIECE * 3 // 2
