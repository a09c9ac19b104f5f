"""One voice per outlet: how many outlets, not how many articles, report a story.

An outlet that publishes forty near-copies of one story is one voice; counting its articles
let a flood from one feed outrank an event three outlets report. Corroboration (a story's
share of the day's outlets), the order of stories in a section and the top lines count
outlets with ``count_outlets``.

An article's outlet is its source's name (case and spacing aside); an article whose source
has no name of its own (the clean stage then names it after its URL's host) counts under
its URL's registrable domain, so edition.cnn.com and www.cnn.com are one outlet. The
registrable domain comes from the Public Suffix List that the ``tld`` package ships (read
offline; it knows bbc.co.uk from co.uk).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tld import get_fld

from briefing.records import Article

if TYPE_CHECKING:
    from briefing.compose.grouping import Story


def outlet_key(article: Article) -> str:
    """The outlet ``article`` speaks for: ``name:<source>``, ``domain:<registrable domain>``,
    or, with neither, ``article:<id>`` (an outlet of its own)."""
    name = " ".join((article.source or "").split()).casefold()
    host = _host(article.url)
    if host and (not name or name in (host, host.removeprefix("www."))):
        return f"domain:{get_fld(article.url, fail_silently=True) or host}"
    if name:
        return f"name:{name}"
    return f"article:{article.id}"


def outlet_keys(articles: Iterable[Article]) -> dict[str, str]:
    """Article id -> its outlet (``outlet_key``)."""
    return {a.id: outlet_key(a) for a in articles}


def count_outlets(article_ids: Iterable[str], keys: Mapping[str, str]) -> int:
    """How many outlets the articles come from; an article missing from ``keys`` counts as
    an outlet of its own."""
    return len({keys.get(aid, aid) for aid in article_ids})


def voices(story: Story) -> int:
    """A story's outlets as ``compose`` counted them, or its articles for a story built
    without (in tests)."""
    return story.outlets or len(story.articles)


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.rstrip(".").lower() if host else None
