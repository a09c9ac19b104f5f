"""The outbox: messages recorded before they are sent, retried with backoff, never sent twice.

Each message is stored whole (its exact bytes, Message-ID included) before the first try, and
each of its recipients has a state of its own, because an SMTP server answers for every
address separately: it may take the message for one, defer another (4xx) and refuse a third
(5xx) in the same conversation. A try goes to the recipients still ``pending`` and nobody else;
every retry sends the same bytes.

Per recipient, a try ends as:

- ``sent``: the server accepted the address (RCPT 250/251) and then the message (250 to the
  final dot). Nothing else is ever marked sent.
- ``pending``: no connection, a timeout, or a 4xx at any stage, before the message body went
  out. The message is due again after ``email.retry_seconds``, doubling up to an hour
  (``retry_delay``); the daemon and ``briefing send --retry`` pick it up.
- ``failed``: a 5xx at any stage: the greeting, STARTTLS, the login or the sender (then for
  every recipient), this address (RCPT), the DATA command or the message itself (then for the
  accepted ones). Retrying will not help until someone fixes the cause, so it is not retried
  automatically; ``briefing send --retry`` puts failed recipients back to pending first.
- ``unknown``: the connection broke after the message body was sent: see below.

Exactly once. One process at a time sends a given message (a lock file of its own,
``state_dir/sending-<id>.lock``), so a recipient is never tried by two processes. No lock
shared with other work is held while talking to the server, which the deadline of
``email.timeout_seconds`` bounds as a whole (``bounded``): a slow server delays its message,
not the daemon's polls or a render. Its row stays ``pending`` while connecting, logging in and
naming the recipients: if the process dies there, the server has not accepted anything (a
transaction without the end of DATA is discarded) and a retry is safe. After the server's 354
and just before the body goes out, the accepted recipients become ``sending``, and ``sent``
once the server answered 250. A crash between those two marks, or a connection that breaks
before the answer comes, is the one case we cannot decide: the server may have accepted the
message. We choose never to risk a duplicate: such a recipient becomes ``unknown`` (at once,
or the next time anyone sends, for a crash), is reported by the daemon's log and by
``briefing send --retry``, and gets the briefing again only when a person asks (``briefing
send DATE``). The window is the time the server takes to answer the final dot, so this is
rare; the other recipients of the same message are not held up by it.

``email.resend_unknown`` (0 unless set) trades that for at-least-once: a recipient in doubt
is sent the same bytes again, with the same Message-ID, after ``retry_seconds``, until it
has been in doubt that many times; then it stays ``unknown`` as above. Mail systems and
readers that recognise a repeated Message-ID then show one copy; others may show two.

The message row's status sums its recipients up (see ``briefing.store.outbox``): sent only
when every recipient is.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from briefing import clock
from briefing.config import Settings
from briefing.deliver.message import build_message
from briefing.deliver.smtp import Outcome, PermanentRefusal, describe_error, smtp_send
from briefing.errors import DeliveryError
from briefing.locks import file_lock
from briefing.store import Store
from briefing.store.outbox import RESENT

log = logging.getLogger("briefing.deliver")


MAX_RETRY_DELAY = 3600  # seconds; the doubling delay stops growing here


LOCK_WAIT_SECONDS = 300  # how long a sender waits for another one to finish


@dataclass(frozen=True)
class Attempt:
    """What happened to one outbox message on one try, for each recipient it was tried for.

    ``status`` is the message's status afterwards (sent only when every recipient has it);
    ``outcomes`` maps each recipient tried to (sent | pending | failed | unknown, why)."""

    message_id: int
    status: str  # sent | pending | failed | unknown | skipped
    detail: str = ""
    briefing_dir: str = ""
    next_attempt_at: str | None = None
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    def describe(self) -> str:
        if not self.outcomes:
            return f"message {self.message_id} skipped: {self.detail}"
        parts = []
        for status, addresses, why in _groups(self.outcomes):
            names = ", ".join(addresses)
            # Name the addresses only when the outcome is not the same for everyone tried.
            some = len(addresses) < len(self.outcomes)
            if status == "sent":
                parts.append(f"sent (to {names})")
            elif status == "pending":
                # A recipient in doubt, sent again (email.resend_unknown), may have it.
                said = "in doubt" if why and RESENT in why else "not sent"
                parts.append(f"{said}{f' to {names}' if some else ''}: {why}; it waits in "
                             f"the outbox, next try at {self.next_attempt_at}")
            elif status == "failed":
                parts.append(f"refused by the server{f' for {names}' if some else ''}: {why}; "
                             "kept in the outbox (`briefing send --retry` tries again)")
            else:
                parts.append(f"in doubt{f' to {names}' if some else ''}: {why}")
        return f"message {self.message_id} " + "; ".join(parts)


def _groups(outcomes: dict[str, Outcome]) -> list[tuple[str, list[str], str | None]]:
    """Recipients with the same outcome and reason together, sent first, else as tried."""
    order = {"sent": 0, "pending": 1, "failed": 2, "unknown": 3}
    grouped: dict[tuple[str, str | None], list[str]] = {}
    for address, (status, why) in outcomes.items():
        grouped.setdefault((status, why), []).append(address)
    return sorted(((s, a, w) for (s, w), a in grouped.items()), key=lambda g: order[g[0]])


def queue_briefing(settings: Settings, store: Store, out_dir: Path) -> int:
    """Build the briefing email and record it in the outbox; return the message id."""
    built = build_message(settings, out_dir)
    return store.enqueue_message(out_dir, built.recipients, built.subject, built.data)


def send_queued(settings: Settings, store: Store, ids: list[int] | None = None, *,
                due_only: bool = True, claimant: str | None = None) -> list[Attempt]:
    """Try to send outbox messages: the given ids, or every pending one (only those due, with
    ``due_only``).

    The outbox lock is held only to look at the outbox, never while talking to the server:
    each message is sent under a lock of its own (``message_lock``), so a slow server holds
    up that message alone, and another process skips it instead of waiting. A daemon on a
    shared database (``claimant``: its id) also claims each message with a lease, so
    daemons on other machines never send the same one."""
    if claimant is not None:
        return _send_claimed(settings, store, ids, due_only, claimant)
    with outbox_lock(settings.state_dir):
        _mark_interrupted(settings.state_dir, store, settings.email.resend_unknown)
        if ids is None:
            ids = store.due_messages(clock.now_iso() if due_only else None)
    return [attempt_send(settings, store, message_id) for message_id in ids]


def _mark_interrupted(state_dir: Path, store: Store, resend_unknown: int) -> None:
    """'sending' recipients of a message nobody is sending (its lock is free) were cut off
    by a crash: they become unknown."""
    cut_off = []
    for message_id in store.messages_being_sent():
        with contextlib.suppress(DeliveryError), message_lock(state_dir, message_id):
            cut_off.append(message_id)
    for message_id in store.mark_interrupted_sends(cut_off, resend_unknown):
        again = store.outbox_message(message_id)["status"] == "pending"
        log.warning("message %d was cut off while the server was receiving it; it may "
                    "have been delivered, %s", message_id,
                    "so it is sent again with the same Message-ID (email.resend_unknown)"
                    if again else "so it is not sent again automatically")


def _send_claimed(settings: Settings, store: Store, ids: list[int] | None, due_only: bool,
                  claimant: str) -> list[Attempt]:
    _mark_interrupted(settings.state_dir, store, settings.email.resend_unknown)
    if ids is None:
        ids = store.due_messages(clock.now_iso() if due_only else None)
    attempts = []
    for message_id in ids:
        if not store.claim_message(message_id, claimant, settings.schedule.lease_seconds):
            continue  # another daemon is sending it
        try:
            attempt = attempt_send(settings, store, message_id)
            if attempt.status != "skipped":  # else sent meanwhile by the daemon that had it
                attempts.append(attempt)
        finally:
            store.release_message(message_id, claimant)
    return attempts


def attempt_send(settings: Settings, store: Store, message_id: int) -> Attempt:
    """One try at one message, for its recipients still pending, under its own lock."""
    try:
        with message_lock(settings.state_dir, message_id):
            return _attempt(settings, store, message_id)
    except DeliveryError as exc:  # only message_lock raises it here
        return Attempt(message_id, "skipped", str(exc))


def _attempt(settings: Settings, store: Store, message_id: int) -> Attempt:
    recipients = store.start_attempt(message_id)
    row = store.outbox_message(message_id)
    if not recipients:
        status = row["status"] if row else "missing"
        return Attempt(message_id, "skipped", f"it is {status}, not pending")
    where = row["briefing_dir"]
    try:
        outcomes = smtp_send(settings.email, row["message"], recipients,
                             before_data=lambda accepted: store.mark_sending(message_id,
                                                                             accepted))
    except PermanentRefusal as exc:
        outcomes = dict.fromkeys(recipients, ("failed", str(exc)))
    except (OSError, smtplib.SMTPException, DeliveryError) as exc:
        outcomes = dict.fromkeys(recipients, ("pending", describe_error(exc, settings.email)))
    next_at = None
    if any(status in ("pending", "unknown") for status, _ in outcomes.values()):
        delay = retry_delay(settings.email.retry_seconds, row["attempts"])
        next_at = clock.iso(clock.now() + timedelta(seconds=delay))
    status = store.record_outcomes(message_id, outcomes, next_at,
                                   settings.email.resend_unknown)
    # As recorded: a recipient in doubt may be pending again (email.resend_unknown).
    recorded = {r["address"]: (r["status"], r["last_error"])
                for r in store.outbox_recipients(message_id)}
    ordered = {r: recorded[r] for r in recipients if r in outcomes}
    return Attempt(message_id, status, "", where, next_at, ordered)


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


def message_lock(state_dir: Path, message_id: int) -> AbstractContextManager[None]:
    """Hold ``state_dir/sending-<id>.lock`` while message ``id`` is being sent; another
    process finds it held and leaves the message alone (no wait: the holder is talking to
    the server, for up to email.timeout_seconds). The kernel frees it if the holder dies,
    which is how a crashed send is told from one under way."""

    def busy(holder: str) -> DeliveryError:
        return DeliveryError(f"another process{f' (pid {holder})' if holder else ''} is "
                             "sending it right now")

    return file_lock(state_dir / f"sending-{message_id}.lock", 0, busy)
