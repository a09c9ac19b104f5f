"""Render: a Briefing to Markdown, HTML (web, print, email), PDF and JSON, from Jinja2 templates.

Templates are looked up first in the user's ``templates_dir`` and then in the packaged
``templates/`` (docs/templates.md lists them). HTML is autoescaped: article text is untrusted
and is shown, never run; only http(s) article addresses become links. The PDF is made by
WeasyPrint from the same HTML with print CSS; its URL fetcher refuses every network request,
so rendering never leaves the machine. The email HTML has its CSS inlined and fetches nothing.
"""

from __future__ import annotations

import json
import logging
import math
import re
import traceback
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    select_autoescape,
)
from markupsafe import Markup

from briefing.config import Settings
from briefing.errors import BriefingError
from briefing.models import Article, Briefing
from briefing.resources import packaged_templates_dir

FORMATS = ("md", "html", "pdf", "json")
VARIANTS = ("web", "pdf", "email")
READING_WORDS_PER_MINUTE = 230
PREHEADER_CHARS = 140

log = logging.getLogger("briefing.render")


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
    env.filters.update({
        "md_escape": markdown_escape,
        "md_url": markdown_url,
        "md_code": markdown_code,
        "safe_url": safe_url,
        "slug": slug,
        "long_date": long_date,
        "long_datetime": long_datetime,
        "figure_parts": figure_parts,
        "source_line": source_line,
        "cite_numbers": cite_numbers,
    })
    return env


# --- filters ---------------------------------------------------------------------------------


def markdown_escape(text: str) -> str:
    """Neutralise Markdown and HTML syntax in untrusted text so it renders as written."""
    text = re.sub(r"([\\`*_{}\[\]<>#|~!&])", r"\\\1", str(text))
    return re.sub(r"^(\s*)([-+=]|\d+\.)(\s|$)", r"\1\\\2\3", text, flags=re.MULTILINE)


def markdown_url(url: str | None) -> str | None:
    """An http(s) address fit for ``[text](url)``: characters that could end the link or
    open markup are percent-encoded. Anything else gives None (no link)."""
    url = safe_url(url)
    return quote(url, safe="/:?#@!$&'*+,;=%~-._[]") if url else None


def markdown_code(text: str) -> str:
    """Untrusted text as a Markdown code span, fenced with more backticks than it contains."""
    text = " ".join(str(text).split())
    fence = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def safe_url(url: str | None) -> str | None:
    """Only http(s) links survive; ``javascript:`` and friends are dropped."""
    if url and re.match(r"^https?://[^\s]+$", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


def slug(text: str) -> str:
    """A value usable as an HTML id: lower-case letters, digits and hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "x"


def long_date(iso: str | None) -> str:
    """'2022-01-23' → 'Sunday, 23 January 2022'; anything unparsable is shown as given."""
    if not iso:
        return ""
    try:
        day = date.fromisoformat(str(iso)[:10])
    except ValueError:
        return str(iso)
    return f"{day:%A}, {day.day} {day:%B %Y}"


def long_datetime(iso: str | None) -> str:
    """'2022-01-23T07:00:00+02:00' → '23 January 2022 at 07:00 (UTC+02:00)'."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    text = f"{moment.day} {moment:%B %Y} at {moment:%H:%M}"
    offset = moment.strftime("%z")
    if offset:
        text += f" (UTC{offset[:3]}:{offset[3:]})"
    return text


def figure_parts(number: str) -> tuple[str, str]:
    """'nearly 2,000' → ('nearly', '2,000'): the qualifier is set smaller than the amount."""
    match = re.match(r"^([A-Za-z][A-Za-z ]*?)\s+(?=[$€£\d])(.*)$", str(number))
    return (match.group(1), match.group(2)) if match else ("", str(number))


def cite_numbers(sources: list[str], numbers: dict[str, int]) -> list[int]:
    """The sources list numbers of these article ids, ascending, each once."""
    return sorted({numbers[a] for a in sources if a in numbers})


def source_line(article: Article) -> str:
    """Where an article came from, in one line: outlet, date, and web host or file path."""
    parts = []
    url = safe_url(article.url)
    host = urlsplit(url).hostname if url else None
    file_name = PurePosixPath(article.path).name if article.path else None
    if article.source and article.source not in (host, file_name):
        parts.append(article.source)
    if article.published:
        parts.append(long_date(article.published) if re.fullmatch(
            r"\d{4}-\d\d-\d\d", article.published[:10]) else article.published)
    if host:
        parts.append(host.removeprefix("www."))
    elif article.path:
        parts.append(article.path)
    elif article.url:  # an address that is not a web link: shown as text, never linked
        parts.append(article.url)
    return " · ".join(parts)


# --- rendering -------------------------------------------------------------------------------


def context(briefing: Briefing, settings: Settings, variant: str = "web") -> dict[str, Any]:
    """What every template sees. ``variant``: web | pdf | email (HTML), md, text."""
    items = briefing.items
    total_items = len(items)
    new_items = sum(1 for i in items if i.new)
    words = sum(i.words for i in items)
    first = briefing.top_lines[0].text if briefing.top_lines else (
        items[0].text if items else briefing.title)
    preheader = first if len(first) <= PREHEADER_CHARS else \
        first[:PREHEADER_CHARS].rsplit(" ", 1)[0] + "…"
    return {
        "briefing": briefing,
        "settings": settings,
        "numbers": briefing.article_number(),
        "articles_by_id": {a.id: a for a in briefing.articles},
        "variant": variant,
        "page_size": settings.page_size,
        "total_items": total_items,
        "new_items": new_items,
        "previous_briefing": briefing.stats.get("previous_briefing"),
        # A badge on every item says nothing; the masthead says "all new" instead.
        "show_new_badges": 0 < new_items < total_items,
        "reading_minutes": max(1, math.ceil(words / READING_WORDS_PER_MINUTE)),
        "preheader": preheader,
    }


class TemplateRenderError(BriefingError):
    """A template could not be rendered; the message names its file and line."""


def render_template(settings: Settings, name: str, values: dict[str, Any]) -> str:
    """Render one template, turning Jinja's errors (most often a mistake in an override in
    ``templates_dir``) into one line that says which file and line to look at."""
    try:
        return template_environment(settings).get_template(name).render(values)
    except TemplateError as exc:
        raise TemplateRenderError(_where(exc, name)) from exc


def _where(exc: TemplateError, name: str) -> str:
    if isinstance(exc, TemplateSyntaxError) and exc.filename:
        place = f"{exc.filename}, line {exc.lineno}"
    else:
        # Jinja rewrites tracebacks so template frames carry the template's file and line;
        # the innermost one is where it went wrong (an include, not the page that included it).
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if f.filename.endswith(".j2")]
        place = f"{frames[-1].filename}, line {frames[-1].lineno}" if frames else name
    return f"template {place}: {exc.message or type(exc).__name__}"


