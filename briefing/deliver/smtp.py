"""One SMTP conversation: connect, secure, log in, send; errors described in one line."""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable
from email.utils import parseaddr

from briefing.config import EmailSettings
from briefing.errors import DeliveryError


class PermanentRefusal(DeliveryError):
    """The server refused this message for good (a 5xx reply); retrying will not help."""


class UncertainDelivery(DeliveryError):
    """The connection broke after the message body was sent: it may have been delivered."""


def smtp_send(email: EmailSettings, data: bytes, recipients: list[str],
              before_data: Callable[[], None] = lambda: None) -> dict[str, tuple[int, bytes]]:
    """Hand one message to the SMTP server; return the recipients it refused (if others were
    accepted). ``before_data`` runs just before the message body is transmitted."""
    _, sender = _envelope_sender(email)
    password = smtp_password(email)
    context = ssl.create_default_context()
    timeout = email.timeout_seconds
    if email.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(email.smtp_host, email.smtp_port,
                                              timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(email.smtp_host, email.smtp_port, timeout=timeout)
    try:
        smtp.ehlo()
        if email.security == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()
        if email.username:
            smtp.login(email.username, password or "")
        code, text = smtp.mail(sender)
        if code != 250:
            _refuse(code, f"sender {sender} refused: {code} {reply_text(text)}")
        refused: dict[str, tuple[int, bytes]] = {}
        for rcpt in recipients:
            code, text = smtp.rcpt(rcpt)
            if code not in (250, 251):
                refused[rcpt] = (code, text)
        if len(refused) == len(recipients):
            smtp.rset()
            detail = "; ".join(f"{a}: {c} {reply_text(t)}" for a, (c, t) in refused.items())
            if all(c >= 500 for c, _ in refused.values()):
                raise PermanentRefusal(f"every recipient refused ({detail})")
            raise DeliveryError(f"every recipient deferred ({detail})")
        before_data()
        try:
            code, text = smtp.data(data)
        except smtplib.SMTPResponseException:
            raise  # a refusal the server stated: it has not taken the message
        except (OSError, smtplib.SMTPException) as exc:
            # The body may have reached the server before the connection broke.
            raise UncertainDelivery(describe_error(exc, email)) from exc
        if code != 250:
            _refuse(code, f"message refused: {code} {reply_text(text)}")
    finally:
        _close_quietly(smtp)
    return refused


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
        return f"{where} did not answer within {email.timeout_seconds:g} s"
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
