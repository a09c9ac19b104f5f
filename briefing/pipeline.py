"""The pipeline: one object that runs the stages in order over one config.

``Pipeline.render`` does, in order:

1. sources → clean → store: pick up new articles (``collect``); bad inputs become problems;
2. choose the articles to cover: those no earlier briefing covered (or all, with ``--all``);
3. analyse: split sentences, embed them (cached by content; the model loads only if needed);
4. compose: themes, grouping, ranking and selection under the word budget;
5. extras: key figures and timeline;
6. render: Markdown, HTML, PDF, JSON into ``OUT/<date>/`` (never over an earlier briefing);
7. store: record which articles the briefing covered.

The CLI and the daemon are thin layers over this object; nothing here prints or exits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from briefing.analyse import Embedder, article_sentences, embed_texts, shared_embedder
from briefing.clean import clean_document
from briefing.compose import ThemeIndex, compose, theme_phrases
from briefing.config import Settings, Source
from briefing.errors import InputError
from briefing.models import Article, Briefing
from briefing.render import FORMATS, write_briefing
from briefing.sources import iter_source
from briefing.store import Store

log = logging.getLogger("briefing")

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class Problem:
    origin: str
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


@dataclass
class CollectResult:
    new: list[Article] = field(default_factory=list)
    updated: list[Article] = field(default_factory=list)
    known: int = 0
    problems: list[Problem] = field(default_factory=list)


@dataclass
class RenderResult:
    collected: CollectResult
    briefing: Briefing | None = None
    out_dir: Path | None = None
    paths: dict[str, Path] = field(default_factory=dict)
    message: str = ""

    @property
    def rendered(self) -> bool:
        return self.briefing is not None


class Pipeline:
    def __init__(self, settings: Settings, *, embedder: Embedder | None = None,
                 progress: Progress | None = None):
        self.settings = settings
        self.progress = progress
        self.store = Store(settings.database_path)
        self._embedder = embedder

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = shared_embedder()
        self._embedder.progress = (
            (lambda d, t: self.progress("embedding", d, t)) if self.progress else None)
        return self._embedder

    # 1. sources → clean → store ------------------------------------------------------------

    def collect(self, sources: Iterable[Source] | None = None) -> CollectResult:
        """Read every source once; store new articles; report what could not be used."""
        result = CollectResult()
        for source in (self.settings.sources if sources is None else sources):
            documents = problems = new = 0
            status = "ok"
            for doc in iter_source(source, self.settings, self.store):
                if isinstance(doc, InputError):
                    problems += 1
                    self._problem(result, doc, source)
                    if doc.origin == source.target:
                        status = f"error: {doc.reason}"
                    continue
                if doc.content == b"" and doc.media_type == "not-modified":
                    status = "not modified"
                    continue
                documents += 1
                try:
                    article = clean_document(doc, self.settings.language)
                except InputError as exc:
                    problems += 1
                    self._problem(result, exc, source)
                    continue
                outcome = self.store.add_article(article)
                if outcome == "new":
                    result.new.append(article)
                    new += 1
                elif outcome == "updated":
                    result.updated.append(article)
                    new += 1
                else:
                    result.known += 1
            if source.kind == "path" or status.startswith("error") or status == "ok":
                self.store.update_source(source.label, status=status, documents=documents,
                                         new_articles=new, problems=problems)
        return result

    def _problem(self, result: CollectResult, error: InputError, source: Source) -> None:
        result.problems.append(Problem(error.origin, error.reason))
        self.store.record_problem(error.origin, error.reason, source.label)
        log.warning("skipped %s: %s", error.origin, error.reason)

    # 2–7. the briefing ---------------------------------------------------------------------

    def render(self, *, all_articles: bool = False, formats: tuple[str, ...] = FORMATS,
               out_root: Path | None = None, sources: Iterable[Source] | None = None,
               now: datetime | None = None) -> RenderResult:
        collected = self.collect(sources)
        articles = self.store.articles(uncovered_only=not all_articles)
        result = RenderResult(collected=collected)
        if not articles:
            result.message = ("No new articles since the last briefing; nothing to render."
                              if self.store.article_count() else
                              "No articles found in the configured sources; nothing to render.")
            return result
        now = now or datetime.now(self.settings.tz)
        briefing = self.build(articles, now)
        if not briefing.items:
            result.message = (f"{len(articles)} article(s) read, but none had sentences "
                              "to summarise; nothing to render.")
            return result
        out_dir = self._new_out_dir(out_root or self.settings.output_dir, briefing.date)
        result.paths = write_briefing(briefing, self.settings, out_dir, formats)
        self.store.record_briefing(briefing.date, out_dir, [a.id for a in articles],
                                   len(briefing.items))
        result.briefing, result.out_dir = briefing, out_dir
        result.message = (f"Briefing of {len(articles)} article(s), {len(briefing.items)} "
                          f"items, written to {out_dir}")
        log.info(result.message)
        return result

    def build(self, articles: list[Article], now: datetime) -> Briefing:
        """Analyse and compose a briefing of these articles (no files written)."""
        from briefing.extras import key_figures, timeline

        sentences = [s for a in articles for s in article_sentences(a)]
        embeddings = embed_texts([s.text for s in sentences], self.embedder, self.store)
        index = self.theme_index()
        sections, top = compose(articles, sentences, embeddings, self.settings, index)
        by_id = {a.id: a for a in articles}
        cited = [aid for s in sections for i in s.items for aid in i.sources]
        figures = key_figures(sections)
        events = timeline(articles, sentences)
        cited += [aid for entry in figures + events for aid in entry["sources"]]
        cited_articles = [by_id[aid] for aid in dict.fromkeys(cited)]
        return Briefing(
            title=self.settings.title,
            date=now.date().isoformat(),
            generated_at=now.isoformat(timespec="seconds"),
            sections=sections,
            articles=cited_articles,
            top_lines=top,
            key_figures=figures,
            timeline=events,
            stats={"articles_considered": len(articles), "sentences": len(sentences),
                   "items": sum(len(s.items) for s in sections),
                   "words": sum(i.words for s in sections for i in s.items),
                   "budget_words": self.settings.budget_words},
        )

    def theme_index(self) -> ThemeIndex | None:
        themes = self.settings.themes
        if not themes:
            return None
        vectors = []
        for theme in themes:
            phrases = theme_phrases(theme)
            vectors.append(embed_texts(phrases, self.embedder, self.store))
        return ThemeIndex(themes, vectors)

    @staticmethod
    def _new_out_dir(root: Path, date: str) -> Path:
        """OUT/<date>/ for the day's first briefing, then <date>-2, -3 …: never overwrite."""
        candidate, n = root / date, 1
        while candidate.exists() and any(candidate.iterdir()):
            n += 1
            candidate = root / f"{date}-{n}"
        return candidate
