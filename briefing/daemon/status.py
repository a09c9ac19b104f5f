"""``briefing status``: the daemons and what they hold, as the database records it.

On a shared database (``database_url``): each daemon that sent a heartbeat, alive or not,
with the leases it holds; the sources due and those overdue (due for longer than a lease:
no daemon is taking them); the last briefing slots and who made them; the outbox by status.
On SQLite: the daemon named by ``state_dir/daemon.lock`` (one per state_dir), and the same
slots (none) and outbox. Then every desk the database knows (configs sharing it, see
``desk``): its briefings, its daemons alive and its outbox; the outbox line after that is
this config's desk's.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from briefing import clock
from briefing.config import Settings
from briefing.store import Store


def status_report(settings: Settings, store: Store) -> str:
    now = clock.now()
    stamp = clock.iso(now)
    lines = [f"database: {store.where}"]
    if store.shared:
        lines += _daemons(store, stamp)
        lines += _sources(store, stamp, clock.iso(now - timedelta(
            seconds=settings.schedule.lease_seconds)))
        lines += _slots(store)
    else:
        lines.append(_lock_holder(settings.state_dir / "daemon.lock"))
    lines += _desks(store, settings.desk, stamp)
    lines += _outbox(store)
    return "\n".join(lines)


def _daemons(store: Store, stamp: str) -> list[str]:
    rows = store.daemons()
    leases: dict[str, int] = {}
    for row in store.db.execute("SELECT leased_by, COUNT(*) FROM sources WHERE "
                                "lease_until>=? GROUP BY leased_by", (stamp,)):
        leases[row[0]] = row[1]
    alive = [r for r in rows if r["stopped_at"] is None and r["lease_until"] >= stamp]
    out = [f"daemons: {len(alive)} alive"]
    for row in rows[:20]:
        if row["stopped_at"] is not None:
            state = f"stopped {row['stopped_at']}"
        elif row["lease_until"] >= stamp:
            state = f"alive, last beat {row['beat_at']}"
        else:
            state = f"silent since {row['beat_at']} (taken for dead)"
        doing = f", {row['doing']}" if row["doing"] and row in alive else ""
        held = leases.get(row["id"], 0)
        desk = f"; desk {row['desk']}" if row["desk"] else ""
        out.append(f"  {row['id']}: {state}{doing}; {held} source lease(s){desk}")
    return out


def _desks(store: Store, mine: str, stamp: str) -> list[str]:
    """One line per desk: its briefings, daemons alive (shared database) and outbox."""
    db = store.db
    made = {r[0]: (r[1], r[2]) for r in db.execute(
        "SELECT desk, COUNT(*), MAX(created_at) FROM briefings GROUP BY desk")}
    alive = {r[0]: r[1] for r in db.execute(
        "SELECT desk, COUNT(*) FROM daemons WHERE desk IS NOT NULL AND stopped_at IS NULL "
        "AND lease_until>=? GROUP BY desk", (stamp,))}
    mail: dict[str, list[str]] = {}
    for desk, status, count in db.execute(
            "SELECT o.desk, r.status, COUNT(*) FROM outbox_recipients r JOIN outbox o ON "
            "o.id=r.message_id GROUP BY o.desk, r.status ORDER BY o.desk, r.status"):
        mail.setdefault(desk, []).append(f"{count} {status}")
    runs = {r[0] for r in db.execute("SELECT DISTINCT desk FROM briefing_runs")}
    desks = sorted({mine, *made, *alive, *mail, *runs})
    out = [f"desks: {len(desks)}"]
    for desk in desks:
        count, last = made.get(desk, (0, None))
        parts = [f"{count} briefing(s)" + (f", the last made {last}" if last else "")]
        if store.shared:
            parts.append(f"{alive.get(desk, 0)} daemon(s) alive")
        parts.append("outbox " + (", ".join(mail[desk]) if desk in mail else "empty"))
        out.append(f"  {desk}{' (this config)' if desk == mine else ''}: {'; '.join(parts)}")
    return out


def _sources(store: Store, stamp: str, late: str) -> list[str]:
    row = store.db.execute(
        "SELECT COUNT(*), SUM(CASE WHEN next_poll_at<=? AND (lease_until IS NULL OR "
        "lease_until<?) THEN 1 ELSE 0 END), SUM(CASE WHEN next_poll_at<? AND (lease_until IS "
        "NULL OR lease_until<?) THEN 1 ELSE 0 END), SUM(CASE WHEN lease_until>=? THEN 1 ELSE "
        "0 END) FROM sources WHERE next_poll_at IS NOT NULL",
        (stamp, stamp, late, stamp, stamp)).fetchone()
    total, due, overdue, leased = (int(v or 0) for v in row)
    return [f"sources: {total} shared, {leased} leased now, {due} due, {overdue} overdue"]


def _slots(store: Store) -> list[str]:
    runs = store.briefing_runs(5)
    if not runs:
        return ["briefings: no slot claimed yet"]
    out = ["briefings (latest slots):"]
    for run in runs:
        taken = f", taken over {run['takeovers']}x" if run["takeovers"] else ""
        out.append(f"  {run['slot']} [{run['desk']}]: {run['status']} by {run['owner']}"
                   f"{taken}")
    return out


def _outbox(store: Store) -> list[str]:
    counts: dict[str, int] = {}
    for row in store.outbox_recipients():
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    if not counts:
        return ["outbox: empty"]
    order = ("pending", "sending", "unknown", "failed", "sent")
    return ["outbox (recipients): " + ", ".join(f"{counts[s]} {s}" for s in order
                                                 if s in counts)]


def _lock_holder(lock: Path) -> str:
    try:
        text = lock.read_text(encoding="ascii", errors="replace").split()
    except OSError:
        text = []
    pid = int(text[0]) if text and text[0].isdigit() else None
    if pid is None:
        return f"daemon: none running ({lock} is free)"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return f"daemon: none running (pid {pid} in {lock.name} is gone)"
    except PermissionError:
        pass  # it exists, under another user
    return f"daemon: pid {pid} (holds {lock})"
