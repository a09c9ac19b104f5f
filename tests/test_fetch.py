"""The one fetch function, against a real HTTP server on 127.0.0.1: limits, redirects,
schemes, conditional GET, and the transport seam."""

from __future__ import annotations

import gzip
import time

import httpx
import pytest
from fixtures_http import Response, http_server_fixture  # noqa: F401  (http_server)

from briefing.config import FetchSettings
from briefing.errors import FetchError
from briefing.sources.fetch import fetch, use_transport

LIMITS = FetchSettings(timeout_seconds=1.0, max_bytes=5_000, max_redirects=3,
                       user_agent="Briefing-test/1.0 (+https://example.org/briefing)")


def fails(url: str, limits: FetchSettings = LIMITS, **kw) -> str:
    """The reason fetch gives for ``url``; the error must name the URL asked for."""
    with pytest.raises(FetchError) as info:
        fetch(url, limits, **kw)
    assert info.value.origin == url
    assert str(info.value).startswith(f"{url}: ")
    return info.value.reason


def test_ok_body_type_charset_and_validators(http_server):
    http_server.routes["/a"] = (200, {"Content-Type": "text/HTML; charset=windows-1251",
                                      "ETag": 'W/"abc"', "Last-Modified":
                                      "Fri, 21 Jan 2022 10:00:00 GMT"}, b"<p>hello</p>")
    result = fetch(http_server.url("/a"), LIMITS)
    assert (result.status, result.content, result.media_type, result.charset) == (
        200, b"<p>hello</p>", "text/html", "windows-1251")
    assert (result.etag, result.last_modified) == ('W/"abc"', "Fri, 21 Jan 2022 10:00:00 GMT")
    assert not result.not_modified


def test_sends_a_clear_user_agent_and_the_accept_header(http_server):
    http_server.routes["/a"] = (200, {}, b"x")
    fetch(http_server.url("/a"), LIMITS, accept="application/rss+xml")
    [request] = http_server.requests_to("/a")
    assert request.header("User-Agent") == LIMITS.user_agent
    assert request.header("Accept") == "application/rss+xml"
    assert request.header("If-None-Match") is None


def test_conditional_get_gives_304_without_a_body(http_server):
    http_server.routes["/feed"] = (200, {"ETag": '"v7"'}, b"<rss/>")
    result = fetch(http_server.url("/feed"), LIMITS, etag='"v7"',
                   last_modified="Fri, 21 Jan 2022 10:00:00 GMT")
    assert result.not_modified and result.content == b"" and result.etag == '"v7"'
    request = http_server.requests_to("/feed")[-1]
    assert request.header("If-None-Match") == '"v7"'
    assert request.header("If-Modified-Since") == "Fri, 21 Jan 2022 10:00:00 GMT"
    # A stale validator gets the full body.
    assert fetch(http_server.url("/feed"), LIMITS, etag='"v6"').content == b"<rss/>"


def test_follows_redirects_up_to_the_limit(http_server):
    for i in range(3):
        http_server.routes[f"/r{i}"] = (301 if i % 2 else 302,
                                        {"Location": f"/r{i + 1}"}, b"")
    http_server.routes["/r3"] = (200, {}, b"arrived")
    result = fetch(http_server.url("/r0"), LIMITS)
    assert result.content == b"arrived" and result.final_url == http_server.url("/r3")
    assert result.url == http_server.url("/r0")
    http_server.routes["/r3"] = (307, {"Location": "/r4"}, b"")
    http_server.routes["/r4"] = (200, {}, b"one hop too far")
    assert "too many redirects" in fails(http_server.url("/r0"))


def test_redirect_loop(http_server):
    http_server.routes["/a"] = (302, {"Location": "/b"}, b"")
    http_server.routes["/b"] = (302, {"Location": http_server.url("/a")}, b"")
    assert "redirect loop" in fails(http_server.url("/a"))
    assert len(http_server.requests) == 2  # noticed at once, not after max_redirects


def test_redirect_to_another_scheme_is_refused(http_server):
    http_server.routes["/a"] = (302, {"Location": "file:///etc/passwd"}, b"")
    reason = fails(http_server.url("/a"))
    assert "file:///etc/passwd" in reason and "only http and https" in reason


@pytest.mark.parametrize("url", ["ftp://example.org/feed.xml", "file:///etc/hosts",
                                 "javascript:alert(1)", "data:text/plain,hi",
                                 "example.org/feed.xml"])
def test_only_http_and_https_are_fetched(url):
    assert "only http and https URLs can be fetched" in fails(url)


def test_url_without_host_or_malformed():
    assert "no host" in fails("http:///path")
    assert "not a valid URL" in fails("http://[::1/feed")


@pytest.mark.parametrize(("status", "word"), [(404, "404 Not Found"), (410, "410 Gone"),
                                              (500, "500 Internal Server Error"),
                                              (503, "503 Service Unavailable")])
def test_http_errors_name_the_status(http_server, status, word):
    http_server.routes["/x"] = (status, {}, b"error page")
    assert fails(http_server.url("/x")) == f"the server answered HTTP {word}"


def test_unknown_path_is_404(http_server):
    assert "404" in fails(http_server.url("/nothing-here"))


def test_timeout_when_the_server_does_not_answer(http_server):
    http_server.routes["/slow"] = Response(body=b"late", delay=10)
    started = time.monotonic()
    assert "timed out after 1 s" in fails(http_server.url("/slow"))
    assert time.monotonic() - started < 5


def test_timeout_covers_a_server_that_drips_bytes(http_server):
    # Each byte arrives well within the read timeout, but the whole body never would.
    http_server.routes["/drip"] = Response(body=b"x" * 200, drip=0.05)
    started = time.monotonic()
    assert "timed out" in fails(http_server.url("/drip"))
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("send_length", [True, False])
def test_size_limit(http_server, send_length):
    http_server.routes["/big"] = Response(body=b"x" * 6_000, send_length=send_length)
    assert "over the size limit of 5,000 bytes (fetch.max_bytes)" in \
        fails(http_server.url("/big"))
    http_server.routes["/fits"] = Response(body=b"x" * 5_000, send_length=send_length)
    assert len(fetch(http_server.url("/fits"), LIMITS).content) == 5_000


def test_size_limit_counts_decompressed_bytes(http_server):
    # 40 kB of zeros compress to a few dozen bytes: the limit must see the 40 kB.
    bomb = gzip.compress(b"0" * 40_000)
    assert len(bomb) < 1_000
    http_server.routes["/gz"] = (200, {"Content-Encoding": "gzip"}, bomb)
    assert "size limit" in fails(http_server.url("/gz"))


def test_connection_refused_is_one_clear_reason(http_server):
    url = http_server.url("/x")
    http_server.stop()
    assert "cannot connect" in fails(url)


def test_transport_seam_routes_every_fetch(http_server):
    """use_transport swaps the transport under fetch (here a real one that counts)."""

    class Counting(httpx.HTTPTransport):
        calls = 0

        def handle_request(self, request):
            Counting.calls += 1
            return super().handle_request(request)

    http_server.routes["/a"] = (302, {"Location": "/b"}, b"")
    http_server.routes["/b"] = (200, {}, b"ok")
    transport = Counting()
    with use_transport(transport):
        assert fetch(http_server.url("/a"), LIMITS).content == b"ok"
        assert fetch(http_server.url("/b"), LIMITS).content == b"ok"  # still open
    assert Counting.calls == 3
    transport.close()
    fetch(http_server.url("/b"), LIMITS)  # the default transport is back
    assert Counting.calls == 3
