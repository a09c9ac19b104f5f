"""The outbox: messages recorded before they are sent, retried with backoff, never sent twice."""

from __future__ import annotations

import logging
import smtplib
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from briefing import clock
from briefing.config import Settings
from briefing.deliver.message import build_message
from briefing.deliver.smtp import (
    PermanentRefusal,
    UncertainDelivery,
    describe_error,
    reply_text,
    smtp_send,
)
from briefing.errors import DeliveryError
from briefing.locks import file_lock
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
            ids = store.due_messages(clock.now_iso() if due_only else None)
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
        next_at = clock.iso(clock.now() + timedelta(seconds=delay))
        store.release_message(message_id, reason, next_at)
        return Attempt(message_id, "pending", reason, where, next_at)
    note = None
    if refused:
        note = "refused recipients: " + "; ".join(
            f"{addr} ({code} {reply_text(text)})" for addr, (code, text) in refused.items())
    store.finish_message(message_id, "sent", note)
    accepted = [r for r in recipients if r not in refused]
    detail = f"to {', '.join(accepted)}" + (f"; {note}" if note else "")
    return Attempt(message_id, "sent", detail, where)


def retry_delay(first: int, attempts: int) -> int:
    """Seconds before the next try after ``attempts`` failed ones: first, 2×, 4× … ≤ 1 h."""
    return int(min(first * 2 ** max(attempts - 1, 0), max(MAX_RETRY_DELAY, first)))


def outbox_lock(state_dir: Path,
                wait: float = LOCK_WAIT_SECONDS) -> AbstractContextManager[None]:
    """Hold ``state_dir/outbox.lock`` so that only one process sends at a time; wait up to
    ``wait`` seconds for another sender to finish."""

    def busy(holder: str) -> DeliveryError:
        return DeliveryError(
            f"another process{f' (pid {holder})' if holder else ''} has been sending the "
            f"outbox in {state_dir} for over {wait:.0f} s; try again later")

    return file_lock(state_dir / "outbox.lock", wait, busy)
