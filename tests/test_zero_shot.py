"""Configs nobody wrote with the seeds in view (issue 14): themes from a title and a
description alone, a catch-all that does not lean on built-in phrases, `render --explain`,
short feed entries as news, the budget as the only cap, and a problem told once."""

from __future__ import annotations

import html
import json
import logging
from pathlib import Path

import pytest
import yaml
from conftest import run_cli
from fixtures_http import Response, http_server_fixture  # noqa: F401  (http_server)

from briefing.analyse.embedder import embed_texts, shared_embedder
from briefing.compose.themes import ThemeIndex
from briefing.compose.themes import index_for as themes_index_for
from briefing.config import CATCHALL_ID, load_settings, settings_from_mapping
from briefing.pipeline import Pipeline

# A config a new user might write: no examples, no catch-all phrases, nothing about Ukraine.
THEMES = [
    {"id": "sport", "title": "Sport", "description": "Football, tennis and other sports: "
     "matches, tournaments, players and their results."},
    {"id": "weather", "title": "Weather", "description": "Storms, floods, heat waves, snow "
     "and the forecast."},
    {"id": "courts", "title": "Courts", "description": "Trials, judges, verdicts and prison "
     "sentences."},
]

# Headlines written for these tests, three per theme.
HEADLINES = {
    "sport": ["Arsenal beat Chelsea 2-1 in a late derby winner at the Emirates Stadium",
              "Serena Williams reaches the quarter-finals after a three-set battle",
              "The rugby team won the championship final in extra time"],
    "weather": ["Heavy snow closes mountain passes as temperatures drop to minus twenty",
                "Flood warnings issued for the river valley after two days of rain",
                "A heat wave is expected to bring the hottest day of the year on Friday"],
    "courts": ["A judge sentenced the former mayor to six years in prison for bribery",
               "The jury found the defendant not guilty of fraud after a two-week trial",
               "The supreme court will hear the appeal of the convicted banker in March"],
}


def settings_for(tmp_path: Path, **extra):
    return settings_from_mapping({"themes": THEMES, **extra}, base_dir=tmp_path)


def index_for(settings) -> ThemeIndex:
    return themes_index_for(settings, shared_embedder())


def test_themes_with_only_a_title_and_description_get_their_items(tmp_path):
    settings = settings_for(tmp_path)
    assert settings.catchall_examples == ()  # nothing built in to out-compete the themes
    index = index_for(settings)
    texts = [t for theme in HEADLINES for t in HEADLINES[theme]]
    gold = [theme for theme in HEADLINES for _ in HEADLINES[theme]]
    labels = index.classify(embed_texts(texts, shared_embedder()), settings.theme_threshold)
    assert [theme for theme, _ in labels] == gold


def test_the_catch_all_takes_what_fits_no_theme_by_the_floor(tmp_path):
    settings = settings_for(tmp_path)
    index = index_for(settings)
    vectors = embed_texts(["The central bank raised interest rates by half a point.",
                           HEADLINES["weather"][1]], shared_embedder())
    scores = index.scores(vectors)
    assert scores.shape == (2, 3)  # no catch-all column without catch-all phrases
    # A floor between the two best scores files the unrelated one under the catch-all.
    floor = float(scores.max(axis=1).mean())
    assert [t for t, _ in index.classify(vectors, floor)] == [CATCHALL_ID, "weather"]
    assert [t for t, _ in index.classify(vectors, -1.0)][1] == "weather"


def test_catch_all_phrases_stay_optional_and_compete_when_given(tmp_path):
    settings = settings_for(tmp_path, catchall_examples=[
        "The central bank raised interest rates.", "Shares fell on the stock market."])
    index = index_for(settings)
    assert index.ids[-1] == CATCHALL_ID
    vectors = embed_texts(["Stock markets fell sharply as interest rates rose."],
                          shared_embedder())
    assert index.classify(vectors, -1.0)[0][0] == CATCHALL_ID


# --- feeds of headlines, through the whole pipeline ----------------------------------------

