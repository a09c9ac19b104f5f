"""Deliver: briefing emails through SMTP, by way of an outbox that outlives failures.

Every message is written to the outbox (its complete bytes) before the first attempt, so a
mail server that is down, refuses, or times out loses nothing: the row stays ``pending``
and is tried again later with a doubling delay (``email.retry_seconds``, up to an hour) by
the daemon or by ``briefing send --retry``. A server that rejects the message itself (a
5xx answer to the sender, every recipient, or the data) marks it ``failed``; it is kept, and
``briefing send --retry`` tries it again once the cause is fixed.

Exactly once. One process at a time sends (a lock file in ``state_dir``), so a row is never
sent by two processes. The row stays ``pending`` while connecting, logging in and naming the
recipients: if the process dies there, the server has not accepted anything (an SMTP
transaction without the end of DATA is discarded) and a retry is safe. Just before the
message body goes out the row becomes ``sending``, and ``sent`` once the server answered
250. A crash between those two marks is the one case we cannot decide: the server may have
accepted the message. We choose never to risk a duplicate: such a row becomes ``unknown``
the next time anyone sends, is reported by the daemon and by ``briefing send --retry``, and
is sent again only when a person asks (``briefing send DATE``). The window is the time the
server takes to answer the final dot, so this is rare; the retry of a ``pending`` row sends
the same bytes with the same Message-ID.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from pathlib import Path

from briefing.config import EmailSettings, Settings
from briefing.errors import BriefingError, DeliveryError
from briefing.message import build_message
from briefing.store import Store

log = logging.getLogger("briefing.deliver")

MAX_RETRY_DELAY = 3600  # seconds; the doubling delay stops growing here
LOCK_WAIT_SECONDS = 300  # how long a sender waits for another one to finish


@dataclass(frozen=True)
class Attempt:
    """What happened to one outbox message on one try."""

    message_id: int
    status: str  # sent | pending | failed | unknown | skipped
    detail: str
    briefing_dir: str = ""
    next_attempt_at: str | None = None

    def describe(self) -> str:
        if self.status == "sent":
            return f"message {self.message_id} sent ({self.detail})"
        if self.status == "pending":
            return (f"message {self.message_id} not sent: {self.detail}; it waits in the "
                    f"outbox, next try at {self.next_attempt_at}")
        if self.status == "failed":
            return (f"message {self.message_id} refused by the server: {self.detail}; kept in "
                    "the outbox (`briefing send --retry` tries again)")
        if self.status == "unknown":
            return f"message {self.message_id} in doubt: {self.detail}"
        return f"message {self.message_id} skipped: {self.detail}"


class PermanentRefusal(DeliveryError):
    """The server refused this message for good (a 5xx reply); retrying will not help."""


class UncertainDelivery(DeliveryError):
    """The connection broke after the message body was sent: it may have been delivered."""


# --- the outbox -----------------------------------------------------------------------------


def queue_briefing(settings: Settings, store: Store, out_dir: Path) -> int:
    """Build the briefing email and record it in the outbox; return the message id."""
    built = build_message(settings, out_dir)
    return store.enqueue_message(out_dir, built.recipients, built.subject, built.data)


def send_queued(settings: Settings, store: Store, ids: list[int] | None = None, *,
                due_only: bool = True) -> list[Attempt]:
    """Try to send outbox messages: the given ids, or every pending one (only those due, with
    ``due_only``). One process sends at a time; the others wait for it."""
    with outbox_lock(settings.state_dir):
        interrupted = store.mark_interrupted_sends()
        for message_id in interrupted:
            log.warning("message %d was cut off while the server was receiving it; it may "
                        "have been delivered, so it is not sent again automatically",
                        message_id)
        if ids is None:
            ids = store.due_messages(_iso(_now()) if due_only else None)
        return [attempt_send(settings, store, message_id) for message_id in ids]


def attempt_send(settings: Settings, store: Store, message_id: int) -> Attempt:
    """One try at one message; the caller holds the outbox lock."""
    if not store.start_attempt(message_id):
        row = store.outbox_message(message_id)
        status = row["status"] if row else "missing"
        return Attempt(message_id, "skipped", f"it is {status}, not pending")
    row = store.outbox_message(message_id)
    where = row["briefing_dir"]
    recipients = [r for r in row["recipients"].split("\n") if r]
    try:
        refused = smtp_send(settings.email, row["message"], recipients,
                            before_data=lambda: store.mark_sending(message_id))
    except PermanentRefusal as exc:
        store.finish_message(message_id, "failed", str(exc))
        return Attempt(message_id, "failed", str(exc), where)
    except UncertainDelivery as exc:
        note = f"{exc}; it may have been delivered, so it is not sent again automatically"
        store.finish_message(message_id, "unknown", note)
        return Attempt(message_id, "unknown", note, where)
    except (OSError, smtplib.SMTPException, DeliveryError) as exc:
        reason = describe_error(exc, settings.email)
        delay = retry_delay(settings.email.retry_seconds, row["attempts"])
        next_at = _iso(_now() + timedelta(seconds=delay))
        store.release_message(message_id, reason, next_at)
        return Attempt(message_id, "pending", reason, where, next_at)
    note = None
    if refused:
        note = "refused recipients: " + "; ".join(
            f"{addr} ({code} {_text(text)})" for addr, (code, text) in refused.items())
    store.finish_message(message_id, "sent", note)
    accepted = [r for r in recipients if r not in refused]
    detail = f"to {', '.join(accepted)}" + (f"; {note}" if note else "")
    return Attempt(message_id, "sent", detail, where)


def retry_delay(first: int, attempts: int) -> int:
    """Seconds before the next try after ``attempts`` failed ones: first, 2×, 4× … ≤ 1 h."""
    return int(min(first * 2 ** max(attempts - 1, 0), max(MAX_RETRY_DELAY, first)))


@contextmanager
def outbox_lock(state_dir: Path, wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold ``state_dir/outbox.lock`` so that only one process sends at a time."""
    state_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(state_dir / "outbox.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise DeliveryError(
                        f"another process has been sending the outbox in {state_dir} for "
                        f"over {wait:.0f} s; try again later") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# --- SMTP -----------------------------------------------------------------------------------


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
            _refuse(code, f"sender {sender} refused: {code} {_text(text)}")
        refused: dict[str, tuple[int, bytes]] = {}
        for rcpt in recipients:
            code, text = smtp.rcpt(rcpt)
            if code not in (250, 251):
                refused[rcpt] = (code, text)
        if len(refused) == len(recipients):
            smtp.rset()
            detail = "; ".join(f"{a}: {c} {_text(t)}" for a, (c, t) in refused.items())
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
            _refuse(code, f"message refused: {code} {_text(text)}")
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
                f"{_text(exc.smtp_error)} (check email.username and the password in "
                f"{email.password_env})")
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{where} answered {exc.smtp_code} {_text(exc.smtp_error)}"
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


