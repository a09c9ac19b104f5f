"""The pipeline: one object that runs the stages in order over one config.

``Pipeline.render`` does, in order:

1. ``sources`` → ``text`` → ``store``: pick up new articles (``collect``): read each source,
   clean each raw document into an Article, store it by content hash; bad inputs become
   problems, remembered per source;
2. choose the articles to cover: those no earlier briefing covered (or all, with ``--all``)
   that are still news: published (or first seen) inside ``window_hours``; older ones are
   counted as left out;
3. ``text.sentences`` and ``analyse``: split sentences, embed them (cached by content; the
   model loads only if needed). The daemon's poll job does this as articles arrive
   (``prepare``), so at the briefing slot the vectors are cached;
4. ``compose``: group, file under themes, rank, word and select under the word budget;
5. ``summarize``: extractive by default, or a local seq2seq model whose every item must pass
   the faithfulness guard;
6. ``compose`` extras: key figures, timeline, stories across days (``memory``: what recent
   briefings reported is not repeated; a continuing story is marked developing);
7. ``render``: Markdown, HTML, PDF, JSON into a hidden partial folder beside a claimed
   ``OUT/<date>/`` (never over an earlier briefing, never shared: see ``render.writer``);
8. ``store``: record which articles the briefing covered, with the folder's final name, in
   one transaction; then rename the partial folder into place and rebuild the archive;
   remember the briefing's stories with their vectors (``compose.memory``).

One writer per ``state_dir``: ``collect`` and ``render`` hold ``state_dir/write.lock`` (so
do ``briefing send`` and each daemon job, through this object). A second one waits up to
``BRIEFING_LOCK_WAIT`` seconds (default ``LOCK_WAIT_SECONDS``), then fails naming the
holder's pid and command. The daemon holds ``daemon.lock`` for its life but this lock only
for one job at a time, so a CLI render waits for the daemon's current job, never for the
daemon.

Crash safety. Recording (step 8) commits before the rename, so at every point a crash
leaves one of: nothing recorded and only hidden leftovers (the next render removes them and
covers the same articles, under the same name); or the briefing recorded with its files
complete in the partial folder (the next render finishes the rename and the archive). So a
briefing is never visible without being recorded, nor recorded and lost. A failure (a full
disk, a folder that cannot be written) removes what it wrote and records nothing.

A database error at any step becomes one ``StoreError`` naming the file (``store_error``).

``deliver`` (email) and ``daemon`` (the schedule) run after and around this object. The CLI
and the daemon are thin layers over it; nothing here prints or exits.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing import clock
from briefing.config import Settings, Source
from briefing.errors import InputError, LockError, StoreError
from briefing.locks import file_lock
from briefing.records import Article, Briefing, Item, Sentence
from briefing.sources.budget import poll_budget
from briefing.sources.kinds import iter_source
from briefing.sources.records import FileDone, SourceStatus
from briefing.store import Store, StoryRecord, database_errors, store_error

if TYPE_CHECKING:
    import numpy as np

    from briefing.analyse.embedder import Embedder
    from briefing.compose.themes import ThemeIndex
    from briefing.compose.timeline import Reading, ReadingKey

# The stages after collecting (numpy, Jinja, the summarizers …) are imported by the steps that
# use them: a run that finds nothing new starts in a third of the time.

log = logging.getLogger("briefing")

Progress = Callable[[str, int, int], None]  # (stage, done, total)

WRITE_LOCK = "write.lock"
# ``briefing check`` tries the themes on the openings of the latest stored articles: enough
# to tell "most" from "some", few enough to embed in seconds (cached for the next render).
THEME_FIT_SAMPLE = 300
TAKEOVER_MIN_ITEMS = 6  # below this, most items in the catch-all may be the day's chance
OPENING_CHARS = 600  # an opening paragraph is cut here: the event is told in its start
LOCK_WAIT_SECONDS = 600.0  # a render of a big day takes minutes; a stuck holder is named after
LOCK_WAIT_ENV = "BRIEFING_LOCK_WAIT"
# Test-only: the name of a step (CRASH_STEPS) at which the process kills itself with SIGKILL,
# so tests can crash a real render exactly there. Never set it in production.
CRASH_AT_ENV = "BRIEFING_TEST_CRASH_AT"
CRASH_STEPS = ("written", "recorded", "revealed")
# A folder source's articles are committed this many at a time, or after this long (see
# _ArticleBatch): short enough that the daemon's other users of the store wait little.
ARTICLES_PER_COMMIT = 256
SECONDS_PER_COMMIT = 1.0
# Fewer articles than this left unread for the timeline are read in this process (Pipeline.build):
# a child process costs more than reading them.
TIMELINE_FORK_MIN_ARTICLES = 200


def lock_wait() -> float:
    """How long a writer waits for another one: ``BRIEFING_LOCK_WAIT`` seconds, if set."""
    value = os.environ.get(LOCK_WAIT_ENV, "")
    try:
        return max(float(value), 0.0) if value else LOCK_WAIT_SECONDS
    except ValueError:
        return LOCK_WAIT_SECONDS


@contextmanager
def write_lock(state_dir: Path, command: str) -> Iterator[None]:
    """Hold ``state_dir/write.lock`` for the block, as ``command`` (named to whoever waits)."""
    wait = lock_wait()

    def busy(holder: str) -> LockError:
        pid, _, what = holder.partition(" ")
        who = f"pid {pid}" + (f", briefing {what}" if what else "") if pid else "unknown"
        return LockError(
            f"state_dir {state_dir} is in use by another briefing process ({who}) and still "
            f"was after {wait:g} s; let it finish (or stop it) and run again; "
            f"{LOCK_WAIT_ENV} sets how long to wait")

    path = state_dir / WRITE_LOCK
    try:  # the lock file itself is the first write: a read-only state_dir stops here
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o644))
    except OSError as exc:
        raise StoreError(f"state_dir {state_dir}: cannot write its lock file {path.name} "
                         f"({exc.strerror or exc}); make state_dir writable or set it to a "
                         "writable folder") from None
    with file_lock(path, wait, busy, note=command):
        yield


def _crash_point(step: str) -> None:
    """Test-only (see CRASH_AT_ENV): die here, as ``kill -9`` would."""
    if os.environ.get(CRASH_AT_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


_DATE_ONLY = re.compile(r"\d{4}-\d\d-\d\d")


def window_start(settings: Settings, now: datetime) -> datetime | None:
    """The oldest moment that is still news for a briefing at ``now`` (None: no window)."""
    if not settings.window_hours:
        return None
    if now.tzinfo is None:  # a caller's wall-clock time: in the briefing's time zone
        now = now.replace(tzinfo=settings.tz)
    return now - timedelta(hours=settings.window_hours)


def article_time(article: Article, first_seen: str | None, settings: Settings
                 ) -> datetime | None:
    """When an article is from: its published date if it can be read, else when it was first
    seen. A bare date counts as that day's end, in the briefing's time zone: the story may be
    from any hour of it, and a day that overlaps the window is still news."""
    published = (article.published or "").strip()
    if published:
        try:
            moment = datetime.fromisoformat(published)
        except ValueError:
            moment = None  # a date as some site writes it: first seen says more
        if moment is not None:
            if _DATE_ONLY.fullmatch(published) and moment.year < datetime.max.year:
                moment += timedelta(days=1)
            return moment if moment.tzinfo else moment.replace(tzinfo=settings.tz)
    if first_seen:
        moment = datetime.fromisoformat(first_seen)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def is_old(article: Article, first_seen: str | None, cutoff: datetime,
           settings: Settings) -> bool:
    """Older than the window's start (an article of unknown time is news)."""
    moment = article_time(article, first_seen, settings)
    return moment is not None and moment < cutoff


