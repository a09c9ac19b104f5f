"""The email outbox: one row per message (its exact bytes), one row per recipient (its state).

A recipient's status moves pending -> sending -> sent. A try the server answered with a
temporary refusal (4xx, or no connection at all) leaves it pending, due again at the
message's ``next_attempt_at``; a permanent refusal (5xx) makes it failed. A recipient still
'sending' after a crash, or whose connection broke after the message went out, is in doubt:
it becomes 'unknown', or 'pending' again while ``email.resend_unknown`` allows
(``_in_doubt``; see briefing/deliver/outbox.py).

Messages belong to the store's desk: a desk's daemons send its messages alone (through its
own SMTP settings), and its lists show only them.

The message's own ``status`` sums its recipients up, so that "what is due" and "what is in
doubt" stay one indexed query: sending if any recipient is being sent, else pending if any
waits, else unknown if any is in doubt, else failed if any was refused, else sent.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

from briefing.clock import now_iso
from briefing.store.base import Tables

# The note of a recipient in doubt that is sent again (``email.resend_unknown``).
RESENT = "sent again with the same Message-ID"

# The message's status is the first of these that any of its recipients has.
_STATUS_ORDER = ("sending", "pending", "unknown", "failed", "sent")


class OutboxTable(Tables):
    def enqueue_message(self, briefing_dir: Path, recipients: Iterable[str], subject: str,
                        message: bytes) -> int:
        now = now_iso()
        addresses = list(dict.fromkeys(recipients))
        with self.transaction() as db:
            message_id = self.insert_id(
                db, "INSERT INTO outbox (desk, briefing_dir, recipients, subject, message, "
                "status, next_attempt_at, created_at) VALUES (?,?,?,?,?,'pending',?,?)",
                (self.desk, str(briefing_dir), "\n".join(addresses), subject, message, now,
                 now))
            db.executemany("INSERT INTO outbox_recipients (message_id, address, status) "
                           "VALUES (?,?,'pending')", [(message_id, a) for a in addresses])
            return message_id

    def outbox_message(self, message_id: int) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM outbox WHERE id=?", (message_id,)).fetchone()

    def outbox(self) -> list[sqlite3.Row]:
        """Outbox rows (without the message bytes), oldest first."""
        return self.db.execute(
            "SELECT id, briefing_dir, recipients, subject, status, attempts, next_attempt_at, "
            "last_error, created_at, sent_at FROM outbox WHERE desk=? ORDER BY id",
            (self.desk,)).fetchall()

    def outbox_recipients(self, message_id: int | None = None,
                          statuses: Iterable[str] | None = None) -> list[sqlite3.Row]:
        """Recipient rows (of one message, or of all the desk's), in message and insertion
        order."""
        sql = ("SELECT outbox_recipients.* FROM outbox_recipients JOIN outbox ON "
               "outbox.id = message_id WHERE outbox.desk=?")
        args: list = [self.desk]
        if message_id is not None:
            sql += " AND message_id=?"
            args.append(message_id)
        if statuses is not None:
            wanted = list(statuses)
            sql += f" AND outbox_recipients.status IN ({','.join('?' * len(wanted))})"
            args += wanted
        return self.db.execute(sql + " ORDER BY message_id, outbox_recipients.rowid",
                               args).fetchall()

    def sent_to(self) -> dict[str, list[str]]:
        """Briefing folder -> the addresses the server accepted its email for, in order."""
        rows = self.db.execute(
            "SELECT o.briefing_dir, r.address FROM outbox_recipients r JOIN outbox o "
            "ON o.id = r.message_id WHERE r.status = 'sent' AND o.desk = ? "
            "ORDER BY r.sent_at, o.id", (self.desk,))
        found: dict[str, list[str]] = {}
        for folder, address in rows:
            if address not in found.setdefault(folder, []):
                found[folder].append(address)
        return found

    def due_messages(self, now: str | None = None) -> list[int]:
        """Ids of pending messages whose next attempt is due (all pending ones without now)."""
        if now is None:
            rows = self.db.execute("SELECT id FROM outbox WHERE desk=? AND status='pending' "
                                   "ORDER BY id", (self.desk,))
        else:
            rows = self.db.execute("SELECT id FROM outbox WHERE desk=? AND status='pending' "
                                   "AND next_attempt_at <= ? ORDER BY id", (self.desk, now))
        return [r[0] for r in rows]

    def start_attempt(self, message_id: int) -> list[str]:
        """Count an attempt on a pending message and its pending recipients; return those
        recipients (none if the message is not pending any more)."""
        with self.transaction() as db:
            cur = db.execute("UPDATE outbox SET attempts=attempts+1 "
                             "WHERE id=? AND status='pending'", (message_id,))
            if cur.rowcount != 1:
                return []
            db.execute("UPDATE outbox_recipients SET attempts=attempts+1 "
                       "WHERE message_id=? AND status='pending'", (message_id,))
            return [r[0] for r in db.execute(
                "SELECT address FROM outbox_recipients WHERE message_id=? AND "
                "status='pending' ORDER BY rowid", (message_id,))]

    def mark_sending(self, message_id: int, addresses: Iterable[str]) -> None:
        """pending -> sending for the recipients the server accepted: the message body is
        about to go to the server."""
        with self.transaction() as db:
            db.executemany("UPDATE outbox_recipients SET status='sending' WHERE message_id=? "
                           "AND address=?", [(message_id, a) for a in addresses])
            _refresh_status(db, message_id)

    def record_outcomes(self, message_id: int, outcomes: Mapping[str, tuple[str, str | None]],
                        next_attempt_at: str | None = None, resend_unknown: int = 0) -> str:
        """Record one try: address -> (pending | sent | failed | unknown, why). An unknown
        one is sent again (pending) while its doubts allow (``resend_unknown``, see
        ``_in_doubt``). The message is next due at ``next_attempt_at`` if a recipient still
        waits. Returns the message's status."""
        now = now_iso()
        with self.transaction() as db:
            outcomes = {address: _in_doubt(db, message_id, address, note, resend_unknown)
                        if status == "unknown" else (status, note)
                        for address, (status, note) in outcomes.items()}
            db.executemany(
                "UPDATE outbox_recipients SET status=?, last_error=?, sent_at=? "
                "WHERE message_id=? AND address=?",
                [(status, note, now if status == "sent" else None, message_id, address)
                 for address, (status, note) in outcomes.items()])
            notes = [f"{a}: {note}" for a, (s, note) in outcomes.items()
                     if note and s != "sent"]
            db.execute("UPDATE outbox SET last_error=?, next_attempt_at=coalesce(?, "
                       "next_attempt_at) WHERE id=?",
                       ("; ".join(notes) or None, next_attempt_at, message_id))
            return _refresh_status(db, message_id)

    def requeue_failed(self) -> int:
        """failed -> pending for every refused recipient, due now (an operator asked to
        retry); return how many messages that concerns."""
        with self.transaction() as db:
            ids = [r[0] for r in db.execute(
                "SELECT DISTINCT message_id FROM outbox_recipients JOIN outbox ON outbox.id="
                "message_id WHERE outbox_recipients.status='failed' AND desk=?", (self.desk,))]
            db.executemany("UPDATE outbox_recipients SET status='pending' WHERE "
                           "status='failed' AND message_id=?", [(i,) for i in ids])
            for message_id in ids:
                if _refresh_status(db, message_id) == "pending":
                    db.execute("UPDATE outbox SET next_attempt_at=? WHERE id=?",
                               (now_iso(), message_id))
            return len(ids)

    def messages_being_sent(self) -> list[int]:
        """Ids of messages with a recipient in 'sending' (under way, or cut off by a crash),
        except those a daemon on a shared database still holds a live claim on: that one
        is sending them right now."""
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT message_id FROM outbox_recipients JOIN outbox ON "
            "outbox.id=message_id WHERE outbox_recipients.status='sending' AND desk=? AND "
            "(claimed_by IS NULL OR lease_until<?) ORDER BY message_id",
            (self.desk, now_iso()))]

    def mark_interrupted_sends(self, ids: Iterable[int], resend_unknown: int = 0) -> list[int]:
        """sending -> unknown for the given messages, whose sends a crash cut short (the
        caller knows nobody is sending them), or -> pending, due now, while their doubts
        allow (``resend_unknown``); return the ids that had such recipients."""
        why = "interrupted while the server was receiving it; it may have been delivered"
        done = []
        with self.transaction() as db:
            for message_id in ids:
                cut = [r[0] for r in db.execute(
                    "SELECT address FROM outbox_recipients WHERE status='sending' AND "
                    "message_id=? ORDER BY rowid", (message_id,))]
                notes = []
                for address in cut:
                    status, note = _in_doubt(db, message_id, address, why, resend_unknown)
                    db.execute("UPDATE outbox_recipients SET status=?, last_error=? WHERE "
                               "message_id=? AND address=?", (status, note, message_id, address))
                    notes.append(note)
                if cut:
                    done.append(message_id)
                    _refresh_status(db, message_id)
                    db.execute("UPDATE outbox SET last_error=?, next_attempt_at=? WHERE id=?",
                               (notes[0], now_iso(), message_id))
            return done


