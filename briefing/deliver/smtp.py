"""One SMTP conversation: connect, secure, log in, name the recipients, send; what became of
each recipient, and errors described in one line."""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import ssl
from collections.abc import Callable
from email.utils import parseaddr

from briefing.config import EmailSettings
from briefing.deliver.bounded import BoundedSMTP, BoundedSMTP_SSL
from briefing.errors import DeliveryError


class PermanentRefusal(DeliveryError):
    """The server refused the whole message for good (a 5xx reply before any recipient was
    named: the greeting, STARTTLS, the login, the sender); retrying will not help."""


# What became of one recipient on one try: (status, why), status one of
#   sent     the server answered 250 to the end of the data, having accepted this recipient
#   pending  a temporary refusal (4xx) or a broken connection before the data: try again
#   failed   a permanent refusal (5xx) of this recipient or of the data
#   unknown  the connection broke after the data went out: it may have been delivered
Outcome = tuple[str, str | None]


def smtp_send(email: EmailSettings, data: bytes, recipients: list[str],
              before_data: Callable[[list[str]], None] = lambda accepted: None
              ) -> dict[str, Outcome]:
    """Hand one message to the SMTP server for ``recipients``; return what became of each.

    Raises ``PermanentRefusal`` (5xx) or another error for a failure before any recipient
    was named (nothing was accepted, for anyone). ``before_data`` gets the recipients the
    server accepted, just before the message body is transmitted; after that call this
    function raises nothing it could catch, so the caller always learns each outcome."""
    _, sender = _envelope_sender(email)
    password = smtp_password(email)
    where = f"{email.smtp_host}:{email.smtp_port}"
    smtp = None
    try:
        try:
            smtp = _connect(email)
            smtp.ehlo()
            if email.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if email.username:
                smtp.login(email.username, password or "")
            code, text = smtp.mail(sender)
            if code != 250:
                _refuse(code, f"{where} refused the sender {sender}: {code} {reply_text(text)}")
            outcomes: dict[str, Outcome] = {}
            accepted: list[str] = []
            for rcpt in recipients:
                code, text = smtp.rcpt(rcpt)
                if code in (250, 251):
                    accepted.append(rcpt)
                else:
                    outcomes[rcpt] = (_status_of(code), f"{code} {reply_text(text)}")
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise PermanentRefusal(describe_error(exc, email)) from exc
            raise
        if not accepted:
            _rset_quietly(smtp)
            return outcomes
        outcomes.update(_send_data(smtp, email, data, accepted, before_data))
        return outcomes
    finally:
        if smtp is not None:
            _close_quietly(smtp)


def smtp_probe(email: EmailSettings) -> str:
    """Open a session as ``smtp_send`` does (connect, greeting, EHLO, STARTTLS, login when a
    username is set), then QUIT: nothing is sent. Return what the server said it offers;
    raise DeliveryError with one line (``describe_error``) when a step fails."""
    password = smtp_password(email)
    smtp = None
    try:
        smtp = _connect(email)
        smtp.ehlo()
        steps = ["connected"]
        if email.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
            steps.append("STARTTLS")
        elif email.security == "ssl":
            steps.append("TLS")
        if email.username:
            smtp.login(email.username, password or "")
            steps.append(f"logged in as {email.username}")
        return ", ".join(steps) + "; nothing sent"
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(describe_error(exc, email)) from None
    finally:
        if smtp is not None:
            _close_quietly(smtp)


def _connect(email: EmailSettings) -> smtplib.SMTP:
    """Connect and read the greeting; ``email.timeout_seconds`` from now on is the deadline
    of the whole conversation, QUIT included (see ``bounded``)."""
    seconds = email.timeout_seconds
    if email.security == "ssl":
        return BoundedSMTP_SSL(email.smtp_host, email.smtp_port, seconds=seconds,
                               context=ssl.create_default_context())
    return BoundedSMTP(email.smtp_host, email.smtp_port, seconds=seconds)


