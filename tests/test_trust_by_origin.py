"""Issue 28, item 2: a configured source vouches for its own origin (scheme, host, port)
only: for itself, its redirects and its feed's links, and for no other source. Real HTTP
servers on 127.0.0.1 (two ports) and 127.0.0.2; the internal one must receive no request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from conftest import run_cli
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
from briefing.sources.guard import origin_of

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
    assert origin_of("http://127.0.0.1:8080/x") == ("http", "127.0.0.1", 8080)
    assert origin_of("http://Example.ORG/") == ("http", "example.org", 80)
    assert origin_of("https://example.org./a") == ("https", "example.org", 443)
    assert origin_of("http://[::1]:81/") == ("http", "::1", 81)
    assert origin_of("not a url") is None


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
