"""A real HTTP server on 127.0.0.1 for tests: serves what the test puts in a dict.

Usage::

    from fixtures_http import Response, http_server_fixture  # noqa: F401  (the fixture)

    def test_something(http_server):
        http_server.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, body)
        http_server.routes["/slow"] = Response(body=b"late", delay=5)
        url = http_server.url("/feed.xml")
        ...
        assert http_server.requests_to("/feed.xml")[-1].headers["User-Agent"]

A route is a ``Response``, a ``(status, headers, body)`` tuple, or a callable that takes the
``Request`` and returns either. Unknown paths answer 404. With ``conditional=True`` (the
default) a 200 route that has an ETag or Last-Modified header answers 304 to a matching
If-None-Match / If-Modified-Since, as a well-behaved feed server does. Every request is
recorded with its headers. The server runs in a daemon thread on a free port (port 0), so
tests can run in parallel.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Response:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0  # seconds to wait before answering (for timeout tests)
    drip: float = 0.0  # seconds between body bytes (a slow server that keeps sending)
    send_length: bool = True  # False: no Content-Length, the body ends when the socket closes


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # with the query string
    headers: dict[str, str]  # header names as sent; look up case-insensitively with .header()

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


Route = Response | tuple[int, dict[str, str], bytes] | Callable[[Request], "Response | tuple"]


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-request (a fetch that timed out, a closed keep-alive) is
    expected here: no traceback for it, any other error still printed."""

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001 (socketserver's)
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LocalHTTPServer:
    def __init__(self, conditional: bool = True, host: str = "127.0.0.1"):
        self.host = host  # another loopback address (127.0.0.2) plays an internal host
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.conditional = conditional
        self._stop = threading.Event()
        self._server = _QuietServer((host, 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def start(self) -> LocalHTTPServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # wakes handlers that are sleeping through a delay
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalHTTPServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def answer(self, request: Request) -> Response:
        route = self.routes.get(request.path)
        if route is None:
            route = self.routes.get(request.path.split("?")[0])
        if callable(route):
            route = route(request)
        if route is None:
            return Response(404, {"Content-Type": "text/plain"}, b"not found")
        response = route if isinstance(route, Response) else Response(*route)
        if self.conditional and response.status == 200 and _unchanged(request, response):
            return Response(304, {k: v for k, v in response.headers.items()
                                  if k.lower() in ("etag", "last-modified")})
        return response


def _unchanged(request: Request, response: Response) -> bool:
    headers = {k.lower(): v for k, v in response.headers.items()}
    if_none_match = request.header("If-None-Match")
    if if_none_match is not None and "etag" in headers:
        return headers["etag"] in [t.strip() for t in if_none_match.split(",")] or \
            if_none_match.strip() == "*"
    if_modified_since = request.header("If-Modified-Since")
    if if_modified_since is not None and "last-modified" in headers:
        try:
            return parsedate_to_datetime(headers["last-modified"]) <= \
                parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
    return False


def _handler_for(server: LocalHTTPServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (the name http.server looks for)
            request = Request("GET", self.path, dict(self.headers.items()))
            server.requests.append(request)
            response = server.answer(request)
            if response.delay and server._stop.wait(response.delay):
                return
            try:
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                if response.send_length:
                    self.send_header("Content-Length", str(len(response.body)))
                else:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                if response.drip:
                    for i in range(len(response.body)):
                        if server._stop.wait(response.drip):
                            return
                        self.wfile.write(response.body[i:i + 1])
                        self.wfile.flush()
                else:
                    self.wfile.write(response.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to report

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            pass  # keep test output clean; requests are recorded instead

    return Handler


@pytest.fixture(name="http_server")
def http_server_fixture() -> Iterator[LocalHTTPServer]:
    """A running LocalHTTPServer, stopped after the test."""
    with LocalHTTPServer() as server:
        yield server
