"""All network I/O goes through ``fetch``: one GET with the limits a news reader needs.

- only ``http`` and ``https`` URLs, on the first request and on every redirect;
- one wall-clock deadline for the whole fetch — connect, headers, body and redirects — so a
  server that drips a header line or a byte at a time cannot hold a run hostage
  (``fetch.timeout_seconds``; enforced on the socket, see ``guard``);
- a size limit on the decoded body, checked while it streams, for every content encoding
  (``fetch.max_bytes``; see ``decoding``), so a huge or endlessly compressed response is cut
  off early;
- no internal addresses for what the user did not write: a link found in a feed or a page,
  or a redirect to another origin (scheme, host, port), is refused when it resolves to a
  loopback, private, link-local or reserved address (``fetch.allow_private``; see
  ``guard``); a configured source vouches for its own origin only;
- a redirect limit (``fetch.max_redirects``) and loop detection;
- a User-Agent that names the tool (``fetch.user_agent``);
- conditional GET: given the ETag / Last-Modified of the last fetch, an unchanged resource
  comes back as a 304 with no body.

The transport is a seam: ``use_transport`` swaps in any httpx transport (a proxy, a
recording transport, a test double), and everything that fetches goes through it. Such a
transport makes its own connections, so the address check and the socket-level deadline
are only as good as it is: build it on ``guarded_transport`` to keep them.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from urllib.parse import urljoin, urlsplit

import httpx

from briefing.config import FetchSettings
from briefing.errors import FetchError, LimitError
from briefing.sources.decoding import ACCEPT_ENCODING, DecodingError, decoded
from briefing.sources.guard import (
    AddressRefused,
    Policy,
    guarded,
    guarded_transport,
    origin_of,
    origins,
)

ALLOWED_SCHEMES = ("http", "https")

_transport: httpx.BaseTransport | None = None  # None: a fresh httpx.HTTPTransport per fetch
_ssl_context = None  # built once: loading the CA bundle takes ~60 ms, a fetch often less


@dataclass(frozen=True)
class FetchResult:
    """A successful fetch: a 2xx body, or a 304 that says the resource did not change."""

    url: str  # what was asked for
    final_url: str  # where the body came from, after redirects
    status: int
    content: bytes = b""
    media_type: str | None = None  # from Content-Type, lower case, without parameters
    charset: str | None = None  # the charset the server declared, if any
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def set_transport(transport: httpx.BaseTransport | None) -> httpx.BaseTransport | None:
    """Route every later fetch through ``transport`` (None: the default); return the old one."""
    global _transport
    previous, _transport = _transport, transport
    return previous


@contextmanager
def use_transport(transport: httpx.BaseTransport) -> Iterator[None]:
    """Fetch through ``transport`` inside the ``with`` block."""
    previous = set_transport(transport)
    try:
        yield
    finally:
        set_transport(previous)


def check_url(url: str) -> None:
    """Raise FetchError unless ``url`` is an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:  # e.g. an unbalanced IPv6 bracket
        raise FetchError(url, f"not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        shown = f"'{scheme}'" if scheme else "none"
        raise FetchError(url, f"only http and https URLs can be fetched (scheme: {shown})")
    if not host:
        raise FetchError(url, "URL has no host name")


def fetch(url: str, limits: FetchSettings, *, etag: str | None = None,
          last_modified: str | None = None, accept: str = "*/*",
          trusted: Collection[str] | None = None) -> FetchResult:
    """GET ``url`` within ``limits``; raise FetchError (naming ``url``) when it cannot.

    ``etag`` / ``last_modified`` are the validators of the previous fetch; when the server
    says nothing changed the result has status 304 and no content.

    ``trusted`` are the URLs the user wrote whose origins (scheme, host, port) may be
    internal addresses for this fetch. None means ``url`` itself is one (the caller read it
    from the config); a link found in a feed passes the feed's own configured URL instead,
    so it is refused if it leads to an internal origin other than its feed's. Each hop of
    a redirect is judged by its own origin.
    """
    check_url(url)
    deadline = time.monotonic() + limits.timeout_seconds
    policy = Policy(deadline, origins([url] if trusted is None else trusted),
                    limits.allow_private)
    headers = {"User-Agent": limits.user_agent, "Accept": accept,
               "Accept-Encoding": ACCEPT_ENCODING}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    # A transport set with use_transport is shared, so only a transport made here is closed.
    own_transport = _transport is None
    transport = _default_transport() if own_transport else _transport
    client = httpx.Client(transport=transport, headers=headers, follow_redirects=False)
    try:
        return _follow(client, url, limits, policy)
    finally:
        if own_transport:
            client.close()


def _default_transport() -> httpx.HTTPTransport:
    global _ssl_context
    if _ssl_context is None:
        _ssl_context = httpx.create_ssl_context()
    return guarded_transport(_ssl_context)


def _follow(client: httpx.Client, url: str, limits: FetchSettings,
            policy: Policy) -> FetchResult:
    """GET, following at most ``limits.max_redirects`` redirects, each checked and new;
    each hop's connections follow ``policy`` for that hop's origin."""
    deadline = policy.deadline
    seen = {url}
    current = url
    for _hop in range(limits.max_redirects + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _timed_out(url, limits)
        try:
            with guarded(replace(policy, hop=origin_of(current))), \
                    client.stream("GET", current, timeout=remaining) as response:
                target = _redirect_target(response, current)
                if target is None:
                    return _result(url, current, response, limits, deadline)
        except AddressRefused as exc:
            raise LimitError(url, _refused(exc, url, current)) from None
        except httpx.TimeoutException:
            raise _timed_out(url, limits) from None
        except httpx.InvalidURL as exc:
            raise FetchError(url, f"not a valid URL ({exc})") from None
        except httpx.HTTPError as exc:
            raise FetchError(url, _network_reason(exc)) from None
        try:
            check_url(target)
        except FetchError as exc:
            raise FetchError(url, f"redirected to {target}: {exc.reason}") from None
        if target in seen:
            raise FetchError(url, f"redirect loop: {current} sends back to {target}")
        seen.add(target)
        current = target
    raise FetchError(url, f"too many redirects (more than {limits.max_redirects}, "
                          "the fetch.max_redirects limit)")


def _redirect_target(response: httpx.Response, current: str) -> str | None:
    if response.status_code in (301, 302, 303, 307, 308) and "location" in response.headers:
        return urljoin(current, response.headers["location"].strip())
    return None


def _result(url: str, final_url: str, response: httpx.Response, limits: FetchSettings,
            deadline: float) -> FetchResult:
    status = response.status_code
    validators = {"etag": response.headers.get("etag"),
                  "last_modified": response.headers.get("last-modified")}
    if status == 304:
        return FetchResult(url, final_url, status, **validators)
    if not 200 <= status < 300:
        reason = response.reason_phrase or ""
        raise FetchError(url, f"the server answered HTTP {status} {reason}".rstrip())
    content = _read_limited(response, url, limits, deadline)
    content_type = response.headers.get("content-type", "")
    media_type = content_type.split(";")[0].strip().lower() or None
    return FetchResult(url, final_url, status, content, media_type, response.charset_encoding,
                       **validators)


def _read_limited(response: httpx.Response, url: str, limits: FetchSettings,
                  deadline: float) -> bytes:
    over = (f"response is over the size limit of {limits.max_bytes:,} bytes "
            "(fetch.max_bytes)")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise LimitError(url, over)
    # Raw bytes are decoded here, not by httpx, in bounded pieces (see ``decoding``); the raw
    # size is capped too, for a body that decodes to little or nothing.
    raw = _capped(response.iter_raw(), limits.max_bytes, url, over)
    chunks, size = [], 0
    pieces = decoded(raw, response.headers.get("content-encoding", ""))
    try:
        for piece in pieces:
            size += len(piece)
            if size > limits.max_bytes:
                raise LimitError(url, over)
            if time.monotonic() > deadline:
                raise _timed_out(url, limits)
            chunks.append(piece)
    except DecodingError as exc:
        raise FetchError(url, f"the response body could not be decoded: {exc}") from None
    finally:
        pieces.close()  # at once, not when garbage collected: it holds the decoders
    return b"".join(chunks)


def _capped(chunks: Iterator[bytes], limit: int, url: str, over: str) -> Iterator[bytes]:
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise LimitError(url, over)
        yield chunk


def _refused(exc: AddressRefused, url: str, current: str) -> str:
    via = "" if current == url else f"redirected to {current}: "
    return (f"{via}not fetched: {exc.what}; links "
            "found in feeds and pages, and redirects, may reach an internal address only at "
            "the origin (scheme, host, port) of the source they came from (set "
            "fetch.allow_private: true to allow them, or configure the address as a source)")


def _timed_out(url: str, limits: FetchSettings) -> FetchError:
    return LimitError(url, f"timed out after {limits.timeout_seconds:g} s "
                           "(fetch.timeout_seconds)")


def _network_reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc or 'connection refused'})"
    if isinstance(exc, httpx.DecodingError):
        return "the response body could not be decoded (bad compression)"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server broke the HTTP protocol ({exc})"
    return f"network error: {exc or type(exc).__name__}"
