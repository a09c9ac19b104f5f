"""The records that pass from stage to stage."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RawDocument:
    """What a source yields: bytes plus everything known about where they came from."""

    origin: str  # file path or URL, as the user would recognise it
    content: bytes
    media_type: str = "text/plain"  # text/plain, text/markdown, text/html, application/json
    title: str | None = None
    url: str | None = None
    source_name: str | None = None
    published: str | None = None  # ISO date or datetime
    path: str | None = None  # path relative to the config folder, for files
    source_key: str | None = None  # the configured source this came from (for `sources`)
    entry_key: str | None = None  # stable id of a feed entry (guid), to update changed entries
    encoding: str | None = None  # charset the server declared for the content, if any


@dataclass
class Article:
    id: str  # content hash of the cleaned text: the same text is one article
    title: str
    source: str
    text: str  # cleaned body: paragraphs separated by blank lines
    url: str | None = None
    path: str | None = None
    published: str | None = None
    title_generated: bool = False
    origin: str = ""
    entry_key: str | None = None
    notes: list[str] = field(default_factory=list)  # what cleaning removed or repaired

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.text.split("\n\n") if p.strip()]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "path": self.path,
            "published": self.published,
        }


@dataclass(frozen=True)
class Sentence:
    article_id: str
    position: int  # index of the sentence in its article
    paragraph: int
    text: str
    context: str = ""  # the sentence before it, for resolving "The next day, …"


@dataclass(frozen=True)
class Evidence:
    article: str
    text: str


@dataclass
class Fact:
    """A supporting fact under a story's lead."""

    text: str
    sources: list[str]
    evidence: list[Evidence]
    # Compared with earlier briefings (compose.memory): True when none reported it, False
    # when one did; None when there was nothing to compare with (the first briefing).
    new: bool | None = None
    method: str = "extractive"  # or "abstractive": rewritten by the summarizer, guard passed
    fallback_reason: str | None = None

    @property
    def words(self) -> int:
        return len(self.text.split())

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "text": self.text, "sources": list(self.sources),
            "evidence": [{"article": e.article, "text": e.text} for e in self.evidence],
            "method": self.method}
        if self.fallback_reason:
            data["fallback_reason"] = self.fallback_reason
        if self.new is not None:
            data["new"] = self.new
        return data

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Fact:
        return cls(text=d["text"], sources=list(d["sources"]),
                   evidence=[Evidence(e["article"], e["text"]) for e in d["evidence"]],
                   method=d.get("method", "extractive"),
                   fallback_reason=d.get("fallback_reason"), new=d.get("new"))


@dataclass
class Item:
    text: str
    sources: list[str]
    evidence: list[Evidence]
    theme: str
    score: float = 0.0
    method: str = "extractive"
    fallback_reason: str | None = None
    # A story no earlier briefing reported: True; reported before (then ``developing`` says
    # since when): False; None when there was nothing to compare with.
    new: bool | None = None
    facts: list[Fact] = field(default_factory=list)  # the story's supporting facts
    headline: str = ""  # a short name for the story (top lines point at it)
    # {"since": "YYYY-MM-DD", "briefings": N}: the story was first reported on ``since`` and
    # this is the N-th briefing reporting it (compose.memory).
    developing: dict[str, Any] | None = None
    # The story's articles that state none of its lines (compose.evidence): they belong to
    # the story and are covered by the briefing, but are no line's evidence.
    story_sources: list[str] = field(default_factory=list)

    @property
    def words(self) -> int:
        """Words of the lead (what a summarizer rewrites and keeps within the budget)."""
        return len(self.text.split())

    @property
    def articles(self) -> list[str]:
        """Every article of the item, its lead's first, then its facts' (a fact may come
        from another story of the item's subject: ``compose.subjects``), then the story's
        other articles (``story_sources``)."""
        return list(dict.fromkeys([*self.sources, *(a for f in self.facts for a in f.sources),
                                   *self.story_sources]))

    @property
    def story_words(self) -> int:
        """Words of the whole story: its lead and its facts (what a reader reads)."""
        return self.words + sum(f.words for f in self.facts)

    @property
    def anchor(self) -> str:
        """The story's id in a rendered page, stable for its lead's text."""
        return "story-" + hashlib.sha1(self.text.encode()).hexdigest()[:10]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "text": self.text,
            "sources": list(self.sources),
            "evidence": [{"article": e.article, "text": e.text} for e in self.evidence],
            "score": round(self.score, 4),
            "method": self.method,
            "facts": [f.to_json() for f in self.facts],
        }
        if self.story_sources:
            data["story_sources"] = list(self.story_sources)
        if self.headline:
            data["headline"] = self.headline
        if self.new is not None:
            data["new"] = self.new
        if self.developing:
            data["developing"] = dict(self.developing)
        if self.fallback_reason:
            data["fallback_reason"] = self.fallback_reason
        return data


@dataclass
class Section:
    theme: str
    title: str
    items: list[Item]

    def to_json(self) -> dict[str, Any]:
        return {"theme": self.theme, "title": self.title,
                "items": [i.to_json() for i in self.items]}


@dataclass
class Briefing:
    title: str
    date: str
    generated_at: str
    sections: list[Section]
    articles: list[Article]  # the articles that items cite, in citation order
    top_lines: list[Item] = field(default_factory=list)
    key_figures: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Briefing:
        """Rebuild a briefing from its ``briefing.json`` (to re-render or email it later)."""

        def item(d: dict[str, Any], theme: str) -> Item:
            return Item(text=d["text"], sources=list(d["sources"]),
                        evidence=[Evidence(e["article"], e["text"]) for e in d["evidence"]],
                        theme=theme, score=d.get("score", 0.0),
                        method=d.get("method", "extractive"),
                        fallback_reason=d.get("fallback_reason"), new=d.get("new"),
                        facts=[Fact.from_json(f) for f in d.get("facts", [])],
                        headline=d.get("headline", ""), developing=d.get("developing"),
                        story_sources=list(d.get("story_sources", [])))

        articles = [Article(id=a["id"], title=a["title"], source=a["source"], text="",
                            url=a.get("url"), path=a.get("path"), published=a.get("published"))
                    for a in data["articles"]]
        sections = [Section(s["theme"], s["title"], [item(i, s["theme"]) for i in s["items"]])
                    for s in data["sections"]]
        return cls(title=data["title"], date=data["date"], generated_at=data["generated_at"],
                   sections=sections, articles=articles,
                   top_lines=[item(i, i.get("theme", "")) for i in data.get("top_lines", [])],
                   key_figures=data.get("key_figures", []), timeline=data.get("timeline", []),
                   stats=data.get("stats", {}))

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "date": self.date,
            "generated_at": self.generated_at,
            "top_lines": [{**i.to_json(), "theme": i.theme} for i in self.top_lines],
            "sections": [s.to_json() for s in self.sections],
            "key_figures": self.key_figures,
            "timeline": self.timeline,
            "articles": [a.to_json() for a in self.articles],
            "stats": self.stats,
        }
