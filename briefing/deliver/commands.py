"""`briefing send`: send a rendered briefing again, or retry what waits in the outbox."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from briefing.config import Settings
from briefing.deliver.outbox import queue_briefing, send_queued
from briefing.editions import find_edition, refresh_archive
from briefing.errors import BriefingError, LockError
from briefing.store import Store

log = logging.getLogger("briefing.deliver")


def send_briefing_dir(settings: Settings, store: Store, out_dir: Path) -> str:
    """Queue the email of a rendered briefing and try it once; return what happened."""
    message_id = queue_briefing(settings, store, out_dir)
    attempts = send_queued(settings, store, [message_id])
    refresh_archive(settings, store, out_dir.parent)  # the edition's state: emailed to whom
    return "Email: " + "; ".join(a.describe() for a in attempts)


def send_command(settings: Settings, *, edition: str | None = None, retry: bool = False,
                 writing: Callable[[], AbstractContextManager[object]] = nullcontext
                 ) -> tuple[str, bool]:
    """``briefing send [EDITION] [--retry]``: (re)send a rendered briefing (an edition's name,
    or a date for that day's latest), or retry the outbox. Returns a printable report and
    whether everything asked for was delivered.

    ``writing`` is held while the outbox is written to before sending (the state_dir's write
    lock, from the CLI), not while the server is talked to."""
    lines: list[str] = []
    ok = True
    with Store(settings.database, settings.desk) as store:
        try:
            if retry:
                text, ok = retry_outbox(settings, store, writing)
                lines.append(text)
            if edition is not None or not retry:
                with writing():
                    found = find_edition(store, edition)
                    message_id = queue_briefing(settings, store, found.out_dir)
                attempts = send_queued(settings, store, [message_id])
                lines += [f"Email of {found.name} ({found.out_dir}): {a.describe()}"
                          for a in attempts]
                ok = ok and all(a.status == "sent" for a in attempts)
                refresh_archive(settings, store, found.out_dir.parent)
        except LockError:
            raise  # the state_dir is busy: the CLI says so on its own
        except BriefingError as exc:
            lines.append(f"briefing: error: {exc}")
            ok = False
    return "\n".join(lines), ok


def retry_outbox(settings: Settings, store: Store,
                 writing: Callable[[], AbstractContextManager[object]] = nullcontext
                 ) -> tuple[str, bool]:
    """Send every pending or failed message now, whatever its backoff; report the rest."""
    with writing():
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
                     "server was receiving it. Check the inbox; `briefing send EDITION` sends "
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
