"""The briefing slot's shortcuts change nothing: a step run in a forked child, the heap frozen
during the build, the figures and sentences the poll jobs read ahead, the neighbour lists."""

from __future__ import annotations

import gc
import os
from datetime import UTC, datetime

import numpy as np
import pytest
from conftest import analyse_seeds

from briefing import beside
from briefing.analyse.embedder import shared_embedder
from briefing.analyse.neighbours import find_pairs
from briefing.beside import FORK_ENV, Beside
from briefing.compose import core, figures
from briefing.compose.core import compose
from briefing.compose.figures import figures_of_text, key_figures, read_figures_ahead
from briefing.compose.grouping import group_sentences
from briefing.config import settings_from_mapping
from briefing.heap import frozen_heap
from briefing.pipeline import Pipeline
from briefing.records import Sentence
from briefing.text import sentences as sentences_module

needs_fork = pytest.mark.skipif(not beside.can_fork(), reason="no fork or one core")


@pytest.fixture(scope="module")
def seeds():
    return analyse_seeds()


def _pid_and(value: int) -> tuple[int, int]:
    return os.getpid(), value * 2


def _fails(value: int) -> int:
    raise ValueError(f"no good: {value}")


def _dies(value: int) -> int:
    if os.getpid() != PARENT:
        os._exit(3)  # the child dies without an answer
    return value + 1


PARENT = os.getpid()


def _hangs_in_the_child(value: int) -> int:
    if os.getpid() != PARENT:
        import time
        time.sleep(3600)  # stuck, as on a lock held at fork time
    return value + 2


# --- beside ---------------------------------------------------------------------------------


@needs_fork
def test_a_step_beside_runs_in_a_child_and_its_result_comes_back():
    with Beside(_pid_and, 21) as job:
        assert job.forked
        pid, value = job.result()
    assert value == 42
    assert pid != os.getpid()


def test_a_step_runs_here_when_forking_is_off_or_not_worth_it(monkeypatch):
    with Beside(_pid_and, 1, fork=False) as job:
        assert not job.forked
        assert job.result() == (os.getpid(), 2)
    monkeypatch.setenv(FORK_ENV, "0")
    with Beside(_pid_and, 2) as job:
        assert not job.forked
        assert job.result() == (os.getpid(), 4)


@needs_fork
def test_a_child_that_dies_leaves_the_step_to_the_caller():
    global PARENT
    PARENT = os.getpid()
    with Beside(_dies, 1) as job:
        assert job.result() == 2
        assert not job.forked


@needs_fork
def test_a_child_that_gives_no_answer_in_time_is_killed_and_the_caller_computes(monkeypatch):
    global PARENT
    PARENT = os.getpid()
    monkeypatch.setattr(beside, "CHILD_TIMEOUT_SECONDS", 0.5)
    with Beside(_hangs_in_the_child, 1) as job:
        pid = job._pid
        assert job.result() == 3
        assert not job.forked
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # killed and reaped


@needs_fork
def test_a_step_that_fails_in_the_child_fails_in_the_caller_with_its_own_error():
    with Beside(_fails, 5) as job, pytest.raises(ValueError, match="no good: 5"):
        job.result()


@needs_fork
def test_a_child_never_asked_for_its_result_is_stopped_and_reaped():
    with Beside(_pid_and, 3) as job:
        pid = job._pid
        assert pid
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


@needs_fork
def test_fact_grouping_in_a_child_composes_the_same_briefing(seeds, monkeypatch):
    articles, sentences, vectors = seeds
    settings = settings_from_mapping({})
    here, _ = compose(articles, sentences, vectors, settings, None)
    forked: list[bool] = []
    real = Beside.result

    def result(self):
        forked.append(self.forked)
        return real(self)

    monkeypatch.setattr(core, "FORK_MIN_SENTENCES", 0)
    monkeypatch.setattr(Beside, "result", result)
    there, _ = compose(articles, sentences, vectors, settings, None)
    assert forked == [True]
    assert [i.to_json() for s in there for i in s.items] == \
        [i.to_json() for s in here for i in s.items]


@needs_fork
def test_the_timeline_read_in_a_child_is_the_one_read_here(project, monkeypatch):
    import briefing.pipeline as pipeline_module
    from briefing.config import load_settings

    steps: list[tuple[str, bool]] = []
    real = Beside.result

    def result(self):
        steps.append((self._fn.__name__, self.forked))
        return real(self)

    monkeypatch.setattr(Beside, "result", result)
    now = datetime(2022, 1, 22, 9, 0, tzinfo=UTC)
    with Pipeline(load_settings(project / "config.yaml")) as pipeline:
        pipeline.collect()
        articles, _ = pipeline.choose(all_articles=True, now=now)
        monkeypatch.setattr(pipeline_module, "TIMELINE_FORK_MIN_ARTICLES", 10 ** 9)
        here = pipeline.build(articles, now)
        monkeypatch.setattr(pipeline_module, "TIMELINE_FORK_MIN_ARTICLES", 0)
        there = pipeline.build(articles, now)
    assert ("_read_alone", False) in steps and ("_read_alone", True) in steps
    assert here.timeline and there.timeline == here.timeline
    assert there.to_json() == here.to_json()


# --- the heap -------------------------------------------------------------------------------


def test_frozen_heap_hides_the_old_objects_during_the_block_only():
    kept = [object() for _ in range(1000)]
    with frozen_heap():
        assert gc.get_freeze_count() >= len(kept)
    assert gc.get_freeze_count() == 0


