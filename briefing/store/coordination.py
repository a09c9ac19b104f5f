"""What several daemons on one database agree through: who is alive, who polls which source,
who makes which briefing, who sends which message. Each is one row and one conditional
``UPDATE``: no leader, no broker.

- ``daemons``: one row per running daemon, its heartbeat renewed every few seconds
  (``beat``); a daemon whose heartbeat is older than its lease is taken for dead.
- poll leases, on ``sources``: a source is due at ``next_poll_at``; a daemon claims a batch
  of due ones (``claim_sources``: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two claimers
  never wait on or take the same rows), at most ``per_host`` leased at a time per web host,
  polls them, then sets when each is next due (``release_source``, only while it still
  holds the lease). A daemon that dies keeps its leases until they expire; then another
  takes the sources. Storing an entry twice is harmless anyway (unique keys).
- ``briefing_runs``: one row per (desk, slot). Every daemon's scheduler fires; the one whose
  ``INSERT`` makes the row composes (``claim_slot``). While it composes its heartbeat renews
  the lease; a run whose lease expired (its daemon died mid-compose) is taken over by the
  next daemon to try. Recording the briefing is fenced by the owner (``finish_slot``), so a
  daemon that lost its claim while it was stalled records nothing.
- the outbox: a message is claimed with a lease before it is sent (``claim_message``), so
  two daemons never try the same recipients at once.

Time is UTC ISO text from ``briefing.clock`` (the lease arithmetic happens in Python), so
both engines compare it the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from briefing import clock
from briefing.errors import BriefingError
from briefing.store.base import Tables


class LostClaim(BriefingError):
    """This daemon's claim on a slot expired and another daemon took it over."""