def _in_doubt(db: sqlite3.Connection, message_id: int, address: str, why: str | None,
              resend_unknown: int) -> tuple[str, str]:
    """A recipient whose delivery is in doubt: count the doubt; it is sent again (pending,
    the same bytes and Message-ID) while it has been in doubt no more than
    ``resend_unknown`` times (``email.resend_unknown``), else it stays unknown."""
    db.execute("UPDATE outbox_recipients SET doubts=doubts+1 WHERE message_id=? AND "
               "address=?", (message_id, address))
    doubts = db.execute("SELECT doubts FROM outbox_recipients WHERE message_id=? AND "
                        "address=?", (message_id, address)).fetchone()[0]
    if doubts <= resend_unknown:
        return "pending", (f"{why}; {RESENT} (resend {doubts} of {resend_unknown}, "
                           "email.resend_unknown)")
    return "unknown", f"{why}, so it is not sent again automatically"


def _refresh_status(db: sqlite3.Connection, message_id: int) -> str:
    """Set the message's status (and sent_at, once all is sent) from its recipients'."""
    have = {r[0] for r in db.execute(
        "SELECT status FROM outbox_recipients WHERE message_id=?", (message_id,))}
    status = next((s for s in _STATUS_ORDER if s in have), "sent")
    db.execute("UPDATE outbox SET status=?, sent_at=CASE WHEN ?='sent' THEN "
               "coalesce(sent_at, ?) ELSE sent_at END WHERE id=?",
               (status, status, now_iso(), message_id))
    return status
