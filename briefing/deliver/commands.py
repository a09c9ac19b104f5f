"""`briefing send`: send a rendered briefing again, or retry what waits in the outbox."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from briefing.config import Settings
from briefing.deliver.outbox import queue_briefing, send_queued
from briefing.errors import BriefingError, DeliveryError
from briefing.store import Store

log = logging.getLogger("briefing.deliver")


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
    with Store(settings.database) as store:
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
    doubtful = in_doubt(store)
    # Only the folder is needed: the outbox listing has it, without the message bytes.
    folder = {row["id"]: row["briefing_dir"] for row in store.outbox()} if doubtful else {}
    for message_id, addresses in doubtful.items():
        lines.append(f"message {message_id} ({folder[message_id]}) may already have been "
                     f"delivered to {', '.join(addresses)}: the connection broke while the "
                     "server was receiving it. Check the inbox; `briefing send DATE` sends "
                     "that briefing again.")
    if not lines:
        return "Outbox: nothing waiting.", True
    return "Outbox:\n" + "\n".join(f"  {line}" for line in lines), all(
        a.status == "sent" for a in attempts)


def in_doubt(store: Store) -> dict[int, list[str]]:
    """message id -> the recipients that may or may not have got it (status unknown)."""
    found: dict[int, list[str]] = {}
    for row in store.outbox_recipients(statuses=["unknown"]):
        found.setdefault(row["message_id"], []).append(row["address"])
    return found


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
