"""Runs (render, poll, send) and the small facts the daemon keeps between runs.

Runs are every desk's (a poll serves them all); the facts are the store's desk's (when its
last scheduled briefing was made)."""

from __future__ import annotations

from briefing.clock import now_iso
from briefing.store.base import Tables
from briefing.store.dialect import upsert


class DaemonTables(Tables):
    def start_run(self, kind: str) -> int:
        with self.transaction() as db:
            return self.insert_id(db, "INSERT INTO runs (kind, started_at, status) "
                                  "VALUES (?,?,?)", (kind, now_iso(), "running"))

    def finish_run(self, run_id: int, status: str, detail: str = "") -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET finished_at=?, status=?, detail=? WHERE id=?",
                       (now_iso(), status, detail, run_id))

    def close_unfinished_runs(self, status: str = "interrupted") -> int:
        """Mark runs a killed process left 'running'; return how many there were."""
        with self.transaction() as db:
            cur = db.execute("UPDATE runs SET finished_at=?, status=? WHERE status='running'",
                             (now_iso(), status))
            return cur.rowcount

    # --- daemon state -----------------------------------------------------------------------

    def get_state(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM daemon_state WHERE desk=? AND key=?",
                              (self.desk, key)).fetchone()
        return None if row is None else row[0]

    def set_state(self, key: str, value: str | None) -> None:
        """Set (or, with None, delete) one daemon fact of this desk."""
        with self.transaction() as db:
            if value is None:
                db.execute("DELETE FROM daemon_state WHERE desk=? AND key=?", (self.desk, key))
            else:
                db.execute(upsert("daemon_state", ("desk", "key", "value"), ("desk", "key")),
                           (self.desk, key, value))