def why_left_out(article: Article, first_seen: str | None, settings: Settings) -> str:
    """One line naming an article left out as old and why: what time it has, and from what."""
    published = article_time(article, None, settings)  # None: no readable date of its own
    moment = published or article_time(article, first_seen, settings)
    when = moment.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M %Z") if moment else "?"
    how = "published" if published is not None else "first seen"
    where = article.origin or article.path or article.url or article.id
    return (f"{article.title!r} ({article.source}; {where}): {how} {when}, older than the "
            f"{settings.window_hours:g}-hour window (window_hours)")


def left_out_as_old(store: Store, settings: Settings, now: datetime) -> list[str]:
    """Every article no briefing covered that the window leaves out at ``now``, named."""
    cutoff = window_start(settings, now)
    if cutoff is None:
        return []
    seen = store.first_seen()
    return [why_left_out(a, seen.get(a.id), settings)
            for a in store.articles(uncovered_only=True)
            if is_old(a, seen.get(a.id), cutoff, settings)]


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
    # Problems to tell: inputs rejected for the first time, or for another reason than last
    # time. ``repeated`` counts those rejected again as before: `briefing sources` lists them.
    problems: list[Problem] = field(default_factory=list)
    repeated: int = 0
    # Said once, when a document is first cleaned (a cleaned one is not cleaned again): what
    # was read in a way the user may want to know ("its published value 'nan' is not a date").
    notices: list[Problem] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len(self.problems) + self.repeated


NOTHING_NEW, NOTHING_USABLE = "nothing new", "nothing usable"


@dataclass
class RenderResult:
    collected: CollectResult
    briefing: Briefing | None = None
    out_dir: Path | None = None
    paths: dict[str, Path] = field(default_factory=dict)
    message: str = ""
    warnings: list[str] = field(default_factory=list)  # the CLI prints them on stderr
    # Why nothing was rendered: "nothing new" (every article covered or older than the
    # window: the run did its work) or "nothing usable" (no article in the sources, or none
    # with a sentence to summarise: the inputs are the problem). The CLI's exit status
    # follows it (README, "Exit status").
    nothing: str | None = None

    @property
    def rendered(self) -> bool:
        return self.briefing is not None

    @property
    def nothing_usable(self) -> bool:
        return self.nothing == NOTHING_USABLE