def _text(value: bytes | str) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return " ".join(value.split())


# --- the commands ---------------------------------------------------------------------------


def send_briefing_dir(settings: Settings, store: Store, out_dir: Path) -> str:
    """Queue the email of a rendered briefing and try it once; return what happened."""
    message_id = queue_briefing(settings, store, out_dir)
    attempts = send_queued(settings, store, [message_id])
    return "Email: " + "; ".join(a.describe() for a in attempts)


def send_command(settings: Settings, *, date: str | None = None, retry: bool = False
                 ) -> tuple[str, bool]:
    """``briefing send [DATE] [--retry]``: (re)send a rendered briefing, or retry the outbox.
    Returns a printable report and whether everything asked for was delivered."""
    lines: list[str] = []
    ok = True
    with Store(settings.database_path) as store:
        try:
            if retry:
                text, ok = retry_outbox(settings, store)
                lines.append(text)
            if date is not None or not retry:
                out_dir = briefing_dir_for(store, date)
                message_id = queue_briefing(settings, store, out_dir)
                attempts = send_queued(settings, store, [message_id])
                lines += [f"Email of {out_dir}: {a.describe()}" for a in attempts]
                ok = ok and all(a.status == "sent" for a in attempts)
        except BriefingError as exc:
            lines.append(f"briefing: error: {exc}")
            ok = False
    return "\n".join(lines), ok


def retry_outbox(settings: Settings, store: Store) -> tuple[str, bool]:
    """Send every pending or failed message now, whatever its backoff; report the rest."""
    requeued = store.requeue_failed()
    if requeued:
        log.info("retrying %d message(s) the server had refused", requeued)
    attempts = send_queued(settings, store, due_only=False)
    lines = [a.describe() for a in attempts]
    for row in store.outbox(["unknown"]):
        lines.append(f"message {row['id']} ({row['briefing_dir']}) may already have been "
                     "delivered: a crash cut it off while the server was receiving it. Check "
                     "the inbox; `briefing send DATE` sends that briefing again.")
    if not lines:
        return "Outbox: nothing waiting.", True
    return "Outbox:\n" + "\n".join(f"  {line}" for line in lines), all(
        a.status == "sent" for a in attempts)


def briefing_dir_for(store: Store, date: str | None) -> Path:
    """The folder of the latest briefing of ``date`` (YYYY-MM-DD), or of the latest one."""
    if date is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        raise DeliveryError(f"DATE: expected YYYY-MM-DD, got {date!r}")
    rows = [r for r in store.briefings() if date is None or r["date"] == date]
    if not rows:
        what = f"for {date}" if date else "yet"
        raise DeliveryError(f"no briefing {what} in {store.path}; render one first")
    out_dir = Path(rows[-1]["out_dir"])
    if not out_dir.is_dir():
        raise DeliveryError(f"the briefing folder {out_dir} no longer exists")
    return out_dir


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    # Same shape as store.now_iso(), so the outbox's text timestamps compare correctly.
    return moment.astimezone(UTC).isoformat(timespec="seconds")
