"""One daemon's part among several on one PostgreSQL database (``database_url``).

All daemons are equal: each one's scheduler fires every job, and the rows of
``briefing.store.coordination`` decide who does what.

- **Heartbeat.** A thread with its own connection says the daemon is alive every quarter of
  ``schedule.lease_seconds`` and renews every lease it holds, so a long poll or a slow
  compose keeps its claims, and a daemon killed with ``kill -9`` loses them one lease later.
- **Polling.** The feeds and pages are split by claims: a daemon leases a batch of the
  sources that are due (at most ``fetch.per_host`` per web host across all daemons), polls
  them, and makes each due again at the poll schedule's next firing, so every source is
  fetched once per interval by one daemon. Folders are read by every daemon that has them
  (they are on its machine); an article is stored once whoever reads it (by content hash).
  The new articles are analysed where they were polled; the vectors go to the shared cache.
- **Desks.** Daemons of several configs (``desk``) may share the database: the sources they
  list are polled once between them, articles and vectors are shared, and each desk's
  daemons make that desk's briefings and send its email, from what its own briefings have
  not covered yet.
- **The briefing.** At the slot, one daemon of the desk claims the (desk, slot) row and
  composes; the others skip it. Recording the briefing, ending the claim and queueing its
  email are one transaction, fenced by the claim (``Pipeline.on_record``). A claim whose
  lease expired (its daemon died mid-compose) is taken over by the next daemon of the desk
  whose outbox job looks (``expired_slots``), so the slot still yields exactly one briefing.
- **The email.** One outbox message per recipient, queued with the briefing; each is
  claimed with a lease before it is sent (``send_queued(claimant=…)``), and its
  Message-ID is derived from the desk, the slot and the recipient.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from briefing import clock
from briefing.config import Settings, Source
from briefing.pipeline import CollectResult, Pipeline
from briefing.store import Store

log = logging.getLogger("briefing.daemon")

CLAIM_BATCH = 50  # sources leased per claim: few round trips, little held by one daemon


def daemon_id() -> str:
    """host:pid:random, new at every start (a pid alone repeats across machines)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def source_host(source: Source) -> str:
    return (urlsplit(source.target).hostname or "") if source.kind != "path" else ""