def render_markdown(briefing: Briefing, settings: Settings) -> str:
    return render_template(settings, "briefing.md.j2", context(briefing, settings, "md"))


def render_html(briefing: Briefing, settings: Settings, variant: str = "web") -> str:
    """The HTML briefing: ``web`` (browser), ``pdf`` (print CSS) or ``email`` (600 px, no
    external CSS; inline it with render_email_html before sending)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown HTML variant {variant!r}; expected one of {VARIANTS}")
    return render_template(settings, "briefing.html.j2", context(briefing, settings, variant))


def render_email_html(briefing: Briefing, settings: Settings) -> str:
    """The email HTML, ready to send: CSS moved into style attributes (what mail clients
    read), @media rules (dark scheme, narrow screens) kept in <style>, nothing fetched."""
    import css_inline

    inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)
    html = inliner.inline(render_html(briefing, settings, variant="email"))
    # The inliner puts the kept <style> first in <head>; the charset must stay first.
    charset = re.search(r"<meta charset=[^>]*>", html)
    head = re.search(r"<head[^>]*>", html)
    if charset and head and charset.start() > head.end():
        html = (html[:head.end()] + '<meta charset="utf-8">' + html[head.end():charset.start()]
                + html[charset.end():])
    return html


def render_json(briefing: Briefing) -> str:
    return json.dumps(briefing.to_json(), ensure_ascii=False, indent=2) + "\n"


def _no_network_fetcher(url: str, *args, **kwargs):
    from weasyprint.urls import default_url_fetcher

    if url.startswith("data:"):
        return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"Briefing does not fetch resources while rendering ({url[:60]})")


def render_pdf(briefing: Briefing, settings: Settings, html: str | None = None) -> bytes:
    from weasyprint import HTML

    # WeasyPrint logs every refused resource; the refusal is deliberate, so keep it quiet.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    html = html or render_html(briefing, settings, variant="pdf")
    document = HTML(string=html, url_fetcher=_no_network_fetcher, base_url=None)
    return document.write_pdf()


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


__all__ = ["FORMATS", "Markup", "TemplateRenderError", "VARIANTS", "context",
           "render_email_html", "render_html", "render_json", "render_markdown", "render_pdf",
           "render_template", "template_environment", "write_briefing"]