def rss(entries: list[dict]) -> bytes:
    items = []
    for n, e in enumerate(entries):
        parts = [f"<guid isPermaLink=\"false\">entry-{e.get('id', n)}</guid>"]
        if e.get("title") is not None:
            parts.append(f"<title>{html.escape(e['title'])}</title>")
        if e.get("link"):
            parts.append(f"<link>{html.escape(e['link'])}</link>")
        if e.get("summary"):
            parts.append(f"<description>{html.escape(e['summary'])}</description>")
        items.append("<item>" + "".join(parts) + "</item>")
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>"
            "<title>Test wire</title><link>https://wire.example/</link><description>x"
            "</description>" + "".join(items) + "</channel></rss>").encode("utf-8")


def feed_project(tmp_path: Path, server, entries: list[dict], **extra) -> Path:
    server.routes["/feed"] = Response(200, {"Content-Type": "application/rss+xml"},
                                      rss(entries))
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"sources": [{"feed": server.url("/feed")}],
                                      "themes": THEMES, **extra}), encoding="utf-8")
    return config


def rendered_json(config: Path, *args: str) -> tuple[dict, str, str]:
    code, out, err = run_cli("--config", str(config), "render", "--format", "json", *args)
    assert code == 0, err
    path = next((config.parent / "output").glob("*/briefing.json"))
    return json.loads(path.read_text(encoding="utf-8")), out, err


def test_a_one_line_headline_entry_is_an_article_cited_in_the_briefing(tmp_path, http_server):
    headline = HEADLINES["courts"][0]
    config = feed_project(tmp_path, http_server, [{"title": headline}])
    data, _, err = rendered_json(config)
    assert "skipped" not in err
    [item] = [i for s in data["sections"] for i in s["items"]]
    assert item["text"] == headline
    assert item["evidence"][0]["text"] == headline  # cited as written
    assert data["sections"][0]["theme"] == "courts"
    [article] = data["articles"]
    assert item["sources"] == [article["id"]] and article["title"] == headline


def test_a_headline_with_a_sentence_is_one_fact_and_its_page_404_is_not_a_skip(
        tmp_path, http_server):
    sentence = "Forecasters said the storm would reach the coast by Sunday evening."
    config = feed_project(tmp_path, http_server, [
        {"title": HEADLINES["weather"][1], "summary": sentence,
         "link": http_server.url("/story/1")}])  # a teaser: its page is fetched, and 404s
    data, _, err = rendered_json(config)
    assert http_server.requests_to("/story/1") and "skipped" not in err
    [item] = [i for s in data["sections"] for i in s["items"]]
    assert item["evidence"][0]["text"] == sentence


def test_an_empty_or_content_free_entry_is_skipped_with_one_line(tmp_path, http_server):
    config = feed_project(tmp_path, http_server, [
        {"title": HEADLINES["sport"][0]}, {"title": "Video"}, {"title": ""}])
    data, _, err = rendered_json(config)
    lines = [line for line in err.splitlines() if line.startswith("skipped")]
    assert len(lines) == 2, err
    assert any("no news in it" in line for line in lines)
    assert any("no title, no text and no link" in line for line in lines)
    assert len([i for s in data["sections"] for i in s["items"]]) == 1


def test_with_a_large_budget_every_distinct_headline_appears(tmp_path, http_server):
    entries = [{"title": t} for theme in HEADLINES for t in HEADLINES[theme]]
    config = feed_project(tmp_path, http_server, entries, budget_words=100_000)
    data, _, _ = rendered_json(config)
    shown = {i["text"] for s in data["sections"] for i in s["items"]}
    assert shown == {e["title"] for e in entries}


