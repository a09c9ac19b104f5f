"""Issue 28, item 1: a mail server that answers correctly but slowly, or never stops
answering, against real sockets on 127.0.0.1. ``email.timeout_seconds`` is one deadline for
the whole conversation, replies are bounded, the message waits in the outbox, and no lock
shared with other work is held while the server is talked to."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import run_cli
from test_deliver import make_settings, outbox, record, rendered  # noqa: F401

from briefing.deliver.bounded import MAX_REPLY_LINES
from briefing.deliver.outbox import outbox_lock


@pytest.fixture
def day(request: pytest.FixtureRequest) -> Path:
    """The seed briefing's folder, recorded in this test's state (``rendered``)."""
    return request.getfixturevalue("rendered")


TIMEOUT = 2  # email.timeout_seconds in these tests
MARGIN = 1.5  # what the command may take beyond it (loading the config, building the message)


class RawServer:
    """A TCP server on 127.0.0.1 whose every connection runs ``session(conn, stop)`` in a
    thread of its own; it stops (and closes every connection) when the block ends."""

    def __init__(self, session: Callable[[socket.socket, threading.Event], None]) -> None:
        self._session = session
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self.connections = 0
        self.bytes_sent = 0
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> RawServer:
        thread = threading.Thread(target=self._serve, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            thread = threading.Thread(target=self._run, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _run(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.settimeout(0.2)
            self._session(conn, self._stop)

    def send(self, conn: socket.socket, data: bytes) -> None:
        conn.sendall(data)
        self.bytes_sent += len(data)


def tarpit(server_ref: list[RawServer]) -> Callable[[socket.socket, threading.Event], None]:
    """Correct SMTP answers, one byte every half second (each command is read at once)."""

    def drip(conn: socket.socket, stop: threading.Event, reply: str) -> None:
        for byte in (reply + "\r\n").encode():
            if stop.wait(0.5):
                return
            server_ref[0].send(conn, bytes([byte]))

    def session(conn: socket.socket, stop: threading.Event) -> None:
        drip(conn, stop, "220 slow.example ESMTP")
        buffer = b""
        in_data = False
        while not stop.is_set():
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                return
            buffer += chunk
            while b"\r\n" in buffer:
                line, buffer = buffer.split(b"\r\n", 1)
                if in_data:
                    if line == b".":
                        in_data = False
                        drip(conn, stop, "250 queued")
                    continue
                verb = line[:4].upper()
                reply = {b"EHLO": "250 slow.example", b"HELO": "250 slow.example",
                         b"DATA": "354 go on", b"QUIT": "221 bye"}.get(verb, "250 OK")
                in_data = verb == b"DATA"
                drip(conn, stop, reply)

    return session


def endless_greeting(server_ref: list[RawServer]
                     ) -> Callable[[socket.socket, threading.Event], None]:
    """A greeting of ``220-`` continuation lines that never ends."""
    line = b"220-" + b"x" * 76 + b"\r\n"

    def session(conn: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                server_ref[0].send(conn, line * 64)
            except TimeoutError:
                continue

    return session


@contextlib.contextmanager
def hostile(kind: Callable) -> Iterator[RawServer]:
    ref: list[RawServer] = []
    server = RawServer(kind(ref))
    ref.append(server)
    with server:
        yield server


def _send_in_background(config: Path) -> tuple[threading.Thread, dict]:
    result: dict = {}

    def run() -> None:
        started = time.monotonic()
        result["code"], result["out"], result["err"] = run_cli("--config", str(config),
                                                               "send")
        result["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_a_tarpit_server_is_cut_at_the_deadline_and_the_message_waits(day, tmp_path,
                                                                      monkeypatch):
    from briefing.pipeline import write_lock

    with hostile(tarpit) as server:
        settings = make_settings(tmp_path, server.port, timeout_seconds=TIMEOUT)
        record(settings, day)
        thread, result = _send_in_background(settings.config_path)
        time.sleep(0.5)
        # While the server is being talked to, other work gets both locks at once.
        monkeypatch.setenv("BRIEFING_LOCK_WAIT", "0.2")
        with write_lock(settings.state_dir, "render"), outbox_lock(settings.state_dir,
                                                                   wait=0.2):
            pass
        thread.join(TIMEOUT + 10)
    assert result["seconds"] < TIMEOUT + MARGIN, result
    assert result["code"] == 1
    assert f"did not answer within {TIMEOUT} s" in result["out"], result
    assert "it waits in the outbox" in result["out"]
    rows = outbox(settings)
    assert [r["status"] for r in rows] == ["pending"] and rows[0]["attempts"] == 1


def test_a_second_sender_skips_a_message_being_sent_instead_of_waiting(day, tmp_path):
    """The per-message lock: a `send --retry` while the tarpit holds the first send skips
    that message at once, and the 'sending' state of a live send is not taken for a crash."""
    with hostile(tarpit) as server:
        settings = make_settings(tmp_path, server.port, timeout_seconds=TIMEOUT)
        record(settings, day)
        thread, result = _send_in_background(settings.config_path)
        time.sleep(0.5)
        started = time.monotonic()
        code, out, _ = run_cli("--config", str(settings.config_path), "send", "--retry")
        assert time.monotonic() - started < 1.0
        assert "is sending it right now" in out, out
        thread.join(TIMEOUT + 10)
    assert [r["status"] for r in outbox(settings)] == ["pending"]


def test_an_endless_greeting_is_cut_after_a_bounded_reply(day, tmp_path):
    with hostile(endless_greeting) as server:
        settings = make_settings(tmp_path, server.port, timeout_seconds=30)
        record(settings, day)
        started = time.monotonic()
        code, out, err = run_cli("--config", str(settings.config_path), "send")
        seconds = time.monotonic() - started
    assert code == 1 and "Traceback" not in err
    assert f"over {MAX_REPLY_LINES} lines" in out and "it waits in the outbox" in out, out
    assert seconds < 5, seconds  # the reply cap, not the 30 s deadline, ended it
    assert [r["status"] for r in outbox(settings)] == ["pending"]


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_the_deadline_covers_a_tls_handshake_that_never_comes(day, tmp_path, security):
    """A server that takes the connection and says nothing (ssl) or greets and then stalls
    the TLS handshake (starttls): cut at the deadline all the same."""

    def silent_after_greeting(ref: list[RawServer]):
        def session(conn: socket.socket, stop: threading.Event) -> None:
            if security == "starttls":
                conn.sendall(b"220 stall ESMTP\r\n")
                conn.recv(1024)  # EHLO
                conn.sendall(b"250-stall\r\n250 STARTTLS\r\n")
                conn.recv(1024)  # STARTTLS
                conn.sendall(b"220 go ahead\r\n")
            stop.wait(30)  # then nothing, ever

        return session

    with hostile(silent_after_greeting) as server:
        settings = make_settings(tmp_path, server.port, timeout_seconds=TIMEOUT,
                                 security=security)
        record(settings, day)
        started = time.monotonic()
        code, out, _ = run_cli("--config", str(settings.config_path), "send")
        seconds = time.monotonic() - started
    assert seconds < TIMEOUT + MARGIN, (seconds, out)
    assert "it waits in the outbox" in out, out
