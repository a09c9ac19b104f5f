"""The plain-text briefing: the alternative part of the email."""

from __future__ import annotations

from briefing.config import Settings
from briefing.records import Briefing
from briefing.render.templates import context, render_template


def render_text(briefing: Briefing, settings: Settings) -> str:
    return render_template(settings, "briefing.txt.j2", context(briefing, settings, "text"))
