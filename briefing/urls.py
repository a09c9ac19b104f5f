"""What counts as a web address, decided once: feeds' entry links, an article's ``url``, the
links a briefing shows and the archive's public address all pass through ``web_url``."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

__all__ = ["web_url"]

_WEB = re.compile(r"https?://\S+", re.IGNORECASE)


def web_url(value: Any) -> str | None:
    """``value`` stripped when it is an http(s) address with a host that the URL parser
    reads whole; None for anything else (``javascript:``, a bare path, "http://[", a bad
    port, a number from a JSON field), so no caller meets a ValueError later."""
    if not isinstance(value, str) or not _WEB.fullmatch(value.strip()):
        return None
    url = value.strip()
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError:
        return None
    return url if host else None
