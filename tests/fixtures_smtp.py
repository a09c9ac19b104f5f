"""A real SMTP server (aiosmtpd) on 127.0.0.1 for tests: it keeps every message it accepts.

Usage::

    from fixtures_smtp import SMTPServer, free_port, smtp_server_fixture  # noqa: F401

    def test_something(smtp_server):
        ...  # point email.smtp_port at smtp_server.port
        assert len(smtp_server.messages) == 1

``SMTPServer(port)`` can also be started later on a port chosen earlier with ``free_port()``,
to test a mail server that is down and comes back. ``handler.rcpt_reply`` makes the server
refuse recipients; ``handler.data_delay`` makes it slow to answer the message body.

``ScriptedSMTP`` is a server on a bare socket for what aiosmtpd will not do on request: a
different reply per recipient, a chosen reply to DATA or to the final dot, or a connection
dropped after the message body.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port nothing listens on right now (the OS picks it, so parallel tests differ)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


class Inbox:
    """aiosmtpd handler: accepts (or refuses) and records."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.rcpt_reply: str | None = None  # e.g. "550 5.1.1 no such user"
        self.data_delay = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
            return "451 too late"  # the client has given up by now
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      envelope.original_content or envelope.content))
        return "250 OK"


class SMTPServer:
    def __init__(self, port: int | None = None, **smtp_options: Any):
        self.port = port or free_port()
        self.handler = Inbox()
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                      **smtp_options)

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def start(self) -> SMTPServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SMTPServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@pytest.fixture(name="smtp_server")
def smtp_server_fixture() -> Iterator[SMTPServer]:
    with SMTPServer() as server:
        yield server


# --- a raw-socket SMTP server whose every reply the test chooses -----------------------------


@dataclass
class Transaction:
    """One mail transaction a ScriptedSMTP saw: the recipients it accepted, the message body
    (dot-unstuffed) if the client got that far, and the reply it gave to the body (None if it
    gave none)."""

    sender: str
    recipients: list[str]
    data: bytes | None = None
    answer: str | None = None

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data or b"", policy=policy.default)  # type: ignore[return-value]


class ScriptedSMTP:
    """An SMTP server on 127.0.0.1, written on a bare socket, that answers what the test says:
    ``greeting``, ``mail``, ``rcpt`` (address -> reply; others get 250), ``data`` (the reply
    to the DATA command) and ``end`` (the reply to the final dot, or ``None`` to close the
    connection without answering, as a server that crashed after taking the body would).
    Change them between sends to script a server that recovers.

    Bounded: it serves one connection at a time, each socket read times out after
    ``timeout`` seconds, and it stops itself after ``lifetime`` seconds or when the ``with``
    block ends. ``transactions`` records what it saw; ``sessions`` counts connections."""

    def __init__(self, *, timeout: float = 5.0, lifetime: float = 60.0) -> None:
        self.greeting = "220 scripted ESMTP"
        self.mail = "250 OK"
        self.rcpt: dict[str, str] = {}
        self.data = "354 end with <CRLF>.<CRLF>"
        self.end: str | None = "250 OK queued"
        self.transactions: list[Transaction] = []
        self.sessions = 0
        self._timeout, self._lifetime = timeout, lifetime
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def delivered(self) -> list[Transaction]:
        """Transactions whose body the server answered 250 to."""
        return [t for t in self.transactions if (t.answer or "").startswith("2")]

    def __enter__(self) -> ScriptedSMTP:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(10)
        self._listener.close()

    def _serve(self) -> None:
        deadline = time.monotonic() + self._lifetime
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.sessions += 1
            with conn:
                conn.settimeout(self._timeout)
                with contextlib.suppress(OSError):
                    self._session(conn.makefile("rb"), conn)

    def _session(self, read, conn: socket.socket) -> None:
        def say(line: str) -> None:
            conn.sendall(line.encode("ascii") + b"\r\n")

        say(self.greeting)
        if not self.greeting.startswith("2"):
            return
        current: Transaction | None = None
        while True:
            line = read.readline()
            if not line:
                return
            verb = line.decode("ascii", "replace").strip()
            upper = verb.upper()
            if upper.startswith(("EHLO", "HELO")):
                say("250 scripted")
            elif upper.startswith("MAIL FROM:"):
                say(self.mail)
                if self.mail.startswith("2"):
                    current = Transaction(_angle(verb), [])
            elif upper.startswith("RCPT TO:"):
                address = _angle(verb)
                reply = self.rcpt.get(address, "250 OK")
                say(reply)
                if reply.startswith("2") and current is not None:
                    current.recipients.append(address)
            elif upper == "DATA":
                say(self.data)
                if not self.data.startswith("354"):
                    continue
                body = b""
                while (chunk := read.readline()) != b".\r\n":
                    if not chunk:
                        return
                    body += chunk[1:] if chunk.startswith(b"..") else chunk
                if current is not None:
                    current.data, current.answer = body, self.end
                    self.transactions.append(current)
                current = None
                if self.end is None:
                    return  # took the whole message, then went away without a word
                say(self.end)
            elif upper == "RSET":
                if current is not None:
                    self.transactions.append(current)
                current = None
                say("250 OK")
            elif upper == "QUIT":
                say("221 bye")
                return
            else:
                say("502 not implemented")


def _angle(command: str) -> str:
    return command.partition("<")[2].partition(">")[0]