def test_render_explain_writes_each_items_section_and_theme_scores(tmp_path, http_server):
    entries = [{"title": t} for theme in HEADLINES for t in HEADLINES[theme]]
    config = feed_project(tmp_path, http_server, entries, budget_words=100_000)
    code, out, err = run_cli("--config", str(config), "render", "--format", "json", "--explain")
    assert code == 0, err
    folder = next((tmp_path / "output" / "preview").glob("*/themes.md")).parent  # a preview
    data = json.loads((folder / "briefing.json").read_text(encoding="utf-8"))
    table = (folder / "themes.md").read_text(encoding="utf-8")
    assert "themes.md" in out
    assert "| # | section | why | sport | weather | courts | item |" in table
    rows = [line for line in table.splitlines() if line.startswith("| ") and
            line[2].isdigit()]
    assert len(rows) == len(entries)
    sections = {i["text"]: s["theme"] for s in data["sections"] for i in s["items"]}
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1] == sections[cells[-1]]
        assert sum("**" in c for c in cells[3:6]) == 1  # the best theme is marked


# --- a problem told once ----------------------------------------------------------------------

def test_a_failing_entry_is_told_once_across_polls_and_again_when_its_reason_changes(
        tmp_path, http_server, caplog):
    good = {"id": "good", "title": HEADLINES["sport"][1]}
    config = feed_project(tmp_path, http_server, [good, {"id": "bad", "title": "Video"}])
    settings = load_settings(config)

    def poll(entries: list[dict] | None = None):
        if entries is not None:
            http_server.routes["/feed"] = Response(200, {"Content-Type": "application/rss+xml"},
                                                   rss(entries))
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="briefing"), Pipeline(settings) as p:
            result = p.collect()
            listed = [dict(r) for r in p.store.problems()]
        warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        return result, warned, listed

    first, warned, listed = poll()
    assert [p.reason for p in first.problems] == ["no news in it (1 word(s) of text)"]
    assert len(warned) == 1
    second, warned, listed = poll()
    assert not second.problems and second.repeated == 1 and not warned
    assert [row["reason"] for row in listed] == ["no news in it (1 word(s) of text)"]
    third, warned, _ = poll([good, {"id": "bad", "title": ""}])  # the same entry, emptied
    assert [p.reason for p in third.problems] == [
        "feed entry has no title, no text and no link to an article"]
    assert len(warned) == 1
    fixed, _, listed = poll([good, {"id": "bad", "title": HEADLINES["courts"][2]}])
    assert len(fixed.new) == 1 and not listed  # it works now: its problems are forgotten
    again, warned, _ = poll([good, {"id": "bad", "title": "Video"}])
    assert len(again.problems) == 1 and len(warned) == 1  # broken again: told again


def test_sources_lists_a_problem_that_is_no_longer_told(tmp_path, http_server):
    config = feed_project(tmp_path, http_server, [{"title": HEADLINES["sport"][1]},
                                                  {"id": "bad", "title": "Video"}])
    for _ in range(2):
        code, _, err = run_cli("--config", str(config), "render", "--format", "json", "--all")
    assert "skipped 1 input(s) again" in err and "no news" not in err
    code, out, _ = run_cli("--config", str(config), "sources")
    assert code == 0 and "no news in it" in out


@pytest.mark.parametrize("title", ["Kyiv metro reopens", "Grain deal extended"])
def test_short_headlines_are_not_too_short(tmp_path, title):
    from briefing.records import RawDocument
    from briefing.text.clean import clean_document

    assert clean_document(RawDocument(origin="x", content=title.encode(), title=title)).text \
        == title


def test_the_daemon_tells_a_failing_entry_once_over_two_polls(tmp_path, http_server, caplog):
    config = feed_project(tmp_path, http_server, [{"title": HEADLINES["sport"][1]},
                                                  {"id": "bad", "title": "Video"}])
    told = []
    for _ in range(2):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="briefing"):
            code, _, err = run_cli("--config", str(config), "run", "--once")
        assert code == 0, err
        told.append(sum("no news in it" in r.getMessage() for r in caplog.records
                        if r.levelno >= logging.WARNING and r.name == "briefing.daemon"))
    assert told == [1, 0]  # "poll: skipped …" at the first poll, then silence
