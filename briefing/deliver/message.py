"""The briefing email: one MIME message built from a rendered briefing folder.

The message is ``multipart/mixed``: a ``multipart/alternative`` with a plain-text part and an
HTML part (CSS inlined, because most mail clients drop ``<style>`` blocks), then the folder's
``briefing.pdf``, attached byte for byte. The briefing itself is rebuilt from
``briefing.json``, so a briefing rendered days ago can still be mailed as it was.

The whole message is serialised once, with CRLF line ends and 7-bit safe transfer encodings,
and that exact byte string is what the outbox stores and every retry sends, Message-ID
included, so a receiving server or client can recognise a repeat.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr
from pathlib import Path

from briefing import clock
from briefing.config import Settings
from briefing.errors import ConfigError, DeliveryError
from briefing.records import Briefing
from briefing.render.email_html import render_email_html
from briefing.render.text import render_text
from briefing.text.invisible import remove_format_characters

SUBJECT_FIELDS = ("title", "date", "items", "articles")


@dataclass(frozen=True)
class BuiltMessage:
    sender: str  # envelope sender (bare address)
    recipients: tuple[str, ...]
    subject: str
    message_id: str
    data: bytes  # the whole message, CRLF line ends, ready for SMTP DATA


def build_message(settings: Settings, out_dir: Path, message_id: str | None = None,
                  to: tuple[str, ...] | None = None) -> BuiltMessage:
    """The email for the briefing rendered in ``out_dir`` (needs briefing.json and .pdf).
    ``message_id``: a fixed Message-ID's left part (the daemons on a shared database derive
    it from the briefing's slot and the recipient); without it, a new unique one. ``to``:
    these of ``email.to`` only (a message of its own per recipient)."""
    email = settings.email
    addressed = email.to if to is None else to
    if not addressed:
        raise DeliveryError("email.to: no recipients configured; list addresses under email.to")
    briefing = load_briefing(out_dir)
    pdf_path = out_dir / "briefing.pdf"
    try:
        pdf = pdf_path.read_bytes()
    except OSError as exc:
        raise DeliveryError(f"cannot email {out_dir}: briefing.pdf is missing or unreadable "
                            f"({exc.strerror or exc}); render with the pdf format") from None

    display_name, sender = parseaddr(email.sender)
    subject = format_subject(email.subject, briefing)
    msg = EmailMessage(policy=policy.SMTP)
    # The config check refuses line breaks in `title`, `from` and `to`; a briefing.json
    # written by hand (or by an older version) may still hold one in its title, and a header
    # is one line, so the display name is flattened rather than refused.
    name = " ".join(remove_format_characters(display_name or briefing.title).split())
    try:
        msg["Subject"] = subject
        msg["From"] = Address(display_name=name, addr_spec=sender)
        msg["To"] = ", ".join(addressed)
    except (ValueError, IndexError) as exc:  # what the header classes raise for bad parts
        raise ConfigError(f"email.from / email.to: cannot be written as a mail header ({exc})"
                          ) from None
    msg["Date"] = format_datetime(clock.now().astimezone(settings.tz))
    domain = sender.rpartition("@")[2] or None
    if message_id is not None:
        message_id = f"<{message_id}@{domain or 'briefing.invalid'}>"
    else:
        message_id = make_msgid(idstring="briefing", domain=domain)
    msg["Message-ID"] = message_id
    # quoted-printable keeps every line short and 7-bit, whatever the server supports.
    msg.set_content(render_text(briefing, settings), subtype="plain", charset="utf-8",
                    cte="quoted-printable")
    msg.add_alternative(render_email_html(briefing, settings), subtype="html", charset="utf-8",
                        cte="quoted-printable")
    msg.add_attachment(pdf, maintype="application", subtype="pdf",
                       filename=f"briefing-{briefing.date}.pdf")
    return BuiltMessage(sender=sender, recipients=envelope_recipients(addressed), subject=subject,
                        message_id=message_id, data=msg.as_bytes(policy=policy.SMTP))


def envelope_recipients(to: tuple[str, ...]) -> tuple[str, ...]:
    """The bare addresses of ``email.to`` (``Desk <desk@x.org>`` → ``desk@x.org``), each once:
    the server is given these, and the outbox keeps a state for each."""
    out: list[str] = []
    for _, address in getaddresses(list(to)):
        if address and address.lower() not in {a.lower() for a in out}:
            out.append(address)
    return tuple(out)


def load_briefing(out_dir: Path) -> Briefing:
    path = out_dir / "briefing.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeliveryError(f"cannot email {out_dir}: briefing.json is missing; render with "
                            "the json and pdf formats") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DeliveryError(f"cannot email {out_dir}: briefing.json is unreadable: {exc}"
                            ) from None
    try:
        return Briefing.from_json(data)
    except (KeyError, TypeError) as exc:
        raise DeliveryError(f"cannot email {out_dir}: briefing.json lacks {exc}") from None


def format_subject(template: str, briefing: Briefing) -> str:
    """Fill the subject template; only the named fields are allowed (no attribute access)."""
    values = {"title": briefing.title, "date": briefing.date,
              "items": len(briefing.items), "articles": len(briefing.articles)}
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise ConfigError(f"email.subject: {exc}") from None
    for field in fields:
        if field not in values:
            allowed = ", ".join("{" + f + "}" for f in SUBJECT_FIELDS)
            raise ConfigError(f"email.subject: unknown field {{{field}}} (use {allowed})")
    try:
        subject = template.format_map(values)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"email.subject: {exc}") from None
    # A header is one line, without invisible characters (a hand-edited briefing.json title)
    return " ".join(remove_format_characters(subject).split())