class _ArticleBatch:
    """Stores articles, committing every ``ARTICLES_PER_COMMIT`` of them or every
    ``SECONDS_PER_COMMIT`` (``batched``), else each on its own. Only for local files: a feed's
    next document may wait on the network, and the transaction would wait with it. A
    failure rolls the open batch back; its files are read again next time (a file is
    remembered as read only after its source is done)."""

    def __init__(self, store: Store, *, batched: bool):
        self.store = store
        self.batched = batched
        self._open: ExitStack | None = None
        self._count = 0
        self._since = 0.0

    def add(self, article: Article, digest: str) -> str:
        if self.batched and self._open is None:
            self._open = ExitStack()
            self._open.enter_context(self.store.transaction())
            self._count, self._since = 0, time.monotonic()
        outcome = self.store.add_article(article, document=digest)
        self._count += 1
        if self._open is not None and (self._count >= ARTICLES_PER_COMMIT
                                       or time.monotonic() - self._since > SECONDS_PER_COMMIT):
            self._end(None)
        return outcome

    def _end(self, exc: BaseException | None) -> None:
        stack, self._open = self._open, None
        if stack is not None:
            if exc is None:
                stack.close()  # commit
            else:
                stack.__exit__(type(exc), exc, exc.__traceback__)  # roll back

    def __enter__(self) -> _ArticleBatch:
        return self

    def __exit__(self, _type, exc, _tb) -> None:
        self._end(exc)


