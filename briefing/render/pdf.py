"""The PDF briefing (WeasyPrint, print CSS); rendering fetches nothing from the network."""

from __future__ import annotations

import logging

from briefing.config import Settings
from briefing.records import Briefing
from briefing.render.html import render_html


def _no_network_fetcher(url: str, *args, **kwargs):
    from weasyprint.urls import default_url_fetcher

    if url.startswith("data:"):
        return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"Briefing does not fetch resources while rendering ({url[:60]})")


def preload() -> None:
    """Import WeasyPrint now: it takes a second or more, which the daemon pays in a poll job
    rather than at the briefing slot."""
    import weasyprint  # noqa: F401


def render_pdf(briefing: Briefing, settings: Settings, html: str | None = None) -> bytes:
    from weasyprint import HTML

    # WeasyPrint logs every refused resource; the refusal is deliberate, so keep it quiet.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    html = html or render_html(briefing, settings, variant="pdf")
    document = HTML(string=html, url_fetcher=_no_network_fetcher, base_url=None)
    return document.write_pdf()