class Coordinator:
    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store
        self.me = daemon_id()
        self.lease = settings.schedule.lease_seconds
        self.doing: str | None = None
        self._stop = threading.Event()
        self._beating: threading.Thread | None = None
        self.message_ids: list[int] = []  # the emails queued with the last briefing
        shared = [s for s in settings.sources if s.kind != "path"]
        self.shared = {s.label: s for s in shared}
        self.local = [s for s in settings.sources if s.kind == "path"]

    # --- heartbeat ----------------------------------------------------------------------------

    def start(self) -> None:
        self.store.beat(self.me, socket.gethostname(), os.getpid(), self.lease, "starting")
        self.store.register_sources((s.label, source_host(s)) for s in self.shared.values())
        self._beating = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
        self._beating.start()
        log.info("on a shared database as %s (leases of %d s)", self.me, self.lease)

    def _beat(self) -> None:
        every = max(self.lease / 4, 0.5)
        # Its own connection: the worker's may be in the middle of a transaction.
        with Store(self.settings.database, self.settings.desk) as store:
            while not self._stop.wait(every):
                try:
                    store.beat(self.me, socket.gethostname(), os.getpid(), self.lease,
                               self.doing)
                except Exception as exc:  # noqa: BLE001 - the next beat tries again
                    log.warning("heartbeat: %s", exc)

    def stop(self) -> None:
        self._stop.set()
        if self._beating is not None:
            self._beating.join(timeout=10)
        self.store.daemon_stopped(self.me)

    # --- polling ------------------------------------------------------------------------------

    def poll(self, pipeline: Pipeline, next_poll: Callable[[datetime], datetime],
             prepare: Callable[[list], None] | None = None,
             go_on: Callable[[], bool] | None = None) -> CollectResult:
        """Poll this machine's folders and the shared sources this daemon can claim, batch
        by batch, until none is due, or until ``go_on()`` says to give way (the daemon is
        stopping, or its briefing is due: the sources not reached stay due, for the next
        poll or another daemon). A polled source is next due at the poll schedule's
        first firing after it was polled (``next_poll(now)``), so however late a batch
        runs, no source is fetched twice between two firings. ``prepare`` is given each
        batch's new articles once its leases are given back (to embed them: meanwhile the
        other daemons claim and poll the rest)."""
        with pipeline.poll_pass():  # the cleaned documents' digests read once, not per batch
            return self._poll(pipeline, next_poll, prepare, go_on)

    def _poll(self, pipeline: Pipeline, next_poll: Callable[[datetime], datetime],
              prepare: Callable[[list], None] | None,
              go_on: Callable[[], bool] | None) -> CollectResult:
        result = pipeline.collect(self.local) if self.local else CollectResult()
        if prepare is not None:
            prepare(result.new + result.updated)
        keys = list(self.shared)
        while keys and (go_on is None or go_on()):
            batch = self.store.claim_sources(self.me, keys, lease_seconds=self.lease,
                                             per_host=self.settings.fetch.per_host,
                                             limit=CLAIM_BATCH)
            if not batch:
                break
            polled = CollectResult()
            try:
                polled = pipeline.collect([self.shared[k] for k in batch])
            finally:
                due_again = clock.iso(next_poll(clock.now()))
                for key in batch:
                    self.store.release_source(self.me, key, due_again)
            _merge(result, polled)
            if prepare is not None:
                prepare(polled.new + polled.updated)
        return result

    # --- the briefing slot ------------------------------------------------------------------

    def claim(self, slot: datetime) -> str | None:
        return self.store.claim_slot(self.settings.desk, clock.iso(slot), self.me, self.lease)

    def expired_slots(self) -> list[datetime]:
        """Slots of this desk that another daemon claimed and stopped renewing (it died
        mid-compose). Another desk's are its own daemons' to take over: they compose with
        its config."""
        now = clock.now_iso()
        return [datetime.fromisoformat(row["slot"])
                for row in self.store.briefing_runs(desk=self.settings.desk)
                if row["status"] == "composing" and row["lease_until"] < now]

    def fence(self, slot: datetime):
        """``Pipeline.on_record`` for the slot: end the claim (or roll the recording back if
        it was lost) and queue the email, in the briefing's transaction."""
        slot_text = clock.iso(slot)
        self.message_ids = []

        def on_record(db: Any, briefing_id: int, files: Path, folder: Path) -> None:
            self.store.finish_slot(db, self.settings.desk, slot_text, self.me, "done",
                                   briefing_id)
            if self.settings.email.enabled:
                self.message_ids = self._queue_email(slot, files, folder)

        return on_record

    def _queue_email(self, slot: datetime, files: Path, folder: Path) -> list[int]:
        """One outbox message per recipient, each with its own fixed Message-ID: a message
        is claimed and sent as a unit, so one recipient's slow or refusing server never
        holds up or repeats another's, and a resend carries the same Message-ID."""
        from briefing.deliver.message import build_message, envelope_recipients

        stamp = slot.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        ids: list[int] = []
        seen: set[str] = set()
        for entry in self.settings.email.to:
            address = envelope_recipients((entry,))
            if not address or address[0].lower() in seen:
                continue
            seen.add(address[0].lower())
            tag = hashlib.sha256(address[0].lower().encode()).hexdigest()[:12]
            built = build_message(self.settings, files, to=(entry,),
                                  message_id=f"briefing.{self.settings.desk}.{stamp}.{tag}")
            ids.append(self.store.enqueue_message(folder, built.recipients, built.subject,
                                                  built.data))
        return ids

    def end(self, slot: datetime, status: str) -> None:
        self.store.end_slot(self.settings.desk, clock.iso(slot), self.me, status)


def _merge(into: CollectResult, more: CollectResult) -> None:
    into.new += more.new
    into.updated += more.updated
    into.known += more.known
    into.problems += more.problems
    into.repeated += more.repeated