def _send_data(smtp: smtplib.SMTP, email: EmailSettings, data: bytes, accepted: list[str],
               before_data: Callable[[list[str]], None]) -> dict[str, Outcome]:
    """DATA, the body, the final reply: one outcome shared by every accepted recipient.

    Done by hand rather than with ``smtplib.SMTP.data`` so that the one uncertain moment is
    exactly known: a failure up to the server's 354 means nothing was sent (pending, or
    failed for a 5xx answer to DATA itself), and only once the body is on its way can a lost
    answer mean "maybe delivered"."""
    try:
        code, text = smtp.docmd("DATA")
    except (OSError, smtplib.SMTPException) as exc:
        return dict.fromkeys(accepted, ("pending", describe_error(exc, email)))
    if code != 354:
        _rset_quietly(smtp)
        return dict.fromkeys(accepted, (_status_of(code), f"DATA answered {code} "
                                                          f"{reply_text(text)}"))
    before_data(accepted)
    try:
        body = re.sub(rb"(?m)^\.", b"..", data)  # a line starting with "." gets another
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        smtp.send(body + b".\r\n")
        code, text = smtp.getreply()
    except (OSError, smtplib.SMTPException) as exc:
        note = (f"{describe_error(exc, email)} after the message was sent; it may have been "
                "delivered, so it is not sent again automatically")
        return dict.fromkeys(accepted, ("unknown", note))
    if code == 250:
        return dict.fromkeys(accepted, ("sent", None))
    return dict.fromkeys(accepted, (_status_of(code), f"the message was answered {code} "
                                                      f"{reply_text(text)}"))


def _status_of(code: int) -> str:
    """A refusal's outcome: 5xx is for good, anything else (4xx) is worth another try."""
    return "failed" if code >= 500 else "pending"


def _rset_quietly(smtp: smtplib.SMTP) -> None:
    # The transaction ends with the connection anyway; RSET only tells the server early.
    with contextlib.suppress(OSError, smtplib.SMTPException):
        smtp.rset()


def smtp_password(email: EmailSettings) -> str | None:
    """The SMTP password, from the environment variable ``email.password_env`` names."""
    if not email.username:
        return None
    if not email.password_env:
        raise DeliveryError("email.password_env: email.username is set, so name the "
                            "environment variable that holds the SMTP password")
    value = os.environ.get(email.password_env)
    if value is None:
        raise DeliveryError(f"email.password_env: the environment variable "
                            f"{email.password_env} is not set")
    if not value.isascii():
        # smtplib sends the AUTH exchange as ASCII and would fail half way through the login.
        raise DeliveryError(f"email.password_env: the password in {email.password_env} has "
                            "characters outside ASCII, which SMTP login cannot send; use an "
                            "ASCII password")
    return value


def _envelope_sender(email: EmailSettings) -> tuple[str, str]:
    return parseaddr(email.sender)


def _close_quietly(smtp: smtplib.SMTP) -> None:
    # Once the server has answered the data, nothing QUIT does may turn a sent message into
    # a failed one (and so into a duplicate), so errors here are ignored.
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _refuse(code: int, detail: str) -> None:
    if code >= 500:
        raise PermanentRefusal(detail)
    raise DeliveryError(detail)


def describe_error(exc: BaseException, email: EmailSettings) -> str:
    """One readable line for a failed send (never the password: servers do not echo it)."""
    where = f"{email.smtp_host}:{email.smtp_port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (f"{where} refused the login for {email.username}: {exc.smtp_code} "
                f"{reply_text(exc.smtp_error)} (check email.username and the password in "
                f"{email.password_env})")
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{where} answered {exc.smtp_code} {reply_text(exc.smtp_error)}"
    # smtplib reports a read that timed out as a disconnection "…: timed out".
    if isinstance(exc, TimeoutError) or str(exc).endswith("timed out"):
        return (f"{where} did not answer within {email.timeout_seconds:g} s "
                "(email.timeout_seconds, for the whole conversation)")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"{where} closed the connection ({exc or 'no reason given'})"
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return f"{where}: TLS failed: {exc}"
    if isinstance(exc, OSError):
        return f"{where}: {exc.strerror or exc}"
    return str(exc)


def reply_text(value: bytes | str) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return " ".join(value.split())
