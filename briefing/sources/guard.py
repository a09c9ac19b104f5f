"""Where a fetch may connect, and until when: the fetch policy, enforced on the socket.

Two promises of ``fetch`` cannot be kept above the socket, so they are kept here, in an
httpcore network backend that the default transport connects through:

- **Internal addresses.** A link found in a feed or a page (or a redirect) that leads to a
  loopback, private, link-local, reserved or otherwise non-public address is refused, unless
  ``fetch.allow_private`` is set or its origin (scheme, host and port) is the one of the
  source the user wrote in the config that this fetch is for: a configured source vouches
  for its own origin only, for itself, its redirects and its own links, never for another
  port of the same host and never for another source's fetches. The check
  runs on the addresses this backend resolved and then connects to — the very socket the
  request goes out on — not on an earlier, separate DNS lookup: a name that answers a public
  address to a first lookup and 127.0.0.1 to the second (DNS rebinding) gains nothing. TLS
  still verifies the certificate against the host name (httpcore passes the URL's host as
  ``server_hostname``), and the Host header is the URL's, so connecting to the checked IP
  changes nothing a server sees.
- **One deadline.** httpx's timeouts apply to each socket operation, so a server that sends
  one header line every few seconds never trips them. Every connect, read, write and TLS
  handshake here waits at most until the fetch's monotonic deadline, which covers connect,
  headers, body and redirects together.

The policy of the fetch in progress travels in a context variable (set by ``guarded``), so
a transport shared between fetches applies each fetch's own policy.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

# Cloud providers (AWS, GCP, Azure, OpenStack …) serve instance credentials here.
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


class AddressRefused(Exception):
    """A connection to an internal address that the policy does not allow.

    Deliberately not an httpcore or httpx exception: those are mapped to generic connect
    errors on the way up, and this one must reach ``fetch`` with its reason intact."""

    def __init__(self, host: str, address: str, kind: str):
        self.host, self.address, self.kind = host, address, kind
        super().__init__(self.what)

    @property
    def what(self) -> str:
        """What was refused, e.g. 'intranet resolves to 10.0.0.5, a private address'."""
        if self.host.strip("[]") == self.address:
            return f"{self.host} is {self.kind}"
        return f"{self.host} resolves to {self.address}, {self.kind}"


# (scheme, host as host_key gives it, port with the scheme's default filled in)
Origin = tuple[str, str, int]

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Policy:
    deadline: float  # time.monotonic() value by which the whole fetch must be done
    trusted: frozenset[Origin]  # origins the user configured for this fetch: may be internal
    allow_private: bool = False
    hop: Origin | None = None  # the origin of the request under way (set per redirect)

    def may_be_internal(self, host: str, port: int) -> bool:
        """Whether a connection to ``host``:``port`` may reach an internal address: only
        for the request under way, when its origin is trusted and the connection is to it."""
        if self.allow_private:
            return True
        if self.hop is None or self.hop not in self.trusted:
            return False
        _, hop_host, hop_port = self.hop
        return (host.lower().rstrip("."), port) == (hop_host, hop_port)

    def remaining(self, timeout: float | None, error: type[Exception]) -> float:
        """The time one socket operation may take: its own timeout, cut at the deadline."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise error("the fetch's deadline has passed")
        return left if timeout is None else min(timeout, left)


_policy: ContextVar[Policy | None] = ContextVar("briefing_fetch_policy", default=None)


@contextmanager
def guarded(policy: Policy) -> Iterator[None]:
    """Connections made inside the block follow ``policy``."""
    token = _policy.set(policy)
    try:
        yield
    finally:
        _policy.reset(token)


def host_key(url: str) -> str | None:
    """A URL's host as the connection sees it: lower case, IDNA-encoded, no brackets."""
    try:
        host = httpx.URL(url).raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return None
    return host.lower().rstrip(".") or None


def origin_of(url: str) -> Origin | None:
    """A URL's origin: (scheme, host, port), the port filled in from the scheme."""
    host = host_key(url)
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return None
    scheme = parsed.scheme.lower()
    port = parsed.port or _DEFAULT_PORTS.get(scheme)
    if host is None or port is None:
        return None
    return scheme, host, port


def origins(urls: Iterable[str]) -> frozenset[Origin]:
    return frozenset(o for o in map(origin_of, urls) if o)


def internal_kind(address: str) -> str | None:
    """What kind of internal address ``address`` is ("a loopback address" …), or None for a
    public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address wrapped in IPv6 (::ffff:127.0.0.1, 6to4, Teredo) is that address.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            kind = internal_kind(str(embedded))
            if kind or ip.ipv4_mapped:
                return kind
    if ip in _METADATA:
        return "the cloud metadata address"
    for test, kind in (("is_loopback", "a loopback address"),
                       ("is_link_local", "a link-local address"),
                       ("is_multicast", "a multicast address"),
                       ("is_unspecified", "the unspecified address"),
                       ("is_reserved", "a reserved address"),  # 240/4 is "private" too
                       ("is_private", "a private address")):
        if getattr(ip, test):
            return kind
    # Shared (100.64/10), benchmark, documentation ranges …: not private, not public either.
    return None if ip.is_global else "not a public address"


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's blocking sockets, with the policy of the fetch in progress applied."""

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        policy = _policy.get()
        if policy is None:  # the transport used without fetch: no policy to apply
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        addresses = _resolve(host, port)
        if not policy.may_be_internal(host, port):
            # Every address is checked, not only the first: the one connected to depends on
            # which answers, and a name listing an internal address is not to be trusted.
            for address in addresses:
                kind = internal_kind(address)
                if kind:
                    raise AddressRefused(host, address, kind)
        error: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:  # as socket.create_connection does: the first that answers
            try:
                stream = super().connect_tcp(
                    address, port, policy.remaining(timeout, httpcore.ConnectTimeout),
                    local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
                continue
            return DeadlineStream(stream)
        raise error


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host} ({exc})") from None
    seen: dict[str, None] = {}  # ordered, without repeats
    for *_, sockaddr in infos:
        seen.setdefault(str(sockaddr[0]), None)
    return list(seen)


class DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every operation ends by the fetch's deadline."""

    def __init__(self, stream: httpcore.NetworkStream):
        self._stream = stream

    def _timeout(self, timeout: float | None, error: type[Exception]) -> float | None:
        policy = _policy.get()
        return timeout if policy is None else policy.remaining(timeout, error)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._timeout(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._timeout(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return DeadlineStream(self._stream.start_tls(
            ssl_context, server_hostname, self._timeout(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


def guarded_transport(ssl_context: Any) -> httpx.HTTPTransport:
    """An httpx transport whose connections go through GuardedBackend."""
    transport = httpx.HTTPTransport(retries=0, verify=ssl_context)
    # httpx builds its connection pool without a way to name the network backend, so the
    # pool is rebuilt with ours (the refusals in tests/test_hostile_servers.py happen only in it).
    transport._pool = httpcore.ConnectionPool(ssl_context=ssl_context, retries=0,
                                              network_backend=GuardedBackend())
    return transport

