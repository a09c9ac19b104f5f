"""The email outbox table.

Status moves pending -> sending -> sent; a send that fails goes back to pending (with a later
next_attempt_at) or, when the server refused the message itself, to failed. A row still
'sending' after a crash is moved to 'unknown' (see briefing/deliver/outbox.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from briefing.clock import now_iso
from briefing.store.base import Tables


class OutboxTable(Tables):
    def enqueue_message(self, briefing_dir: Path, recipients: Iterable[str], subject: str,
                        message: bytes) -> int:
        now = now_iso()
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO outbox (briefing_dir, recipients, subject, message, status, "
                "next_attempt_at, created_at) VALUES (?,?,?,?,'pending',?,?)",
                (str(briefing_dir), "\n".join(recipients), subject, message, now, now))
            return int(cur.lastrowid)

    def outbox_message(self, message_id: int) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM outbox WHERE id=?", (message_id,)).fetchone()

    def outbox(self, statuses: Iterable[str] | None = None) -> list[sqlite3.Row]:
        """Outbox rows (without the message bytes), oldest first."""
        sql = ("SELECT id, briefing_dir, recipients, subject, status, attempts, "
               "next_attempt_at, last_error, created_at, sent_at FROM outbox")
        args: list = []
        if statuses is not None:
            args = list(statuses)
            sql += f" WHERE status IN ({','.join('?' * len(args))})"
        return self.db.execute(sql + " ORDER BY id", args).fetchall()

    def due_messages(self, now: str | None = None) -> list[int]:
        """Ids of pending messages whose next attempt is due (all pending ones without now)."""
        if now is None:
            rows = self.db.execute("SELECT id FROM outbox WHERE status='pending' ORDER BY id")
        else:
            rows = self.db.execute("SELECT id FROM outbox WHERE status='pending' AND "
                                   "next_attempt_at <= ? ORDER BY id", (now,))
        return [r[0] for r in rows]

    def start_attempt(self, message_id: int) -> bool:
        """Count an attempt on a pending message; False if it is not pending (any more)."""
        with self.transaction() as db:
            cur = db.execute("UPDATE outbox SET attempts=attempts+1 "
                             "WHERE id=? AND status='pending'", (message_id,))
            return cur.rowcount == 1

    def mark_sending(self, message_id: int) -> None:
        """pending -> sending: the message body is about to go to the server."""
        with self.transaction() as db:
            db.execute("UPDATE outbox SET status='sending' WHERE id=?", (message_id,))

    def release_message(self, message_id: int, error: str, next_attempt_at: str) -> None:
        """back to pending: the server did not take the message; try again later."""
        with self.transaction() as db:
            db.execute("UPDATE outbox SET status='pending', last_error=?, next_attempt_at=? "
                       "WHERE id=?", (error, next_attempt_at, message_id))

    def finish_message(self, message_id: int, status: str, note: str | None = None) -> None:
        """-> sent | failed."""
        with self.transaction() as db:
            db.execute("UPDATE outbox SET status=?, last_error=?, sent_at=? WHERE id=?",
                       (status, note, now_iso() if status == "sent" else None, message_id))

    def requeue_failed(self) -> int:
        """failed -> pending, due now (an operator asked to retry)."""
        with self.transaction() as db:
            return db.execute("UPDATE outbox SET status='pending', next_attempt_at=? "
                              "WHERE status='failed'", (now_iso(),)).rowcount

    def mark_interrupted_sends(self) -> list[int]:
        """sending -> unknown for sends a crash cut short; return their ids."""
        with self.transaction() as db:
            ids = [r[0] for r in db.execute("SELECT id FROM outbox WHERE status='sending'")]
            db.execute("UPDATE outbox SET status='unknown', last_error=? WHERE status='sending'",
                       ("interrupted while the server was receiving it; it may have been "
                        "delivered, so it is not sent again automatically",))
            return ids
