"""All formats of one briefing written into its folder, JSON included."""

from __future__ import annotations

import json
from pathlib import Path

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
        if fmt in texts:
            written[fmt] = _write(out_dir / f"briefing.{fmt}", texts[fmt])
        elif fmt == "pdf" and pdf is not None:
            path = out_dir / "briefing.pdf"
            tmp = path.with_suffix(".pdf.tmp")
            tmp.write_bytes(pdf)
            tmp.replace(path)
            written["pdf"] = path
    return written


def _write(path: Path, text: str) -> Path:
    # Write then rename, so a reader (or a crash) never sees half a file.
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