class Pipeline:
    def __init__(self, settings: Settings, *, embedder: Embedder | None = None,
                 progress: Progress | None = None):
        self.settings = settings
        self.progress = progress
        self.check_summarizer()  # the daemon and the CLI hear of a broken model folder at start
        self.store = Store(settings.database, settings.desk)
        self._embedder = embedder
        self._writing = 0  # collect inside render: the lock is taken once
        # The digests of the documents already cleaned, while a poll pass (``poll_pass``)
        # runs: read once for all its collects, not once per collect.
        self._cleaned: set[str] | None = None
        self.story_records: list[StoryRecord] = []  # the last build's, to remember
        # What the timeline read in each article the poll jobs prepared (``prepare``), for the
        # next build; emptied by it, so it holds one briefing's articles at most.
        self._readings: dict[ReadingKey, Reading] = {}
        # Each prepared article's sentences, likewise for the next build (splitting 10,000
        # articles took 1.4 s of the slot); their texts are the ones the name words are
        # kept by, so keeping them costs the sentence records only (about 20 MB a day).
        self._sentences: dict[ReadingKey, list[Sentence]] = {}
        # Called inside the transaction that records a briefing, with (connection, briefing
        # id, the folder its files are in now, the folder they will be moved to): the daemon
        # on a shared database ends its slot claim and queues the email there, so the three
        # are committed together or not at all (briefing.daemon.shared).
        self.on_record: Callable[[Any, int, Path, Path], None] | None = None

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from briefing.analyse.embedder import shared_embedder

            self._embedder = shared_embedder()
        self._embedder.progress = (
            (lambda d, t: self.progress("analysing", d, t)) if self.progress else None)
        return self._embedder

    # 1. sources → clean → store ------------------------------------------------------------

    @contextmanager
    def writing(self, command: str) -> Iterator[None]:
        """Hold the state_dir's write lock (once, however deeply nested) and turn a database
        error into one StoreError naming the file."""
        with self.store_errors():
            if self._writing:
                self._writing += 1
                try:
                    yield
                finally:
                    self._writing -= 1
                return
            with write_lock(self.settings.state_dir, command):
                self._writing = 1
                try:
                    yield
                finally:
                    self._writing = 0

    @contextmanager
    def store_errors(self) -> Iterator[None]:
        """A database error as one StoreError naming the store, not a traceback."""
        try:
            yield
        except database_errors() as exc:
            raise store_error(self.store.path, exc) from None

    def collect(self, sources: Iterable[Source] | None = None) -> CollectResult:
        """Read every source once; store new articles; report what could not be used."""
        # One collect is one poll: the feeds read in it share one budget (fetch.max_entries,
        # fetch.poll_seconds), and what it leaves is read by the next (see sources.budget).
        with self.writing("collect"), poll_budget(self.settings.fetch):
            try:
                return self._collect(sources)
            except BaseException:
                self._cleaned = None  # it may name articles rolled back: read them again
                raise

    @contextmanager
    def poll_pass(self) -> Iterator[None]:
        """Several collects as one pass over the sources (a daemon's batches of claimed
        sources): the digests of the documents already cleaned are read once, at the start,
        instead of once per collect (re-reading all of them for each batch of 50 feeds was
        a good part of a re-poll on a shared PostgreSQL). A document another daemon cleans
        meanwhile is then cleaned again here and found known when stored: harmless, as it
        was between two batches."""
        with self.store_errors():
            self._cleaned = self.store.known_documents()
        try:
            yield
        finally:
            self._cleaned = None

    def _collect(self, sources: Iterable[Source] | None) -> CollectResult:
        result = CollectResult()
        # A file unchanged since its documents were stored is not even read; a document
        # cleaned before (say, in a file that changed) is read and hashed, not cleaned again.
        known_files = self.store.known_files()
        cleaned = self._cleaned if self._cleaned is not None else self.store.known_documents()
        failed = {row["origin"] for row in self.store.problems()}  # to forget once they work
        todo = list(self.settings.sources if sources is None else sources)
        for done, source in enumerate(todo):
            if self.progress:  # feeds can take seconds each
                self.progress("reading", done, len(todo))
            documents = problems = new = 0
            file_problems = 0  # problems at the start of the current file
            stored_files: list[tuple[str, str, int]] = []
            status = "ok"
            validators: dict[str, str | None] = {}
            # A folder's articles are stored some hundreds to a transaction (a commit per
            # article was a tenth of reading 1,655 short ones); a feed's one by one.
            with _ArticleBatch(self.store, batched=source.kind == "path") as batch:
                for doc in iter_source(source, self.settings, self.store, known_files):
                    if isinstance(doc, FileDone):
                        if doc.unchanged:
                            documents += doc.documents
                            result.known += doc.documents
                        elif doc.signature and problems == file_problems:
                            # A file with a problem is not remembered: it is read, and its
                            # problem told, again on every run (a remembered signature that no
                            # longer matches is harmless: it only ever makes a file be read).
                            stored_files.append((doc.path, doc.signature, doc.documents))
                        file_problems = problems
                        continue
                    if isinstance(doc, InputError):
                        problems += 1
                        self._problem(result, doc, source)
                        if doc.origin == source.target:
                            status = f"error: {doc.reason}"
                        continue
                    # A feed or page's last word: 304, or its validators.
                    if isinstance(doc, SourceStatus):
                        validators = {"etag": doc.etag, "last_modified": doc.last_modified}
                        if doc.not_modified:
                            status = "not modified"
                        continue
                    documents += 1
                    digest = self.store.document_digest(doc, self.settings.language)
                    if digest in cleaned:  # cleaned before into a stored article: nothing new
                        result.known += 1
                        continue
                    from briefing.text.language import preload

                    preload()  # the language model, on the other core while this one cleans
                    from briefing.text import clean  # first new document: ftfy and the cleaner

                    try:
                        article = clean.clean_document(doc, self.settings.language)
                    except InputError as exc:
                        problems += 1
                        self._problem(result, exc, source)
                        continue
                    result.notices += [Problem(doc.origin, note) for note in article.notes
                                       if note.startswith(clean.NOT_A_DATE)]
                    outcome = batch.add(article, digest)
                    cleaned.add(digest)
                    if outcome in ("new", "updated") and doc.origin in failed:
                        self.store.clear_problems(doc.origin)  # it works now
                    if outcome == "new":
                        result.new.append(article)
                        new += 1
                    elif outcome == "updated":
                        result.updated.append(article)
                        new += 1
                    else:
                        result.known += 1
            self.store.remember_files(stored_files)
            if source.target in failed and not status.startswith("error"):
                self.store.clear_problems(source.target)  # the feed or folder itself works
            # Validators are stored only with the status of a fetch whose documents were all
            # stored; otherwise the previous ones are kept (update_source keeps them).
            self.store.update_source(source.label, status=status, documents=documents,
                                     new_articles=new, problems=problems, **validators)
        if self.progress and todo:
            self.progress("reading", len(todo), len(todo))
        return result

    def _problem(self, result: CollectResult, error: InputError, source: Source) -> None:
        if self.store.record_problem(error.origin, error.reason, source.label):
            result.problems.append(Problem(error.origin, error.reason))
            log.warning("skipped %s: %s", error.origin, error.reason)
        else:  # told when first seen; `briefing sources` lists it
            result.repeated += 1
            log.debug("skipped again %s: %s", error.origin, error.reason)

    # 2–7. the briefing ---------------------------------------------------------------------

    def render(self, *, all_articles: bool = False, formats: tuple[str, ...] | None = None,
               out_root: Path | None = None, sources: Iterable[Source] | None = None,
               now: datetime | None = None, explain: bool = False) -> RenderResult:
        """Collect, then brief the articles not yet covered (or all); ``formats`` defaults to
        every format (``briefing.render.FORMATS``). ``explain`` also writes ``themes.md``
        beside the briefing: each item's section and its score for every theme."""
        self.check_summarizer()  # a broken model folder stops here, before any work
        with self.writing("render"):
            return self._render(all_articles, formats, out_root or self.settings.output_dir,
                                sources, now, explain)

    def _render(self, all_articles: bool, formats: tuple[str, ...] | None, out_root: Path,
                sources: Iterable[Source] | None, now: datetime | None,
                explain: bool) -> RenderResult:
        from briefing.render.writer import check_output_root

        # An output folder that cannot be written stops the run before anything is stored.
        check_output_root(out_root)
        self._reconcile(out_root)
        with self.stage("reading", counted=True), poll_budget(self.settings.fetch):
            collected = self._collect(sources)  # one render is one poll (see collect)
        _return_freed_memory()  # cleaning's garbage, before the model and the vectors come
        now = now or clock.now().astimezone(self.settings.tz)
        articles, old = self.choose(all_articles=all_articles, now=now)
        if old:
            seen = self.store.first_seen()
            for article in old:  # named under --verbose; `briefing sources` lists them too
                log.info("left out %s", why_left_out(article, seen.get(article.id),
                                                     self.settings))
        result = RenderResult(collected=collected)
        left_out = self._left_out_note(old)
        if not articles:
            found = bool(old) or self.store.article_count() > 0
            result.nothing = NOTHING_NEW if found else NOTHING_USABLE
            result.message = (f"No new articles inside the window{left_out}; nothing to render."
                              if old else
                              "No new articles since the last briefing; nothing to render."
                              if found else
                              "No articles found in the configured sources; nothing to render.")
            return result
        # Stories across days (compose.memory): recent briefings' lines are not repeated;
        # ``--all`` asks for every article again, so there they are marked, not left out.
        from briefing.heap import frozen_heap

        with frozen_heap():  # the day's objects are not walked by every full collection
            briefing = self.build(articles, now, omit_reported=not all_articles)
        if not briefing.items:
            result.nothing = NOTHING_USABLE
            result.message = (f"{len(articles)} article(s) read, but none had sentences "
                              f"to summarise{left_out}; nothing to render.")
            return result
        takeover = self._catchall_takeover(briefing)
        if takeover:
            log.warning(takeover)
            result.warnings.append(takeover)
        briefing.stats["window_hours"] = self.settings.window_hours
        briefing.stats["left_out_old"] = len(old)
        from briefing.compose.novelty import mark_new
        from briefing.render.writer import FORMATS

        previous = self.store.last_briefing()
        if previous is not None:
            briefing.stats["previous_briefing"] = previous["date"]
            if all(i.new is None for i in briefing.items):
                # No stories remembered (a database from before they were): "new" falls back
                # to "cites an article no earlier briefing covered", before coverage is
                # recorded.
                mark_new(briefing, self.store.covered_ids(), previous["date"])
        with frozen_heap(), self.stage("rendering"):
            out_dir, result.paths = self._publish(briefing, out_root, articles,
                                                  formats or FORMATS)
        if explain:
            result.paths["themes"] = self.write_explanation(briefing, out_dir)
        self._write_archive(out_root)
        result.briefing, result.out_dir = briefing, out_dir
        silent = briefing.stats.get("nothing_to_brief", 0)
        result.message = (f"Briefing of {len(articles)} article(s), {len(briefing.items)} "
                          f"items, written to {out_dir}{left_out}"
                          + (f"; {silent} article(s) with no line that reads as news on its "
                             "own (a label, a list, a header) not briefed" if silent else ""))
        log.info(result.message)
        return result

    # 2. the articles to cover ------------------------------------------------------------

    def choose(self, *, all_articles: bool = False, now: datetime | None = None
               ) -> tuple[list[Article], list[Article]]:
        """The articles a briefing at ``now`` covers, and the ones it leaves out as old.

        Covered: those no earlier briefing covered (with ``all_articles``, every article),
        published (or, without a date, first seen) inside ``window_hours`` before ``now``.
        Left out as old: the rest of those, counting only articles first seen since the last
        briefing (every one, with ``all_articles``), so a feed's archive is reported once,
        in the briefing after it arrived, not again every day."""
        now = now or clock.now()
        candidates = self.store.articles(uncovered_only=not all_articles)
        cutoff = window_start(self.settings, now)
        if cutoff is None or not candidates:
            return candidates, []
        seen = self.store.first_seen()
        inside = self._inside_window(candidates, cutoff, seen)
        if len(inside) == len(candidates):
            return candidates, []
        previous = None if all_articles else self.store.last_briefing()
        since = previous["created_at"] if previous is not None else ""
        kept = {a.id for a in inside}
        # first_seen and created_at are both clock.now_iso() text: they compare as times.
        old = [a for a in candidates if a.id not in kept and (seen.get(a.id) or "") > since]
        return inside, old

    def _inside_window(self, articles: list[Article], cutoff: datetime,
                       seen: dict[str, str]) -> list[Article]:
        """The articles not older than ``cutoff`` (``seen``: id → first seen)."""
        return [a for a in articles if not is_old(a, seen.get(a.id), cutoff, self.settings)]

    def _left_out_note(self, old: list[Article]) -> str:
        if not old:
            return ""
        return (f"; {len(old)} article(s) older than the {self.settings.window_hours:g}-hour "
                "window left out (`briefing sources` names them)")

    # 3. sentences and vectors -------------------------------------------------------------

    def analyse(self, articles: list[Article], *, keep: bool = False
                ) -> tuple[list[Sentence], np.ndarray]:
        """Split the articles' sentences and embed them (cached by text): the one place that
        says which texts compose groups by, so the poll job's vectors (``prepare``) are the
        ones the briefing finds in the cache. ``keep``: keep each article's sentences for the
        next build (the poll job's ``prepare``), which then splits none of them again."""
        from briefing.analyse.embedder import embed_texts
        from briefing.compose.timeline import reading_key
        from briefing.compose.wording import with_context
        from briefing.text.sentences import article_sentences

        keys = [reading_key(a) for a in articles]
        per_article = [kept if (kept := self._sentences.get(key)) is not None
                       else article_sentences(a) for a, key in zip(articles, keys, strict=True)]
        if keep:
            self._sentences.update(zip(keys, per_article, strict=True))
        sentences = [s for found in per_article for s in found]
        # A sentence that leans on the one before ("the two agreed to meet") is embedded with
        # it, so it groups with the fact it reports; its evidence stays the exact sentence.
        embeddings = embed_texts([with_context(s.text, s.context) for s in sentences],
                                 self.embedder, self.store)
        return sentences, embeddings

    def prepare(self, articles: list[Article], *, now: datetime | None = None) -> int:
        """The poll job's share of the next briefing: analyse the new articles that are
        inside the window now (they stay inside it until the briefing, whose window starts
        later), and the theme phrases, so the briefing slot embeds nothing. Returns how many
        sentences were analysed."""
        cutoff = window_start(self.settings, now or clock.now())
        if cutoff is not None:
            articles = self._inside_window(articles, cutoff, self.store.first_seen())
        if not articles:
            return 0
        sentences, _ = self.analyse(articles, keep=True)
        self.theme_index()  # cached after the first time: a lookup
        self._read_ahead(articles, sentences)
        return len(sentences)

    def _read_ahead(self, articles: list[Article], sentences: list[Sentence]) -> None:
        """What compose reads in each text alone, read now rather than at the slot: each
        sentence's names (grouping, key figures; kept by text), its particulars (the figures,
        dates and names that tell like events apart in grouping and selection; kept by
        text), its informativeness when fact scores weigh it, the figures it states (key
        figures; kept by text) and what the timeline finds in each article."""
        from briefing.compose.figures import read_figures_ahead
        from briefing.compose.particulars import particulars
        from briefing.compose.ranking import informativeness
        from briefing.compose.timeline import read_article, reading_key
        from briefing.compose.weights import STORY_WEIGHTS
        from briefing.text.patterns import name_words

        for sentence in sentences:
            name_words(sentence.text)
            particulars(sentence.text)
            if STORY_WEIGHTS.information:  # 0 by default: nothing to read ahead
                informativeness(sentence.text)
        read_figures_ahead(s.text for s in sentences)
        for article in articles:
            self._readings[reading_key(article)] = read_article(article)

    def _publish(self, briefing: Briefing, out_root: Path, articles: list[Article],
                 formats: tuple[str, ...]) -> tuple[Path, dict[str, Path]]:
        """Write, record, reveal (module docstring, step 8); return the folder and files."""
        from briefing.render.writer import (
            OutputError,
            abandon,
            claim_folder,
            owner_tag,
            render_files,
            reveal,
            write_files,
        )

        files = render_files(briefing, self.settings, formats)
        try:
            claim = claim_folder(out_root, briefing.date, owner_tag(self.settings.database_path))
        except OSError as exc:
            raise OutputError(f"output folder {out_root}: cannot make the briefing folder "
                              f"({exc.strerror or exc}); check that it can be written"
                              ) from None
        try:
            written = write_files(files, claim.partial)
            _crash_point("written")
            with self.store.transaction() as db:  # the briefing and what on_record adds
                briefing_id = self.store.record_briefing(briefing.date, claim.folder,
                                                         [a.id for a in articles],
                                                         len(briefing.items))
                if self.on_record is not None:
                    self.on_record(db, briefing_id, claim.partial, claim.folder)
        except OSError as exc:
            abandon(claim)
            raise OutputError(
                f"output folder {out_root}: cannot write the briefing "
                f"({exc.strerror or exc}); free some space or set output_dir (or --out) to "
                "another folder. Nothing was recorded: the next render covers the same "
                "articles") from None
        except BaseException:
            abandon(claim)
            raise
        _crash_point("recorded")
        # What the next briefing compares its stories with (compose.memory). After the
        # recording, outside the abandon paths: a failure here leaves a recorded briefing in
        # its partial folder, which the next render moves into place (_reconcile).
        self.store.remember_stories(briefing_id, self.story_records)
        try:
            reveal(claim)
        except OSError as exc:  # recorded: the next render finishes the rename (_reconcile)
            raise OutputError(f"{claim.folder}: recorded but could not be moved into place "
                              f"({exc.strerror or exc}); run again to finish it") from None
        _crash_point("revealed")
        return claim.folder, {fmt: claim.folder / path.name for fmt, path in written.items()}

    def _reconcile(self, out_root: Path) -> None:
        """Finish or remove what a crash of this state_dir's last render left in out_root:
        a recorded briefing still in its partial folder is moved into place; an unrecorded
        one is removed (its articles are still uncovered); a stale archive is rebuilt."""
        from briefing.render.writer import (
            OutputError,
            abandon,
            leftover_claims,
            owner_tag,
            reveal,
        )

        recorded = {row["out_dir"] for row in self.store.briefings()}
        changed = False
        for claim in leftover_claims(out_root, owner_tag(self.settings.database_path)):
            if str(claim.folder) in recorded and not _has_files(claim.folder):
                try:
                    reveal(claim)
                except OSError as exc:
                    raise OutputError(f"{claim.partial}: a briefing a crash cut short cannot "
                                      f"be moved to {claim.folder} ({exc.strerror or exc}); "
                                      "move it there by hand") from None
                log.warning("finished %s, which a crash had cut short", claim.folder)
            else:
                abandon(claim)
                log.warning("removed %s, left unrecorded by a crash", claim.partial)
            changed = True
        last = self.store.last_briefing()
        if last is not None and Path(last["out_dir"]).parent == out_root:
            index = out_root / "index.html"
            newest = max((f.stat().st_mtime for f in Path(last["out_dir"]).glob("briefing.*")),
                         default=0.0)
            changed |= newest > (index.stat().st_mtime if index.exists() else 0.0)
        if changed:
            self._write_archive(out_root)

    def _write_archive(self, out_root: Path) -> None:
        """Rebuild OUT/index.html and OUT/feed.xml; a failure here never fails the render."""
        from briefing.editions import refresh_archive

        refresh_archive(self.settings, self.store, out_root)

    def build(self, articles: list[Article], now: datetime, *,
              omit_reported: bool = True) -> Briefing:
        """Analyse and compose a briefing of these articles (no files written). Its stories
        are matched against recent briefings' (``compose.memory``): lines they reported are
        left out (unless not ``omit_reported``), stories marked new or developing; the
        stories to remember once it is recorded are left in ``story_records``."""
        from briefing.beside import Beside
        from briefing.compose.core import compose
        from briefing.compose.evidence import hold_evidence
        from briefing.compose.figures import key_figures
        from briefing.compose.memory import recall, recent_since, reported_vectors
        from briefing.compose.timeline import reading_key
        from briefing.summarize.summarizers import apply_summarizer, summarizer_stats

        # The timeline and the outlets read each article alone, without vectors. Unless the
        # poll jobs read them ahead, that is done in a child on the other core (``beside``)
        # while this process loads the model, which keeps one core busy (importing torch,
        # reading its weights) for longer than the reading takes: a tenth of a cold render's
        # time besides the model (1,655 articles, bench/real_day.py). The same either way.
        unread = sum(reading_key(a) not in self._readings for a in articles)
        with Beside(_read_alone, articles, self._readings,
                    fork=unread >= TIMELINE_FORK_MIN_ARTICLES) as reading:
            with self.stage("analysing", counted=True):
                sentences, embeddings = self.analyse(articles)
                index = self.theme_index()
            events, outlets = reading.result()
        day = now.date().isoformat()
        recent = self.store.recent_stories(recent_since(day))
        reported = reported_vectors(recent)
        with self.stage("composing"):
            sections, top = compose(articles, sentences, embeddings, self.settings, index,
                                    reported=reported if omit_reported else None,
                                    outlets=outlets)
        # Rewrites items in place (top lines are the same objects); the guard keeps the
        # extractive text wherever a generated one is not faithful to its evidence.
        with self.stage("summarizing", counted=True):
            sections = apply_summarizer(sections, self.settings, self.embedder, self.store,
                                        progress=self._stage_progress("summarizing"))
        # Each item's and fact's first evidence is the sentence its wording came from: its
        # vector is the one compose used (with its context), so lines compare across days.
        rows = {(s.article_id, s.text): n for n, s in enumerate(sentences)}
        of_article: dict[str, list[int]] = {}
        for n, s in enumerate(sentences):
            of_article.setdefault(s.article_id, []).append(n)

        def told(item: Item) -> tuple[np.ndarray, list[str]]:
            told_rows = [n for aid in item.articles for n in of_article.get(aid, [])]
            return embeddings[told_rows], [sentences[n].text for n in told_rows]

        self.story_records = recall(
            [i for s in sections for i in s.items], day,
            lambda e: embeddings[rows[(e.article, e.text)]], recent,
            self.settings.group_threshold, told=told, reported=reported)
        by_id = {a.id: a for a in articles}
        # Every article an item cites, its facts' too: a fact may come from another story of
        # the item's subject (compose.subjects), and its article is covered all the same.
        cited = [aid for s in sections for i in s.items for aid in i.articles]
        with self.stage("extras"):  # key figures and the timeline
            figures = key_figures(sections, sentences)
            # Every line is final here: each evidence sentence must state its line's fact;
            # a story's other articles become its story_sources (compose.evidence).
            before = {(s.article_id, s.text): s.context for s in sentences}
            held = hold_evidence(sections, figures, events,
                                 lambda article, text: before.get((article, text), ""))
            log.info("evidence: %d sentence(s) that do not state their line's fact and %d "
                     "key figure(s) left out", held.dropped_evidence, held.dropped_figures)
        self._readings.clear()  # these articles are covered once this briefing is recorded
        self._sentences.clear()
        cited += [aid for entry in figures + events for aid in entry["sources"]]
        cited_articles = [by_id[aid] for aid in dict.fromkeys(cited)]
        items = [i for s in sections for i in s.items]
        stats: dict[str, int] = {}
        if recent:
            stats = {"new_items": sum(1 for i in items if i.new),
                     "developing_items": sum(1 for i in items if i.developing),
                     "new_facts": sum(1 for i in items for f in i.facts if f.new)}
        return Briefing(
            title=self.settings.title,
            date=day,
            generated_at=now.isoformat(timespec="seconds"),
            sections=sections,
            articles=cited_articles,
            top_lines=top,
            key_figures=figures,
            timeline=events,
            stats={"articles_considered": len(articles), "sentences": len(sentences),
                   # Articles of which no line reads as news on its own (a show's guest
                   # list, a label, a chronology's header): stored, not briefed, and told.
                   "nothing_to_brief": len({a.id for a in articles}
                                           - {s.article_id for s in sentences}),
                   "items": sum(len(s.items) for s in sections),
                   "words": sum(i.story_words for s in sections for i in s.items),
                   "budget_words": self.settings.budget_words,
                   "summarizer": summarizer_stats(self.settings, sections), **stats},
        )

    def write_explanation(self, briefing: Briefing, out_dir: Path) -> Path:
        """``out_dir/themes.md``: why each item is in its section (see ``explain_table``).
        An item is scored by what it cites, the same sentences its section was chosen by."""
        import numpy as np

        from briefing.analyse.embedder import embed_texts
        from briefing.compose.themes import explain_table

        path = out_dir / "themes.md"
        index = self.theme_index()
        items = [i for s in briefing.sections for i in s.items]
        if index is None:
            path.write_text("No themes are configured: the briefing is one generic summary.\n",
                            encoding="utf-8")
            return path
        vectors = np.zeros((0, 0), dtype=np.float32)
        if items:
            cited = [[e.text for e in i.evidence] or [i.text] for i in items]
            embedded = embed_texts([t for texts in cited for t in texts], self.embedder,
                                   self.store)
            rows, at = [], 0
            for texts in cited:
                rows.append(embedded[at:at + len(texts)].mean(axis=0))
                at += len(texts)
            vectors = np.stack(rows)
        path.write_text(explain_table(index, items, vectors, self.settings.theme_threshold),
                        encoding="utf-8")
        return path

    def check_summarizer(self) -> None:
        """Raise ConfigError (naming summarizer.model) if the abstractive model cannot serve."""
        if self.settings.summarizer.method == "abstractive":
            from briefing.summarize.summarizers import check_model

            check_model(self.settings.summarizer)

    def _stage_progress(self, stage: str):
        return (lambda d, t: self.progress(stage, d, t)) if self.progress else None

    @contextmanager
    def stage(self, name: str, *, counted: bool = False) -> Iterator[None]:
        """One stage of a render: its time logged (``--verbose``), and, unless it reports its
        own counts (``counted``), shown as begun and done on the progress display."""
        started = time.perf_counter()
        if self.progress and not counted:
            self.progress(name, 0, 1)
        yield
        if self.progress and not counted:
            self.progress(name, 1, 1)
        log.info("stage %s: %.2f s", name, time.perf_counter() - started)

    def _catchall_takeover(self, briefing: Briefing) -> str | None:
        """A warning when the catch-all holds most of a briefing's items: its phrases or
        floor may have been copied with a config written for other themes (issue 26)."""
        from briefing.config import CATCHALL_ID, CATCHALL_MOST

        items = briefing.items
        other = sum(i.theme == CATCHALL_ID for i in items)
        if not self.settings.themes or len(items) < TAKEOVER_MIN_ITEMS \
                or other <= CATCHALL_MOST * len(items):
            return None
        return (f"{other} of {len(items)} items went to \"{self.settings.catchall_title}\": "
                "the catch-all's phrases or floor may have been set for other themes; "
                "`briefing check` names the key")

    def theme_fit(self, sample: int = THEME_FIT_SAMPLE) -> list[str]:
        """Warnings when the catch-all's phrases or floor would take most of the latest
        ``sample`` stored articles' openings from the themes (settings written for other
        themes, issue 26): each names the key and what to do. Empty when they fit or when
        nothing is stored yet."""
        from briefing.analyse.embedder import embed_texts
        from briefing.compose.themes import catchall_take
        from briefing.config import theme_fit_warnings

        index = self.theme_index()
        articles = self.store.articles(uncovered_only=False)[-sample:]
        openings = [a.paragraphs[0][:OPENING_CHARS] for a in articles if a.paragraphs]
        if index is None or not openings:
            return []
        vectors = embed_texts(openings, self.embedder, self.store)
        return theme_fit_warnings(self.settings,
                                  catchall_take(index, vectors, self.settings.theme_threshold))

    def theme_index(self) -> ThemeIndex | None:
        from briefing.compose.themes import index_for

        return index_for(self.settings, self.embedder, self.store)


def _read_alone(articles: list[Article], readings: Mapping[ReadingKey, Reading]
                ) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """What a briefing reads in each article alone (no vectors, no store): the timeline's
    events (``readings``: the articles the poll jobs read ahead) and each article's outlet."""
    from briefing.compose.outlets import outlet_keys
    from briefing.compose.timeline import timeline

    return timeline(articles, None, readings), outlet_keys(articles)


def _return_freed_memory() -> None:
    """Collect garbage and hand the heap's free pages back to the system (glibc's
    ``malloc_trim``) at a stage boundary. Cleaning a long article frees many small blocks
    between live ones; glibc keeps those pages unless asked, and the next stages' peak
    (the model, the vectors) then comes on top of them: 16 MB after a 5 MB article. Not glibc
    (macOS, musl): only the garbage collection."""
    import ctypes
    import gc

    gc.collect()
    try:  # the process's own symbols: libc's, without searching for the library file
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


def _has_files(folder: Path) -> bool:
    return folder.is_dir() and any(folder.iterdir())
