"""The Markdown briefing."""

from __future__ import annotations

from briefing.config import Settings
from briefing.records import Briefing
from briefing.render.templates import context, render_template


def render_markdown(briefing: Briefing, settings: Settings) -> str:
    return render_template(settings, "briefing.md.j2", context(briefing, settings, "md"))
