"""Incremental work: an article is cleaned and embedded once in its life, and a render with
nothing new to embed never loads the model (nor, in a fresh process, imports torch)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, write_config

import briefing.text.clean as clean_module
from briefing.analyse.embedder import Embedder
from briefing.compose.wording import with_context
from briefing.config import load_settings
from briefing.pipeline import Pipeline
from briefing.text.sentences import article_sentences

HEAVY = {"torch", "transformers", "weasyprint"}
# Runs `python -m briefing ARGS` and writes the top-level modules it imported to a file.
WRAPPER = """\
import atexit, json, runpy, sys
record = sys.argv.pop(1)
atexit.register(lambda: open(record, "w").write(
    json.dumps(sorted({name.split(".")[0] for name in sys.modules}))))
runpy.run_module("briefing", run_name="__main__", alter_sys=True)
"""

NEW_ARTICLE = """\
Estonia opens a new border crossing for freight

Estonia opened a new freight crossing on its southern border on Monday, the interior ministry
said in a statement. The crossing will handle up to four hundred lorries a day once the second
lane is finished next spring. Officials said the project cost about twelve million euros and
was paid for largely by European Union funds.

Local hauliers welcomed the opening, saying queues at the old checkpoint had stretched for
several kilometres during the winter months.
"""


def embedding_rows(settings) -> int:
    with sqlite3.connect(settings.database_path) as db:
        return db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]


class CountingClean:
    """The real clean_document, counting its calls."""

    def __init__(self):
        self.calls = 0
        self.real = clean_module.clean_document

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.real(*args, **kwargs)


@pytest.fixture
def rendered(project: Path):
    settings = load_settings(project / "config.yaml")
    with Pipeline(settings) as pipeline:
        result = pipeline.render(formats=("json",))
    assert result.rendered
    return project, settings, result


def test_a_warm_render_of_every_article_loads_no_model(rendered):
    _, settings, first = rendered
    rows = embedding_rows(settings)
    embedder = Embedder()
    with Pipeline(settings, embedder=embedder) as pipeline:
        result = pipeline.render(all_articles=True, formats=("json", "md"))
    assert result.rendered
    assert not embedder.loaded
    assert embedding_rows(settings) == rows
    # The cached vectors are the ones the model gave: the same articles, the same briefing.
    assert [i.text for i in result.briefing.items] == [i.text for i in first.briefing.items]


def test_nothing_new_is_neither_cleaned_again_nor_embedded(rendered, monkeypatch):
    _, settings, _ = rendered
    clean = CountingClean()
    monkeypatch.setattr(clean_module, "clean_document", clean)
    embedder = Embedder()
    with Pipeline(settings, embedder=embedder) as pipeline:
        result = pipeline.render()
    assert not result.rendered
    assert "No new articles" in result.message
    assert result.collected.known == 5 and not result.collected.new
    assert clean.calls == 0  # the five files were recognised by the hash of their bytes
    assert not embedder.loaded


def test_a_new_article_is_the_only_one_cleaned_and_embedded(rendered, monkeypatch):
    project, settings, _ = rendered
    (project / "seeds" / "900_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    clean = CountingClean()
    monkeypatch.setattr(clean_module, "clean_document", clean)
    embedder = Embedder()
    encoded: list[str] = []
    real_encode = embedder.encode

    def recording_encode(texts):
        encoded.extend(texts)
        return real_encode(texts)

    embedder.encode = recording_encode
    with Pipeline(settings, embedder=embedder) as pipeline:
        result = pipeline.render(formats=("json",))
        new = pipeline.store.articles(uncovered_only=False, ids=[a.id for a in
                                                                  result.collected.new])
    assert result.rendered
    assert clean.calls == 1
    assert [a.path for a in result.collected.new] == ["seeds/900_new.txt"]
    expected = {with_context(s.text, s.context) for s in article_sentences(new[0])}
    assert encoded and set(encoded) <= expected


def run_wrapped(project: Path, tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess,
                                                                     set[str]]:
    record = tmp_path / f"modules-{len(list(tmp_path.glob('modules-*')))}.json"
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", WRAPPER, str(record), *args], cwd=project,
                          capture_output=True, text=True, env=env, timeout=300)
    return done, set(json.loads(record.read_text()))


def test_a_warm_render_in_a_fresh_process_never_imports_torch(rendered, tmp_path):
    project, _, _ = rendered
    config = str(project / "config.yaml")
    done, modules = run_wrapped(project, tmp_path, "--config", config, "render", "--all",
                                "--format", "json,md")
    assert done.returncode == 0, done.stderr
    assert "Briefing of 5 article(s)" in done.stdout
    assert not modules & HEAVY
    done, modules = run_wrapped(project, tmp_path, "--config", config, "render")
    assert done.returncode == 0, done.stderr
    assert "No new articles" in done.stdout
    assert not modules & HEAVY


# Files the process opens, recorded by a real audit hook (hooks cannot be removed, so one is
# installed for the module and switched on around the code under test).
_OPENED: list[str] | None = None


def _record_open(event: str, args: tuple) -> None:
    if _OPENED is not None and event == "open" and isinstance(args[0], str | Path):
        _OPENED.append(os.path.abspath(args[0]))


sys.addaudithook(_record_open)


def render_recording_opens(settings) -> tuple[object, list[str]]:
    global _OPENED
    _OPENED = []
    try:
        with Pipeline(settings, embedder=Embedder()) as pipeline:
            result = pipeline.render(formats=("json",))
        return result, _OPENED
    finally:
        _OPENED = None


def test_an_unchanged_file_is_not_even_opened_again(rendered):
    project, settings, _ = rendered
    result, opened = render_recording_opens(settings)
    assert "No new articles" in result.message and result.collected.known == 5
    seeds = str(project / "seeds")
    assert not [p for p in opened if p.startswith(seeds)]


def test_a_file_rewritten_with_the_same_size_and_times_is_read_again(rendered):
    project, settings, first = rendered
    path = sorted((project / "seeds").glob("*.txt"))[0]
    before = path.stat()
    content = path.read_bytes()
    assert b"Ukraine" in content
    # Same length, new words; the modification time is set back as `cp -p` or rsync would.
    path.write_bytes(content.replace(b"Ukraine", b"Moldova"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    result, opened = render_recording_opens(settings)
    assert str(path) in opened
    assert [a.path for a in result.collected.new] == [f"seeds/{path.name}"]


def test_a_file_with_a_problem_is_read_every_run_and_its_problem_told_once(rendered):
    project, settings, _ = rendered
    bad = project / "seeds" / "broken.json"
    bad.write_text('{"text": "unterminated', encoding="utf-8")
    told = []
    for _ in range(2):
        result, opened = render_recording_opens(settings)
        told.append([p.origin for p in result.collected.problems])
        assert str(bad) in opened  # read again: it may have been fixed
    assert told == [["seeds/broken.json"], []]
    assert result.collected.repeated == 1
    # A new reason is news again.
    bad.write_text("{", encoding="utf-8")
    result, _ = render_recording_opens(settings)
    [problem] = result.collected.problems
    assert problem.origin == "seeds/broken.json" and "Unterminated" not in problem.reason


def _folder_of_articles(folder: Path, count: int) -> None:
    folder.mkdir()
    for n in range(count):
        (folder / f"a{n:04d}.json").write_text(json.dumps({
            "title": f"Council number {n} approves its budget",
            "text": f"The council of district {n} approved its budget for next year on "
                    f"Monday after a debate of {n + 2} hours."}), encoding="utf-8")


def test_a_folder_is_stored_in_batches_and_a_failure_rolls_back_only_the_open_one(
        tmp_path, monkeypatch):
    import briefing.pipeline as pipeline_module
    from briefing.store import Store

    monkeypatch.setattr(pipeline_module, "ARTICLES_PER_COMMIT", 4)
    monkeypatch.setattr(pipeline_module, "SECONDS_PER_COMMIT", 600.0)  # batches by count here
    _folder_of_articles(tmp_path / "news", 10)
    settings = load_settings(write_config(tmp_path, sources=[{"path": "news/"}]))
    real = Store.add_article
    stored = []

    def failing_on_the_seventh(self, article, document=None):
        if len(stored) == 6:
            raise sqlite3.OperationalError("disk I/O error")
        stored.append(article.id)
        return real(self, article, document)

    monkeypatch.setattr(Store, "add_article", failing_on_the_seventh)
    with Pipeline(settings) as pipeline, pytest.raises(Exception, match="disk I/O error"):
        pipeline.collect()
    with sqlite3.connect(settings.database_path) as db:  # the first batch of 4 is kept
        assert db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 4
    monkeypatch.setattr(Store, "add_article", real)
    with Pipeline(settings) as pipeline:  # read again: the rest is stored, nothing twice
        result = pipeline.collect()
        assert len(result.new) == 6 and result.known == 4
        assert pipeline.store.article_count() == 10
