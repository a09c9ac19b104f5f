"""All formats of one briefing written into its folder, JSON included."""

from __future__ import annotations

import json
from pathlib import Path

from briefing.atomic import write_atomic
from briefing.config import Settings
from briefing.records import Briefing
from briefing.render.html import render_html
from briefing.render.markdown import render_markdown
from briefing.render.pdf import render_pdf

FORMATS = ("md", "html", "pdf", "json")


def render_json(briefing: Briefing) -> str:
    return json.dumps(briefing.to_json(), ensure_ascii=False, indent=2) + "\n"


def write_briefing(briefing: Briefing, settings: Settings, out_dir: Path,
                   formats: tuple[str, ...] = FORMATS) -> dict[str, Path]:
    """Write the chosen formats into ``out_dir``; return {format: path}.

    Everything is rendered before anything is written, so a broken template leaves no
    half-made briefing folder behind."""
    texts: dict[str, str] = {}
    if "md" in formats:
        texts["md"] = render_markdown(briefing, settings)
    if "html" in formats:
        texts["html"] = render_html(briefing, settings)
    pdf = render_pdf(briefing, settings) if "pdf" in formats else None
    if "json" in formats:
        texts["json"] = render_json(briefing)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for fmt in FORMATS:
        data = pdf if fmt == "pdf" else texts.get(fmt)
        if data is not None:
            written[fmt] = write_atomic(out_dir / f"briefing.{fmt}", data)
    return written
