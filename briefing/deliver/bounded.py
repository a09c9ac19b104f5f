"""smtplib with one wall-clock deadline for the whole conversation and bounded replies.

smtplib's ``timeout`` limits each socket operation, so a server that answers correctly, one
byte every half second, is never cut off, and it reads a reply's continuation lines
(``220-…``) for as long as the server sends them, keeping them all. Here every socket
operation (connecting, the TLS handshakes, each send, each read) waits at most until one
deadline set before connecting, and a reply may have at most ``MAX_REPLY_LINES`` lines and
``MAX_REPLY_BYTES`` bytes.

Written as a subclass rather than with another SMTP library because the rest of the
conversation (EHLO parsing, AUTH, STARTTLS) is smtplib's and stays so; only the reading of
replies and the waiting are replaced.
"""

from __future__ import annotations

import smtplib
import socket
import time

MAX_REPLY_LINES = 100  # an EHLO reply has a line per extension: a few dozen at most
MAX_REPLY_BYTES = 64 * 1024
_MAX_LINE = 8192  # smtplib's own limit for one line (smtplib._MAXLINE)
_READ_SIZE = 4096


class DeadlinePassed(TimeoutError):
    """The conversation took longer than its deadline (email.timeout_seconds)."""


class ReplyTooLong(smtplib.SMTPServerDisconnected):
    """A reply of more lines or bytes than any SMTP server sends: the connection is closed."""


class _Bounded:
    """Mixed into ``smtplib.SMTP`` and ``smtplib.SMTP_SSL`` (see the module docstring)."""

    sock: socket.socket | None
    deadline: float = float("inf")
    _pending: bytes = b""

    def __init__(self, *args, seconds: float, **kwargs) -> None:  # noqa: ANN002, ANN003
        """smtplib's arguments (a host connects at once), and the seconds the whole
        conversation may take from now."""
        self.deadline = time.monotonic() + seconds
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]

    def _left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeadlinePassed("timed out")
        return left

    def _get_socket(self, host, port, timeout):  # noqa: ANN001 (smtplib's signature)
        return super()._get_socket(host, port, self._left())  # type: ignore[misc]

    def send(self, s: bytes | str) -> None:
        if self.sock is None:
            raise smtplib.SMTPServerDisconnected("please run connect() first")
        if isinstance(s, str):
            s = s.encode(self.command_encoding)  # type: ignore[attr-defined]
        try:
            # Since Python 3.5 a socket's timeout bounds the whole sendall.
            self.sock.settimeout(self._left())
            self.sock.sendall(s)
        except TimeoutError:
            self.close()  # type: ignore[attr-defined]
            raise DeadlinePassed("timed out") from None
        except OSError:
            self.close()  # type: ignore[attr-defined]
            raise smtplib.SMTPServerDisconnected("Server not connected") from None

    def starttls(self, *args, **kwargs):  # noqa: ANN002, ANN003 (smtplib's signature)
        # The handshake is bounded as a whole by the socket's timeout (CPython's ssl module
        # keeps one deadline for it). Bytes the server sent ahead of the handshake are not
        # carried into the encrypted session (a reply injected in clear text).
        self._pending = b""
        if self.sock is not None:
            self.sock.settimeout(self._left())
        return super().starttls(*args, **kwargs)  # type: ignore[misc]

    def getreply(self) -> tuple[int, bytes]:
        lines: list[bytes] = []
        size = 0
        while True:
            line = self._read_line()
            if not line:
                self.close()  # type: ignore[attr-defined]
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            if len(line) > _MAX_LINE:
                self.close()  # type: ignore[attr-defined]
                raise smtplib.SMTPResponseException(500, "Line too long.")
            size += len(line)
            if len(lines) >= MAX_REPLY_LINES or size > MAX_REPLY_BYTES:
                self.close()  # type: ignore[attr-defined]
                raise ReplyTooLong(f"the server sent a reply of over {MAX_REPLY_LINES} lines "
                                   f"or {MAX_REPLY_BYTES // 1024} KB; not a mail server?")
            lines.append(line[4:].strip(b" \t\r\n"))
            try:
                code = int(line[:3])
            except ValueError:
                return -1, b"\n".join(lines)
            if line[3:4] != b"-":
                return code, b"\n".join(lines)

    def _read_line(self) -> bytes:
        """One line (at most _MAX_LINE + 1 bytes), b"" at the end of the connection."""
        while True:
            end = self._pending.find(b"\n")
            if end >= 0 or len(self._pending) > _MAX_LINE:
                cut = end + 1 if 0 <= end <= _MAX_LINE else _MAX_LINE + 1
                line, self._pending = self._pending[:cut], self._pending[cut:]
                return line
            if self.sock is None:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            try:
                self.sock.settimeout(self._left())
                chunk = self.sock.recv(_READ_SIZE)
            except TimeoutError:
                self.close()  # type: ignore[attr-defined]
                raise DeadlinePassed("timed out") from None
            except OSError as exc:
                self.close()  # type: ignore[attr-defined]
                raise smtplib.SMTPServerDisconnected(
                    f"Connection unexpectedly closed: {exc}") from None
            if not chunk:
                line, self._pending = self._pending, b""
                return line
            self._pending += chunk

    def close(self) -> None:
        self._pending = b""
        super().close()  # type: ignore[misc]


class BoundedSMTP(_Bounded, smtplib.SMTP):
    pass


class BoundedSMTP_SSL(_Bounded, smtplib.SMTP_SSL):  # noqa: N801 (smtplib's name)
    pass
