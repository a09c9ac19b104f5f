"""Templates and their values: the Jinja2 environment, filters, and the context all formats
share.

Templates are rendered in Jinja's sandbox (``ImmutableSandboxedEnvironment``) because a user's
``templates_dir`` is data the renderer reads, not code it should run: an override that reaches
for ``''.__class__.__mro__`` or ``cycler.__init__.__globals__`` (the usual way out to ``os``)
stops with one line naming the template, as any other template mistake does. On top of
Jinja's rules (nothing starting with ``_``, no mutating ``list``/``dict``/``set``), a template
calls methods only on plain values (strings, numbers, lists, mappings, dates) and Jinja's own
helpers (``loop``, ``cycler``, ``joiner``, ``namespace``): ``settings.state_dir`` is a ``Path``
whose ``write_text`` and ``unlink`` a template must not reach, and a config model's
``model_*`` methods are no business of a template either. docs/templates.md lists what a
template can reach.
"""

from __future__ import annotations

import logging
import math
import re
import traceback
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import (
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    select_autoescape,
)
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Cycler, Joiner, Namespace
from pydantic import BaseModel

from briefing.config import Settings
from briefing.errors import BriefingError
from briefing.packaged import packaged_templates_dir
from briefing.records import Article, Briefing
from briefing.urls import web_url

VARIANTS = ("web", "pdf", "email")


READING_WORDS_PER_MINUTE = 230


PREHEADER_CHARS = 140


# Sources shown after an item (or top line, key figure, timeline entry); the rest are
# "+N more". On a busy day one fact is reported by ~30 outlets: listing them all made the
# sources list of a 10,000-article day a thousand entries long and its PDF take 80 s. The
# full list of every item stays in briefing.json.
CITE_LIMIT = 3


log = logging.getLogger("briefing.render")


# Objects whose methods a template may call: plain values and Jinja's own helpers. Anything
# else (records, config models, paths) is read through its fields only.
_CALLABLE_OWNERS = (str, int, float, list, tuple, dict, date, LoopContext, Cycler, Joiner,
                    Namespace)


class TemplateSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, plus: no methods of our own objects, no pydantic internals."""

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, BaseModel) and attr.startswith("model_"):
            return False
        return not callable(value) or isinstance(obj, _CALLABLE_OWNERS)


def template_environment(settings: Settings) -> TemplateSandbox:
    search = [str(settings.templates_dir)] if settings.templates_dir else []
    search.append(str(packaged_templates_dir()))
    env = TemplateSandbox(
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
        "cite_more": cite_more,
    })
    return env


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
    """Only http(s) links survive; ``javascript:`` and friends are dropped (``urls.web_url``)."""
    return web_url(url)


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


def cite_numbers(sources: list[str], numbers: dict[str, int], limit: int | None = None
                 ) -> list[int]:
    """The sources list numbers of these article ids (of the first ``limit`` of them, with
    a limit), ascending, each once."""
    return sorted({numbers[a] for a in shown_sources(sources, limit) if a in numbers})


def cite_more(sources: list[str], limit: int | None) -> int:
    """How many of these article ids are left unshown by ``cite_numbers(numbers, limit)``."""
    return 0 if limit is None else max(0, len(dict.fromkeys(sources)) - limit)


def shown_sources(sources: list[str], limit: int | None) -> list[str]:
    """The first ``limit`` distinct article ids, in the item's order (all, with no limit)."""
    return list(dict.fromkeys(sources))[:limit]


def listed_articles(briefing: Briefing, limit: int | None = CITE_LIMIT) -> list[Article]:
    """The articles the rendered sources list holds: those shown after some text, in the
    briefing's citation order (with no limit, every cited article)."""
    if limit is None:
        return list(briefing.articles)
    groups = [i.sources for i in (*briefing.top_lines, *briefing.items)]
    # A story's supporting facts cite too (``Item.facts`` where compose makes stories).
    groups += [f.sources for i in briefing.items for f in getattr(i, "facts", ())]
    groups += [e.get("sources", []) for e in (*briefing.key_figures, *briefing.timeline)]
    shown = {a for ids in groups for a in shown_sources(ids, limit)}
    return [a for a in briefing.articles if a.id in shown]


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


def context(briefing: Briefing, settings: Settings, variant: str = "web") -> dict[str, Any]:
    """What every template sees. ``variant``: web | pdf | email (HTML), md, text."""
    items = briefing.items
    total_items = len(items)
    new_items = sum(1 for i in items if i.new)
    words = sum(i.story_words for i in items)
    first = briefing.top_lines[0].text if briefing.top_lines else (
        items[0].text if items else briefing.title)
    preheader = first if len(first) <= PREHEADER_CHARS else \
        first[:PREHEADER_CHARS].rsplit(" ", 1)[0] + "…"
    listed = listed_articles(briefing)
    return {
        "briefing": briefing,
        "settings": settings,
        "cite_limit": CITE_LIMIT,
        "listed_articles": listed,
        "numbers": {a.id: n for n, a in enumerate(listed, start=1)},
        "articles_by_id": {a.id: a for a in briefing.articles},
        # Top lines name the section their story is in.
        "section_titles": {s.theme: s.title for s in briefing.sections},
        "left_out_old": briefing.stats.get("left_out_old", 0),
        "window_hours": briefing.stats.get("window_hours"),
        "variant": variant,
        "page_size": settings.page_size,
        "total_items": total_items,
        "new_items": new_items,
        # Stories that continue a recent briefing's (compose.memory), with what is new in them.
        "developing_items": sum(1 for i in items if i.developing),
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
