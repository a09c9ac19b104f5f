"""Render: a Briefing to Markdown, HTML, PDF and JSON, from Jinja2 templates.

Templates are looked up first in the user's ``templates_dir`` and then in the packaged
``templates/``. HTML is autoescaped: article text is untrusted and is shown, never run.
The PDF is made by WeasyPrint from the same HTML with print CSS; its URL fetcher refuses
every network request, so rendering never leaves the machine.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from briefing.config import Settings
from briefing.models import Briefing
from briefing.resources import packaged_templates_dir

FORMATS = ("md", "html", "pdf", "json")


def template_environment(settings: Settings) -> Environment:
    search = [str(settings.templates_dir)] if settings.templates_dir else []
    search.append(str(packaged_templates_dir()))
    env = Environment(
        loader=FileSystemLoader(search),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2", "xml"),
                                     default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md_escape"] = markdown_escape
    env.filters["safe_url"] = safe_url
    return env


def markdown_escape(text: str) -> str:
    """Neutralise Markdown and HTML syntax in untrusted text so it renders as written."""
    text = re.sub(r"([\\`*_{}\[\]<>#|~])", r"\\\1", str(text))
    return re.sub(r"^(\s*)([-+]|\d+\.)(\s)", r"\1\\\2\3", text)


def safe_url(url: str | None) -> str | None:
    """Only http(s) links survive; ``javascript:`` and friends are dropped."""
    if url and re.match(r"^https?://", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


def context(briefing: Briefing, settings: Settings, variant: str = "web") -> dict:
    numbers = briefing.article_number()
    return {
        "briefing": briefing,
        "settings": settings,
        "numbers": numbers,
        "articles_by_id": {a.id: a for a in briefing.articles},
        "variant": variant,  # web | pdf | email
        "page_size": settings.page_size,
        "total_items": len(briefing.items),
    }


def render_markdown(briefing: Briefing, settings: Settings) -> str:
    return template_environment(settings).get_template("briefing.md.j2").render(
        context(briefing, settings, "md"))


def render_html(briefing: Briefing, settings: Settings, variant: str = "web") -> str:
    return template_environment(settings).get_template("briefing.html.j2").render(
        context(briefing, settings, variant))


def render_json(briefing: Briefing) -> str:
    return json.dumps(briefing.to_json(), ensure_ascii=False, indent=2) + "\n"


def _no_network_fetcher(url: str, *args, **kwargs):
    from weasyprint.urls import default_url_fetcher

    if url.startswith("data:"):
        return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"Briefing does not fetch resources while rendering ({url[:60]})")


def render_pdf(briefing: Briefing, settings: Settings, html: str | None = None) -> bytes:
    import logging

    from weasyprint import HTML

    # WeasyPrint logs every refused resource; the refusal is deliberate, so keep it quiet.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    html = html or render_html(briefing, settings, variant="pdf")
    document = HTML(string=html, url_fetcher=_no_network_fetcher, base_url=None)
    return document.write_pdf()


def write_briefing(briefing: Briefing, settings: Settings, out_dir: Path,
                   formats: tuple[str, ...] = FORMATS) -> dict[str, Path]:
    """Write the chosen formats into ``out_dir``; return {format: path}."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    if "md" in formats:
        written["md"] = _write(out_dir / "briefing.md", render_markdown(briefing, settings))
    if "html" in formats:
        written["html"] = _write(out_dir / "briefing.html", render_html(briefing, settings))
    if "pdf" in formats:
        path = out_dir / "briefing.pdf"
        tmp = path.with_suffix(".pdf.tmp")
        tmp.write_bytes(render_pdf(briefing, settings))
        tmp.replace(path)
        written["pdf"] = path
    if "json" in formats:
        written["json"] = _write(out_dir / "briefing.json", render_json(briefing))
    return written


def _write(path: Path, text: str) -> Path:
    # Write then rename, so a reader (or a crash) never sees half a file.
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


__all__ = ["FORMATS", "Markup", "render_html", "render_json", "render_markdown",
           "render_pdf", "write_briefing"]
