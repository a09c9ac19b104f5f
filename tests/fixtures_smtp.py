"""A real SMTP server (aiosmtpd) on 127.0.0.1 for tests: it keeps every message it accepts.

Usage::

    from fixtures_smtp import SMTPServer, free_port, smtp_server_fixture  # noqa: F401

    def test_something(smtp_server):
        ...  # point email.smtp_port at smtp_server.port
        assert len(smtp_server.messages) == 1

``SMTPServer(port)`` can also be started later on a port chosen earlier with ``free_port()``,
to test a mail server that is down and comes back. ``handler.rcpt_reply`` makes the server
refuse recipients; ``handler.data_delay`` makes it slow to answer the message body.
"""

from __future__ import annotations

import asyncio
import socket
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
