"""Key figures, the timeline and "new since the last briefing": they read well, are cited
like items, and come out right on the seeds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import SEEDS, run_cli, write_config

from briefing.compose.figures import key_figures
from briefing.compose.novelty import mark_new
from briefing.compose.timeline import read_article, reading_key, timeline
from briefing.records import Article, Briefing, Evidence, Item, RawDocument, Section, Sentence
from briefing.text.clean import clean_document
from briefing.text.sentences import article_sentences


def seed_articles() -> list[Article]:
    return [clean_document(RawDocument(origin=p.name, content=p.read_bytes(),
                                       path=f"seeds/{p.name}"))
            for p in sorted(SEEDS.glob("*.txt"))]


@pytest.fixture(scope="module")
def seeds() -> dict:
    articles = seed_articles()
    sentences = [s for a in articles for s in article_sentences(a)]
    return {"articles": articles, "sentences": sentences,
            "bodies": {a.id: " ".join(a.text.split()) for a in articles},
            "figures": key_figures([], sentences), "events": timeline(articles, sentences)}


def sentence(text: str, article: str = "a1", position: int = 0) -> Sentence:
    return Sentence(article, position, 0, text)


# --- key figures -----------------------------------------------------------------------------


def test_seed_figures_read_as_what_they_count(seeds):
    figures = [f["figure"] for f in seeds["figures"]]
    for expected in ("100,000 troops", "$200 million security aid", "$120 million loan",
                     "nearly 2,000 short-range anti-tank missiles", "almost 30 instructors",
                     "12 ceasefire violations"):
        assert expected in figures
    text = " ".join(figures)
    for wrong in ("17 Globemaster", "Globemaster", "122", "90", "January", "10-20", "9am"):
        assert wrong not in text, wrong


def test_one_number_reported_by_several_articles_is_one_figure_citing_all(seeds):
    troops = next(f for f in seeds["figures"] if f["figure"] == "100,000 troops")
    assert len(troops["sources"]) >= 3
    assert [e["article"] for e in troops["evidence"]] == troops["sources"]
    assert seeds["figures"][0] is troops  # the best-corroborated figure comes first


def test_figure_evidence_is_the_exact_source_sentence(seeds):
    for figure in seeds["figures"]:
        assert figure["sources"] and figure["evidence"]
        for evidence in figure["evidence"]:
            assert evidence["text"] in seeds["bodies"][evidence["article"]]
        # The context shown is taken from the figure's sentence, cut with ellipses if long.
        assert figure["context"].strip("…") in figure["text"]
        assert len(figure["context"].split()) <= 26


@pytest.mark.parametrize(("text", "figure"), [
    ("Blinken had earlier confirmed $200m in security aid for Kyiv.",
     "$200 million security aid"),
    ("The fund holds €1.5bn for reconstruction, officials said.", "€1.5 billion"),
    ("The country now hosts more than 3,500 refugees from the region.",
     "more than 3,500 refugees"),
    ("About 40% of voters backed the plan in the survey.", "about 40% of voters"),
    # A change or a range is one figure, never its ends read alone.
    ("The toll rose from 200 to 350 people in the flooded valley.", "from 200 to 350 people"),
    ("The ferries typically carry between 230 and 300 people on weekdays.",
     "between 230 and 300 people"),
    ("The hull has a displacement of 14,700-23,860 tons when loaded.", "14,700–23,860 tons"),
])
def test_figure_phrases(text, figure):
    found = [f["figure"] for f in key_figures([], [sentence(text)])]
    assert figure in found or (figure == "about 40% of voters" and "about 40%" in found)


@pytest.mark.parametrize("text", [
    "Two Boeing C-17 Globemaster aircraft landed in Kyiv with supplies for the army.",
    "Estonia asked to transfer 122mm howitzers to Kyiv before the winter began.",
    "Their 90-minute meeting ended with no new developments but further dialogue.",
    "On January 17, the minister informed parliament of the decision to send aid.",
    "The drills are scheduled for February 10-20 near the border with Belarus.",
    "In 2014, Russia annexed Crimea after a disputed referendum on the peninsula.",
    "The sites were shut down by 9am on the day the attack took place there.",
    "As a result, 2 soldiers were injured and 3 killed over the past week.",
])
def test_numbers_that_are_not_key_figures(text):
    assert key_figures([], [sentence(text)]) == []


def test_without_sentences_the_items_are_searched():
    item = Item(text="The package includes nearly 2,000 anti-tank missiles for the army.",
                sources=["a1"], evidence=[Evidence("a1", "The package includes nearly 2,000 "
                                                         "anti-tank missiles for the army.")],
                theme="military_aid")
    figures = key_figures([Section("military_aid", "Military aid", [item])])
    assert [f["figure"] for f in figures] == ["nearly 2,000 anti-tank missiles"]


def test_one_count_of_people_told_with_synonyms_is_one_figure_citing_all():
    found = key_figures([], [
        sentence("Divers reached the hull where 118 sailors were trapped.", "a1"),
        sentence("Officials said 118 sailors were aboard the vessel when it sank.", "a2"),
        sentence("The bodies of 118 men who died were later recovered.", "a3"),
        sentence("All 118 submariners aboard perished in the blast, the navy said.", "a4"),
        sentence("The vessel, with 118 crew on board, sank in minutes.", "a5"),
    ])
    assert [f["figure"] for f in found] == ["118 sailors"]  # the label most articles use
    assert found[0]["sources"] == ["a1", "a2", "a3", "a4", "a5"] or \
        sorted(found[0]["sources"]) == ["a1", "a2", "a3", "a4", "a5"]
    assert found[0]["conflict"] is False


def test_same_value_counting_different_things_stays_apart():
    found = key_figures([], [sentence("The convoy brought 40 trucks and 40 doctors to town.")])
    assert sorted(f["figure"] for f in found) == ["40 doctors", "40 trucks"]


def test_a_change_is_never_read_as_a_bound_of_its_end():
    found = [f["figure"] for f in key_figures([], [sentence(
        "The startup had its valuation slashed from $47 billion to $8 billion last year.")])]
    assert found == ["valuation slashed from $47 billion to $8 billion"]
    for text in ("The toll rose from 200 to 350 people in the flooded valley.",
                 "The ferries typically carry between 230 and 300 people on weekdays."):
        assert len(key_figures([], [sentence(text)])) == 1, text  # not "350 people" too


def test_a_change_without_its_subject_is_skipped_never_a_bound():
    assert key_figures([], [sentence("It went from 47 to 8 overnight, he said.")]) == []


def test_words_of_another_clause_are_not_the_label():
    found = [f["figure"] for f in key_figures([], [sentence(
        "At least 10,059 people have been killed, 45,000 others injured in the quake.")])]
    assert sorted(found) == ["45,000 injured", "at least 10,059 people"]
    found = [f["figure"] for f in key_figures([], [sentence(
        "The fund paid out $5 million on Monday to the victims' families.")])]
    assert found == ["$5 million"]


def test_sources_that_disagree_give_one_figure_with_each_value_and_who_says_it():
    found = key_figures([], [
        sentence("The quake killed 12,000 people across the region, officials said.", "a1"),
        sentence("At least 14,000 people were killed in the quake, the agency said.", "a2"),
        sentence("More than 14,000 people died in the earthquake, rescuers said.", "a3"),
    ])
    assert len(found) == 1
    figure = found[0]
    assert figure["conflict"] is True
    assert [(v["value"], sorted(v["sources"])) for v in figure["values"]] == [
        ("at least 14,000", ["a2", "a3"]), ("12,000", ["a1"])] or \
        [(v["value"], sorted(v["sources"])) for v in figure["values"]] == [
        ("more than 14,000", ["a2", "a3"]), ("12,000", ["a1"])]
    assert sorted(figure["sources"]) == ["a1", "a2", "a3"]
    assert " or " in figure["figure"] and figure["figure"].endswith("people")


def test_different_tolls_are_not_a_conflict():
    found = key_figures([], [
        sentence("The crash killed 113 people in all, officials said.", "a1"),
        sentence("It killed all 109 people on board and four people on the ground.", "a2"),
        sentence("A crash two years ago killed 101 people near the same airport.", "a3"),
        sentence("The quake left 10,200 dead across the country.", "a4"),
        sentence("In one region, 9,000 people were injured, officials said.", "a5"),
    ])
    assert all(not f["conflict"] for f in found), [f["figure"] for f in found]
    # An article that gives two exact values knows they are two quantities.
    found = key_figures([], [sentence("The storm killed 20 people in the city.", "a1"),
                             sentence("It killed 22 people across the state.", "a1")])
    assert all(not f["conflict"] for f in found)


# --- timeline --------------------------------------------------------------------------------


def test_seed_timeline_runs_from_the_geneva_talks_to_the_embassy_order(seeds):
    events = seeds["events"]
    labels = [e["date_label"] for e in events]
    assert labels[0] == "January 10" and labels[-1] == "January 23"
    assert len(labels) == len(set(labels)), "one event per date"
    days = [(e["month"], e["day"]) for e in events]
    assert days == sorted(days)
    first, last = events[0], events[-1]
    assert "Strategic Stability Dialogue" in first["event"] and "Geneva" in first["event"]
    # "The next day, … ordered … family members to leave Kyiv", after "On January 22, …"
    # two sentences earlier, is January 23.
    assert "family members to leave Kyiv" in last["event"]
    assert last["text"].startswith("On January 23, ")
    geneva = next(e for e in events if e["date_label"] == "January 21")
    assert "Lavrov" in geneva["event"] and "Geneva" in geneva["event"]


def test_timeline_from_readings_the_poll_jobs_made_is_the_timeline_read_at_once(seeds):
    articles = seeds["articles"]
    readings = {reading_key(a): read_article(a) for a in articles}
    assert timeline(articles, seeds["sentences"], readings) == seeds["events"]
    # The readings are weighed as copies: using them twice gives the same timeline again.
    assert timeline(articles, seeds["sentences"], readings) == seeds["events"]


def test_timeline_entries_are_cited_with_exact_sentences(seeds):
    for event in seeds["events"]:
        assert event["sources"] == [e["article"] for e in event["evidence"]]
        for evidence in event["evidence"]:
            assert evidence["text"] in seeds["bodies"][evidence["article"]]
        assert not event["event"].startswith(("On ", "The next day"))  # the date is beside it


def test_date_ranges_and_old_background_are_not_events(seeds):
    texts = " ".join(e["text"] for e in seeds["events"])
    assert "Between January 9 and 15" not in texts  # a period, not an event
    assert "Dec. 7" not in texts  # weeks before the rest: background, not the run of events


def test_relative_dates_across_a_year_end():
    article = Article(id="a1", title="t", source="s", text=(
        "On December 30, the two leaders spoke by phone for almost an hour. "
        "The next day, the ministry published a summary of the call.\n\n"
        "On January 2, the envoys met again in Vienna for technical talks."))
    events = timeline([article])
    assert [e["date_label"] for e in events] == ["December 30", "December 31", "January 2"]
    assert events[1]["event"] == "The ministry published a summary of the call."


def _article(text: str, published: str | None = None, aid: str = "a1") -> Article:
    return Article(id=aid, title="t", source="s", text=text, published=published)


def test_a_birthday_an_age_or_an_anniversary_is_not_an_event():
    events = timeline([_article(
        "On January 12, the ferry sank off the coast with 80 people aboard.\n\n"
        "The captain, who will be 56 on January 14, had sailed the route for years.\n\n"
        "On January 13, the minister celebrated his 50th birthday in the capital.\n\n"
        "The company was born on January 15 of a merger of two lines.")])
    assert [e["date_label"] for e in events] == ["January 12"]


def test_a_later_suggestion_is_not_dated_to_the_day_of_the_event():
    later = _article(
        "Investigators have suggested that the pilot may have flown the jet into the sea, "
        "killing all 90 people aboard on March 3.\n\n"
        "The airline that lost the jet on March 3 said on Friday it would pay the families.\n\n"
        "It was the first time officials explained why the jet crashed on March 3.",
        published="2001-05-20", aid="a2")
    assert timeline([later]) == []
    first = _article("The jet crashed into the sea on March 3, killing all 90 aboard.",
                     published="2001-03-04")
    events = timeline([first, later])
    assert [(e["date_label"], e["sources"]) for e in events] == [("March 3", ["a1"])]
    assert events[0]["year"] == 2001


def test_a_weekday_dates_an_event_by_the_publication_only_when_the_sentence_names_it():
    # Published on Wednesday, January 26, 2005.
    events = timeline([_article(
        "Rescuers lowered a capsule on Monday to reach the trapped miners.\n\n"
        "The mine's owner said Tuesday that the shaft had collapsed on its own.\n\n"
        "Tuesday's collapse was the worst in the region, officials said.\n\n"
        "The inquiry into the collapse began a month ago in the capital.",
        published="2005-01-26")])
    assert [(e["date_label"], e["year"]) for e in events] == [("January 24", 2005)]
    assert events[0]["event"].startswith("Rescuers lowered a capsule")


def test_plans_are_not_events():
    events = timeline([_article("The envoys will meet again in Vienna on February 2.\n\n"
                                "The talks are expected to resume on February 3.")])
    assert events == []


def test_publication_tells_the_year_of_a_date_written_without_one():
    events = timeline([
        _article("The plane crashed into the ocean on October 31, killing all 217 aboard.",
                 published="2000-08-11", aid="a1"),
        _article("On June 18, the engineer wrote to the agency about the radar data.",
                 published="2000-08-12", aid="a2"),
        _article("The plane went down on October 31 off the coast, killing everyone.",
                 published="1999-11-02", aid="a3")])
    # October 31 is 1999's (before both articles were written), June 18 the next year's:
    # the months apart are two runs, and the crash, which more articles date, is the story.
    assert [(e["date_label"], e["year"]) for e in events] == [("October 31", 1999)]


# --- new since the last briefing -------------------------------------------------------------


def test_mark_new_flags_items_citing_an_article_no_briefing_covered():
    old = Item("Old news from the first day of talks.", ["a1"], [Evidence("a1", "x")], "t")
    mixed = Item("The talks continued on the second day.", ["a1", "a2"],
                 [Evidence("a1", "x"), Evidence("a2", "y")], "t")
    briefing = Briefing("T", "2022-01-24", "2022-01-24T07:00:00+02:00",
                        [Section("t", "T", [old, mixed])], [])
    assert mark_new(briefing, covered={"a1"}, previous_date="2022-01-23") == 1
    assert (old.new, mixed.new) == (False, True)
    assert briefing.stats == {"new_items": 1, "previous_briefing": "2022-01-23"}


def test_second_briefing_marks_developing_stories_and_new_facts(tmp_path: Path):
    (tmp_path / "seeds").mkdir()
    first, later = sorted(SEEDS.glob("*.txt"))[:3], sorted(SEEDS.glob("*.txt"))[3:]
    for path in first:
        shutil.copy(path, tmp_path / "seeds" / path.name)
    config = str(write_config(tmp_path))
    code, _, err = run_cli("--config", config, "render", "--format", "json,html")
    assert code == 0, err
    day_one = json.loads(next((tmp_path / "output").glob("*/briefing.json")).read_text())
    assert not any(i.get("new") for s in day_one["sections"] for i in s["items"])
    for path in later:
        shutil.copy(path, tmp_path / "seeds" / path.name)
    code, out, err = run_cli("--config", config, "render", "--all", "--format", "json,html,md")
    assert code == 0, err
    folder = sorted((tmp_path / "output").glob("*-2"))[0]
    data = json.loads((folder / "briefing.json").read_text())
    # Stories across days (compose.memory): a story the first briefing reported is developing
    # (new: false, since the first day), whichever articles tell it now; --all keeps it.
    items = [i for s in data["sections"] for i in s["items"]]
    for item in items:
        assert item["new"] is (not item.get("developing")), item["text"]
        if item.get("developing"):
            assert item["developing"] == {"since": day_one["date"], "briefings": 2}
    count = sum(1 for i in items if i["new"])
    developing = len(items) - count
    assert developing  # the Geneva meeting, told again by the later seeds too
    assert data["stats"]["new_items"] == count
    assert data["stats"]["developing_items"] == developing
    # --all keeps what was reported (marked new: false); the later seeds add new facts.
    facts = [f["new"] for i in items if i.get("developing") for f in i["facts"]]
    assert True in facts and False in facts
    html = (folder / "briefing.html").read_text()
    assert html.count('<li class="fact"><span class="badge">New</span>') == facts.count(True)
    assert html.count('<span class="badge developing">Developing since') == developing
    assert f"{developing} developing since the briefing of" in html
    md = (folder / "briefing.md").read_text()
    assert md.count("*Developing since") == developing
    assert md.count("  - **New:**") == facts.count(True)

# --- disputed figures in every format ----------------------------------------------------------


def test_templates_show_each_disputed_value_with_who_says_it(tmp_path: Path):
    from briefing.config import settings_from_mapping
    from briefing.render.html import render_html
    from briefing.render.markdown import render_markdown
    from briefing.render.text import render_text

    texts = {"a1": "The quake killed 12,000 people across the region, officials said.",
             "a2": "At least 14,000 people were killed in the quake, the agency said.",
             "a3": "More than 14,000 people died in the <b>earthquake</b>, rescuers said."}
    figures = key_figures([], [sentence(t, a) for a, t in texts.items()])
    articles = [Article(id=a, title=f"Report {a}", source=name, text=texts[a])
                for a, name in (("a1", "Xinhua"), ("a2", "AP"), ("a3", "<AFP>"))]
    item = Item(texts["a1"], ["a1"], [Evidence("a1", texts["a1"])], "t")
    briefing = Briefing("T", "2024-01-02", "2024-01-02T07:00:00+00:00",
                        [Section("t", "T", [item])], articles, key_figures=figures)
    settings = settings_from_mapping({}, base_dir=tmp_path)
    html = render_html(briefing, settings)
    assert "(AP, &lt;AFP&gt;)" in html and "(Xinhua)" in html  # autoescaped
    assert "&lt;b&gt;earthquake" in html or "<b>earthquake" not in html
    assert "sources differ" in html
    md = render_markdown(briefing, settings)
    assert "14,000 (AP, " in md and "12,000 (Xinhua)" in md and "sources differ" in md
    text = render_text(briefing, settings)
    assert "14,000 (AP, <AFP>) / 12,000 (Xinhua)" in " ".join(text.split())