def test_frozen_heap_is_undone_when_the_block_fails():
    with pytest.raises(RuntimeError), frozen_heap():
        raise RuntimeError("stop")
    assert gc.get_freeze_count() == 0


# --- figures read ahead ---------------------------------------------------------------------


def test_figures_kept_by_text_are_given_each_sentence_they_are_found_in():
    text = "The ferry carried 118 passengers when it sank off Crete."
    one = Sentence("a1", 0, 0, text)
    two = Sentence("a2", 4, 1, text, context="The storm came at night.")
    figures_of_text.cache_clear()
    read_figures_ahead([text])
    assert figures_of_text.cache_info().currsize == 1
    found = figures._figures_in(one) + figures._figures_in(two)
    assert [f.sentence for f in found] == [one, two]
    assert [f.figure for f in found] == ["118 passengers", "118 passengers"]
    assert figures_of_text(text)[0].sentence.article_id == ""  # the kept one is nobody's


def test_key_figures_are_the_same_read_ahead_or_not(seeds):
    _, sentences, _ = seeds
    figures_of_text.cache_clear()
    cold = key_figures([], sentences)
    read_figures_ahead(s.text for s in sentences)
    assert key_figures([], sentences) == cold
    assert cold  # the seeds state figures


def test_a_sentence_too_long_to_keep_is_read_each_time():
    text = "In all 4,000 soldiers were moved. " + "word " * 500
    figures_of_text.cache_clear()
    read_figures_ahead([text])
    assert figures_of_text.cache_info().currsize == 0
    assert [f.figure for f in figures._figures_in(Sentence("a", 0, 0, text))] == \
        ["4,000 soldiers"]


# --- sentences kept from the poll jobs ------------------------------------------------------


def test_the_build_splits_no_article_a_poll_job_prepared(tmp_path, seeds, monkeypatch):
    articles = seeds[0]
    settings = settings_from_mapping({"state_dir": str(tmp_path / "state"),
                                      "window_hours": 0})
    now = datetime(2024, 3, 5, 7, 0, tzinfo=UTC)
    with Pipeline(settings, embedder=shared_embedder()) as pipeline:
        fresh, fresh_vectors = pipeline.analyse(articles)
        pipeline.prepare(articles[1:], now=now)
        split: list[str] = []
        real = sentences_module.article_sentences

        def counting(article, *args, **kwargs):
            split.append(article.id)
            return real(article, *args, **kwargs)

        monkeypatch.setattr(sentences_module, "article_sentences", counting)
        kept, kept_vectors = pipeline.analyse(articles)
        assert split == [articles[0].id]  # only the one no poll job prepared
        assert kept == fresh
        assert np.array_equal(kept_vectors, fresh_vectors)
        pipeline.build(articles, now)
        split.clear()
        pipeline.analyse(articles)
        assert len(split) == len(articles)  # the build let go of what it was kept for


# --- neighbour lists ------------------------------------------------------------------------


def test_the_neighbour_table_gives_each_nodes_partners_in_order():
    from briefing.compose.grouping import neighbour_table

    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(400, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    pairs = find_pairs(vectors, 0.5, "exact")
    start, partners = neighbour_table(len(vectors), pairs.left, pairs.right)
    lists = [partners[start[i]:start[i + 1]].tolist() for i in range(len(vectors))]
    expected: list[list[int]] = [[] for _ in vectors]
    for i, j in pairs:
        expected[i].append(j)
        expected[j].append(i)
    assert lists == [sorted(e) for e in expected]
    assert sum(map(len, lists)) == 2 * len(pairs) > 100


def test_fact_groups_do_not_depend_on_where_they_were_computed(seeds):
    _, sentences, vectors = seeds
    with Beside(group_sentences, sentences, vectors, 0.78) as job:
        there = job.result()
    here = group_sentences(sentences, vectors, 0.78)
    assert [g.members for g in there] == [g.members for g in here]
    assert all(np.array_equal(a.centroid, b.centroid) for a, b in zip(there, here, strict=True))


def _plain_star_clusters(neighbours: list[list[int]], order: list[int]) -> list[list[int]]:
    """Star clustering as written over neighbour lists: what the table version must give."""
    taken = [False] * len(neighbours)
    clusters: list[list[int]] = []
    for seed in order:
        if taken[seed]:
            continue
        members = [seed] + [j for j in neighbours[seed] if not taken[j]]
        for m in members:
            taken[m] = True
        clusters.append(members)
    return clusters


def test_star_clusters_over_the_table_are_those_over_neighbour_lists():
    from briefing.compose.grouping import neighbour_table, star_clusters

    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(600, 12)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    pairs = find_pairs(vectors, 0.55, "exact")
    lists: list[list[int]] = [[] for _ in vectors]
    for i, j in pairs:
        lists[i].append(j)
        lists[j].append(i)
    lists = [sorted(e) for e in lists]
    start, partners = neighbour_table(len(vectors), pairs.left, pairs.right)
    assert [partners[start[i]:start[i + 1]].tolist() for i in range(len(vectors))] == lists
    order = sorted(range(len(vectors)), key=lambda i: len(lists[i]), reverse=True)
    assert star_clusters(start, partners, order) == _plain_star_clusters(lists, order)
    assert len(_plain_star_clusters(lists, order)) < len(vectors) // 2  # real clusters
