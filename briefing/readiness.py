"""``briefing check``'s readiness: the secrets the config names, and with ``--connect`` one
try of every source and of the SMTP server, so a setup mistake shows now, not at 07:00.

Nothing here stores or sends anything: a source is fetched (or a folder listed) once and
what it holds is counted, not kept; the SMTP session goes as far as the login and quits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from briefing.config import Settings, Source
from briefing.errors import BriefingError


@dataclass(frozen=True)
class Finding:
    what: str  # the source's label, "email", or the config key
    ok: bool
    detail: str
    note: bool = False  # worth saying, but nothing the configured runs need (not a failure)

    def __str__(self) -> str:
        mark = "note" if self.note else "ok  " if self.ok else "FAIL"
        return f"  {mark}  {self.what}: {self.detail}"


def missing_secrets(settings: Settings) -> list[Finding]:
    """The secrets the config names but the environment does not hold: a failure when email
    is enabled (the daemon would refuse to start), a note when it is not (only ``render
    --email`` and ``send`` would need it)."""
    from briefing.deliver.smtp import smtp_password

    email = settings.email
    if email.password_env and os.environ.get(email.password_env) is None:
        if not email.enabled:  # only `render --email` and `send` would need it
            return [Finding("email.password_env", True, note=True, detail=(
                f"the environment variable {email.password_env} is not set; email is not "
                "enabled, but `render --email` and `send` need it"))]
        return [Finding("email.password_env", False,
                        f"the environment variable {email.password_env} is not set; the "
                        "daemon will not start and no email can be sent until it is")]
    try:
        smtp_password(email)
    except BriefingError as exc:
        return [Finding("email", not email.enabled, str(exc), note=not email.enabled)]
    return []


def try_sources(settings: Settings) -> list[Finding]:
    """Each configured source, read once: a folder or file listed, a feed fetched and
    parsed, a page fetched."""
    return [_try_source(source, settings) for source in settings.sources]


def _try_source(source: Source, settings: Settings) -> Finding:
    from briefing.sources.feeds import parse_feed
    from briefing.sources.fetch import fetch

    try:
        if source.kind == "path":
            path = Path(source.target)
            if not path.exists():
                return Finding(source.label, False, "does not exist")
            files = [p for p in (path.rglob("*") if path.is_dir() else [path]) if p.is_file()]
            unreadable = [p for p in files if not os.access(p, os.R_OK)]
            if unreadable:
                return Finding(source.label, False, f"{unreadable[0]} cannot be read")
            return Finding(source.label, True, f"{len(files)} file(s)")
        result = fetch(source.target, settings.fetch)
        if source.kind == "feed":
            parsed = parse_feed(result.content or b"", source.target, base_url=result.final_url,
                                charset=result.charset)
            return Finding(source.label, True,
                           f"HTTP {result.status}, a feed of {len(parsed.entries)} entries")
        return Finding(source.label, True, f"HTTP {result.status}, "
                                           f"{len(result.content or b''):,} bytes")
    except BriefingError as exc:
        reason = getattr(exc, "reason", None) or str(exc)
        return Finding(source.label, False, reason)


def try_smtp(settings: Settings) -> Finding:
    """One SMTP session up to the login, then QUIT (``deliver.smtp.smtp_probe``)."""
    from briefing.deliver.smtp import smtp_probe

    email = settings.email
    where = f"email ({email.smtp_host}:{email.smtp_port}, {email.security})"
    try:
        return Finding(where, True, smtp_probe(email))
    except BriefingError as exc:
        return Finding(where, False, str(exc))
