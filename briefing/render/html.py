"""The HTML briefing: web, print (for the PDF) and email variants."""

from __future__ import annotations

from briefing.config import Settings
from briefing.records import Briefing
from briefing.render.templates import VARIANTS, context, render_template


def render_html(briefing: Briefing, settings: Settings, variant: str = "web") -> str:
    """The HTML briefing: ``web`` (browser), ``pdf`` (print CSS) or ``email`` (600 px, no
    external CSS; inline it with render_email_html before sending)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown HTML variant {variant!r}; expected one of {VARIANTS}")
    return render_template(settings, "briefing.html.j2", context(briefing, settings, variant))