class CoordinationTables(Tables):
    # --- daemons ----------------------------------------------------------------------------

    def beat(self, daemon: str, host: str, pid: int, lease_seconds: float,
             doing: str | None = None) -> None:
        """Say that ``daemon`` (of this store's desk) is alive (first call: register it), and
        renew every lease it holds (sources it polls, the slot it composes, the message it
        sends)."""
        now = clock.now()
        until = clock.iso(now + timedelta(seconds=lease_seconds))
        stamp = clock.iso(now)
        with self.transaction() as db:
            db.execute(
                "INSERT INTO daemons (id, host, pid, started_at, beat_at, lease_until, doing, "
                "desk) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET beat_at="
                "excluded.beat_at, lease_until=excluded.lease_until, doing=excluded.doing",
                (daemon, host, pid, stamp, stamp, until, doing, self.desk))
            db.execute("UPDATE sources SET lease_until=? WHERE leased_by=? AND lease_until>=?",
                       (until, daemon, stamp))
            db.execute("UPDATE briefing_runs SET lease_until=? WHERE owner=? AND "
                       "status='composing' AND lease_until>=?", (until, daemon, stamp))
            db.execute("UPDATE outbox SET lease_until=? WHERE claimed_by=? AND lease_until>=?",
                       (until, daemon, stamp))

    def daemon_stopped(self, daemon: str) -> None:
        """A daemon that stops cleanly gives its leases back at once."""
        stamp = clock.now_iso()
        with self.transaction() as db:
            db.execute("UPDATE daemons SET stopped_at=?, lease_until=?, doing=NULL "
                       "WHERE id=?", (stamp, stamp, daemon))
            db.execute("UPDATE sources SET lease_until=NULL, leased_by=NULL WHERE leased_by=?",
                       (daemon,))
            db.execute("UPDATE outbox SET lease_until=NULL, claimed_by=NULL "
                       "WHERE claimed_by=?", (daemon,))
            db.execute("UPDATE briefing_runs SET lease_until=? WHERE owner=? AND "
                       "status='composing'", (stamp, daemon))

    def daemons(self) -> list:
        """Every daemon that ever registered, the most recent heartbeat first."""
        return self.db.execute("SELECT * FROM daemons ORDER BY beat_at DESC, id").fetchall()

    # --- poll leases ------------------------------------------------------------------------

    def register_sources(self, sources: Iterable[tuple[str, str]]) -> None:
        """Make sure each (key, host) has a row; a new one is due at once."""
        now = clock.now_iso()
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO sources (key, host, next_poll_at) VALUES (?,?,?) ON CONFLICT "
                "(key) DO UPDATE SET host=excluded.host, next_poll_at=coalesce("
                "sources.next_poll_at, excluded.next_poll_at)",
                [(key, host, now) for key, host in sources])

    def claim_sources(self, daemon: str, keys: Sequence[str], *, lease_seconds: float,
                      per_host: int, limit: int = 50) -> list[str]:
        """Lease up to ``limit`` of ``keys`` that are due and not leased (or whose lease
        expired) to ``daemon``, the earliest due first, at most ``per_host`` leased at once
        per host (counting other daemons' live leases); return the keys leased."""
        if not keys:
            return []
        now = clock.now()
        stamp, until = clock.iso(now), clock.iso(now + timedelta(seconds=lease_seconds))
        wanted = set(keys)
        with self.transaction() as db:
            # Claims queue one after another (a few milliseconds each), so the per-host count
            # below is exact; SKIP LOCKED still keeps a claimer off rows being released.
            self.dialect.serialize_claims(db)
            busy: dict[str, int] = {}
            for row in db.execute("SELECT host, COUNT(*) FROM sources WHERE lease_until>=? "
                                  "GROUP BY host", (stamp,)):
                busy[row[0] or ""] = row[1]
            due = db.execute(
                "SELECT key, host FROM sources WHERE next_poll_at<=? AND (lease_until IS NULL "
                "OR lease_until<?) ORDER BY next_poll_at, key" + self.dialect.skip_locked,
                (stamp, stamp)).fetchall()
            chosen: list[str] = []
            for key, host in due:
                if key not in wanted:
                    continue
                host = host or ""
                if host and busy.get(host, 0) >= per_host:
                    continue
                busy[host] = busy.get(host, 0) + 1
                chosen.append(key)
                if len(chosen) >= limit:
                    break
            db.executemany("UPDATE sources SET lease_until=?, leased_by=? WHERE key=?",
                           [(until, daemon, key) for key in chosen])
        return chosen

    def release_source(self, daemon: str, key: str, next_poll_at: str) -> bool:
        """Polled: due again at ``next_poll_at``, lease given back. False if ``daemon`` no
        longer held the lease (it expired and another daemon has the source now)."""
        with self.transaction() as db:
            cur = db.execute("UPDATE sources SET next_poll_at=?, lease_until=NULL, "
                             "leased_by=NULL, polls=polls+1 WHERE key=? AND leased_by=?",
                             (next_poll_at, key, daemon))
            return cur.rowcount == 1

    # --- the briefing slot ------------------------------------------------------------------

    def claim_slot(self, desk: str, slot: str, daemon: str, lease_seconds: float) -> str | None:
        """Claim the (desk, slot) briefing: 'won' (first), 'taken over' (its owner's lease
        expired while composing), or None (another daemon has it, or it is done)."""
        now = clock.now()
        stamp, until = clock.iso(now), clock.iso(now + timedelta(seconds=lease_seconds))
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO briefing_runs (desk, slot, owner, status, lease_until, started_at) "
                "VALUES (?,?,?,'composing',?,?) ON CONFLICT (desk, slot) DO NOTHING",
                (desk, slot, daemon, until, stamp))
            if cur.rowcount == 1:
                return "won"
            cur = db.execute(
                "UPDATE briefing_runs SET owner=?, lease_until=?, takeovers=takeovers+1 "
                "WHERE desk=? AND slot=? AND status='composing' AND lease_until<?",
                (daemon, until, desk, slot, stamp))
            return "taken over" if cur.rowcount == 1 else None

    def finish_slot(self, db, desk: str, slot: str, daemon: str, status: str,
                    briefing_id: int | None = None) -> None:
        """Inside the transaction ``db`` (the one that records the briefing): mark the run
        finished, or raise LostClaim (rolling all of it back) if ``daemon`` no longer owns
        it."""
        cur = db.execute("UPDATE briefing_runs SET status=?, briefing_id=?, finished_at=? "
                         "WHERE desk=? AND slot=? AND owner=? AND status='composing'",
                         (status, briefing_id, clock.now_iso(), desk, slot, daemon))
        if cur.rowcount != 1:
            raise LostClaim(f"the briefing of {slot} ({desk}) was taken over by another "
                            "daemon while this one composed it; nothing recorded")

    def end_slot(self, desk: str, slot: str, daemon: str, status: str) -> None:
        """Mark a run that recorded no briefing (nothing new, or it failed)."""
        try:
            with self.transaction() as db:
                self.finish_slot(db, desk, slot, daemon, status)
        except LostClaim:
            pass  # the daemon that took it over says how it ended

    def briefing_runs(self, limit: int = 20, desk: str | None = None) -> list:
        """The latest slots' runs, of every desk or of ``desk``."""
        where, args = ("WHERE desk=? ", (desk,)) if desk is not None else ("", ())
        return self.db.execute(f"SELECT * FROM briefing_runs {where}ORDER BY slot DESC, desk "
                               "LIMIT ?", (*args, limit)).fetchall()

    # --- the outbox -------------------------------------------------------------------------

    def claim_message(self, message_id: int, daemon: str, lease_seconds: float) -> bool:
        """Lease a pending message to ``daemon`` for sending; False if another daemon holds
        a live lease on it."""
        now = clock.now()
        stamp, until = clock.iso(now), clock.iso(now + timedelta(seconds=lease_seconds))
        with self.transaction() as db:
            row = db.execute("SELECT id FROM outbox WHERE id=? AND (claimed_by IS NULL OR "
                             "claimed_by=? OR lease_until<?)" + self.dialect.skip_locked,
                             (message_id, daemon, stamp)).fetchone()
            if row is None:
                return False
            db.execute("UPDATE outbox SET claimed_by=?, lease_until=? WHERE id=?",
                       (daemon, until, message_id))
            return True

    def release_message(self, message_id: int, daemon: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE outbox SET claimed_by=NULL, lease_until=NULL WHERE id=? AND "
                       "claimed_by=?", (message_id, daemon))
