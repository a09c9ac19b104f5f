"""Evidence states its line's fact (issue 29, item 1): over every line of a briefing (items,
facts, top lines, the timeline, key figures) each evidence sentence is in the article it
cites and states that line's fact; a story's other articles are its ``story_sources``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from conftest import run_cli
from fixtures_http import http_server_fixture  # noqa: F401  (http_server)
from test_first_hour import STORIES, beat_project

from briefing.compose.evidence import figures, states_fact
from briefing.config import load_settings
from briefing.store import Store
from briefing.text.sentences import article_sentences


def every_line(data: dict) -> Iterator[tuple[str, str, list[dict], list[str]]]:
    """(kind, the line's fact, its evidence, its sources) for every line of briefing.json."""
    items = [i for s in data["sections"] for i in s["items"]]
    for item in items + data.get("top_lines", []):
        yield "item", item["text"], item["evidence"], item["sources"]
        for fact in item["facts"]:
            yield "fact", fact["text"], fact["evidence"], fact["sources"]
    for event in data.get("timeline", []):
        yield "event", event["text"], event["evidence"], event["sources"]
    for figure in data.get("key_figures", []):
        yield "figure", figure["figure"], figure["evidence"], figure["sources"]


def assert_evidence_holds(data: dict, bodies: dict[str, str],
                          before: dict[tuple[str, str], str]) -> int:
    """Check every line; return how many evidence sentences were checked. ``before``: each
    sentence's sentence before, which a sentence leaning on it is read with."""
    checked = 0
    for kind, line, evidence, sources in every_line(data):
        assert evidence, (kind, line)
        assert [e["article"] for e in evidence if e["article"] in sources] and \
            set(sources) == {e["article"] for e in evidence}, (kind, line)
        for n, ev in enumerate(evidence):
            assert " ".join(ev["text"].split()) in bodies[ev["article"]], (kind, ev)
            if kind == "figure":  # a key figure's fact is its number
                assert figures(line) & figures(ev["text"]), (line, ev["text"])
            elif n:  # the first is the sentence the line was worded from
                assert states_fact(line, ev["text"], before.get((ev["article"], ev["text"]), "")
                                   ), (kind, line, ev["text"])
            checked += 1
    for item in (i for s in data["sections"] for i in s["items"]):
        stated = set(item["sources"]) | {a for f in item["facts"] for a in f["sources"]}
        assert not stated & set(item.get("story_sources", [])), item["text"]
    return checked


def stored_articles(config) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Each stored article's text, and each of its sentences' sentence before."""
    settings = load_settings(config)
    with Store(settings.database_path) as store:
        articles = store.articles(uncovered_only=False)
    bodies = {a.id: " ".join(a.text.split()) for a in articles}
    before = {(s.article_id, s.text): s.context for a in articles for s in article_sentences(a)}
    return bodies, before


def test_every_line_of_the_seeds_briefing_cites_sentences_that_state_it(seed_render):
    data = seed_render["json"]
    assert assert_evidence_holds(data, *stored_articles(seed_render["config"])) > 20
    # Membership is kept apart: every article of the briefing is a line's source or a
    # story's, and the Geneva meeting still cites the outlets that report it.
    cited = {a for _, _, _, sources in every_line(data) for a in sources}
    members = {a for s in data["sections"] for i in s["items"] for a in i.get("story_sources",
                                                                                  [])}
    assert {a["id"] for a in data["articles"]} <= cited | members
    geneva = next(line for s in data["sections"] for i in s["items"]
                  for line in [i, *i["facts"]] if "Geneva" in line["text"])
    assert len(geneva["sources"]) == 4
    # Key figures neither repeat a line nor give a number without what it counts.
    lines = {text for kind, text, _, _ in every_line(data) if kind in ("item", "fact")}
    assert data["key_figures"]
    for figure in data["key_figures"]:
        assert figure["label"] and figure["text"] not in lines, figure


def test_a_story_on_another_fact_is_not_cited_for_it(tmp_path, http_server):
    """Two stories of one day that share a frame (the European Union, Monday) and a third
    report of one of them: no line of either cites the other's sentences."""
    eu_again = ("eu-again", "Ministers back 2040 emissions goal",
                "Environment ministers of the European Union agreed on Monday to cut emissions "
                "by 90% by 2040 from 1990 levels. Some countries had asked for a lower goal.",
                2)
    config = beat_project(tmp_path, http_server, [*STORIES, eu_again])
    code, out, err = run_cli("--config", str(config), "render", "--format", "json")
    assert code == 0, err
    data = json.loads(next((tmp_path / "output").glob("*/briefing.json")).read_text())
    assert assert_evidence_holds(data, *stored_articles(config))
    by_title = {a["title"]: a["id"] for a in data["articles"]}
    cars = by_title["Electric cars outsell petrol cars in Europe"]
    for kind, line, evidence, _ in every_line(data):
        if "90%" in line or "2040" in line:
            assert cars not in {e["article"] for e in evidence}, (kind, line)


@pytest.mark.parametrize(("line", "sentence", "states"), [
    # Written for this test: a toll and a sentence of the same story about something else.
    ("All 118 sailors aboard the submarine died, the navy said.",
     "Rescue vessels reached the submarine on Tuesday after storms held them back.", False),
    ("All 118 sailors aboard the submarine died, the navy said.",
     "The navy confirmed that the 118 sailors on the submarine had died.", True),
    # Another figure for the same thing is another fact.
    ("Ministers agreed to cut emissions by 90% by 2040.",
     "Ministers agreed to cut emissions by 80% by 2040.", False),
    ("Ministers agreed to cut emissions by 90% by 2040.",
     "Ministers agreed to cut emissions by 90% by 2035.", False),
    # One frame, two facts: the European Union, on Monday.
    ("European Union ministers agreed on Monday to cut emissions by 90% by 2040.",
     "Battery electric cars outsold petrol cars in the European Union on Monday.", False),
    # The same fact in other words, dated by weekday in one and by date in the other.
    ("Blinken met Lavrov in Geneva on January 21.",
     "Blinken will meet his Russian counterpart, Sergey Lavrov, on Friday in Geneva.", True),
    ("Two soldiers were wounded in shelling near the town.",
     "Shelling near the town wounded two soldiers, the army said.", True),
])
def test_states_fact(line, sentence, states):
    assert states_fact(line, sentence) is states
