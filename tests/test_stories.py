"""Story-based composition (briefing.compose) on small hand-made inputs: articles about one
event become one story only when their names agree, a story is one item whose lead cites
all its articles, and supporting facts survive the briefing.json round trip."""

from __future__ import annotations

import numpy as np

from briefing.compose.core import compose
from briefing.compose.grouping import group_articles
from briefing.config import settings_from_mapping
from briefing.records import Article, Briefing, Evidence, Fact, Item, Section, Sentence
from briefing.text.patterns import name_words


def _unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def _article(aid: str, texts: list[str]) -> tuple[Article, list[Sentence]]:
    article = Article(id=aid, title=aid, source=aid, text="\n\n".join(texts))
    return article, [Sentence(aid, n, n, t) for n, t in enumerate(texts)]


def test_names_skip_sentence_starts_and_weekdays():
    assert name_words("The ferry from Bergen sank on Monday, Norway said.") == {"bergen", "norway"}


def test_similar_openings_are_one_story_only_when_names_agree():
    a, sa = _article("a", ["A ferry sank off Bergen in a storm on Sunday night."])
    b, sb = _article("b", ["A ferry went down off Bergen in Sunday's storm."])
    c, sc = _article("c", ["A ferry sank off Valparaiso in a storm on Sunday night."])
    sentences = sa + sb + sc
    vectors = np.stack([_unit(1, 0.05, 0), _unit(1, 0.1, 0), _unit(1, 0, 0.05)])
    stories = group_articles([a, b, c], sentences, vectors, threshold=0.55)
    assert sorted(sorted(s.articles) for s in stories) == [["a", "b"], ["c"]]


def test_a_number_word_shared_by_two_openings_makes_no_story():
    from briefing.compose.grouping import story_names

    # Two events that open alike and share only the capitalised count (written for this
    # test); "Five" is a name to name_words, not to the story rule.
    a, sa = _article("a", ["Five people were killed when a bus overturned near Tromso."])
    b, sb = _article("b", ["Five miners were killed when a tunnel collapsed near Potosi."])
    c, sc = _article("c", ["Five passengers were hurt when a bus overturned near Tromso."])
    assert "five" in name_words(sa[0].text) and "five" not in story_names(sa[0].text)
    vectors = np.stack([_unit(1, 0.05, 0), _unit(1, 0.1, 0), _unit(1, 0, 0.05)])
    stories = group_articles([a, b, c], sa + sb + sc, vectors, threshold=0.55)
    assert sorted(sorted(s.articles) for s in stories) == [["a", "c"], ["b"]]


def test_a_feature_joins_the_story_its_news_lines_tell_a_news_lead_does_not():
    from briefing.compose.grouping import opens_with_a_hook

    news = ["A ferry sank off Bergen in a storm on Sunday night, the coast guard said.",
            "Rescuers pulled 180 people from the water near Bergen by dawn."]
    a, sa = _article("a", news)
    b, sb = _article("b", ["A ferry went down off Bergen in Sunday's storm, officials said.",
                           "Most of those aboard were rescued near Bergen."])
    feature = ["Nobody expects the sea to turn on a calm evening.",
               "Few of the passengers heard the warning.",
               "The ferry sank off Bergen on Sunday night.",
               "Rescuers from Bergen worked until dawn.",
               "The operator said the cause was not yet known."]
    c, sc = _article("c", feature)
    # The same late lines, but the article opens with news of its own: it keeps its story.
    d, sd = _article("d", ["Oslo's harbour board approved a new pier at Bergen on Monday.",
                           "The board met in Oslo.", *feature[1:]])
    # A hook whose later lines sound alike but name another place: no shared name.
    e, se = _article("e", ["Nothing about the crossing seemed unusual.",
                           "Passengers were asleep below deck.",
                           "The ferry sank off Valparaiso on Sunday night.",
                           "Crews from Valparaiso worked until dawn.",
                           "The operator said the cause was not yet known."])
    assert opens_with_a_hook(feature[0]) and not opens_with_a_hook(news[0])
    far, event = _unit(0, 0, 1), _unit(1, 0.05, 0)
    vectors = np.stack([event, _unit(1, 0.1, 0), _unit(1, 0.08, 0), _unit(1, 0.12, 0),
                        far, far, event, event, event,
                        _unit(0, 1, 0), _unit(0, 1, 0), far, event, event, event,
                        far, far, event, event, event])
    stories = group_articles([a, b, c, d, e], sa + sb + sc + sd + se, vectors, threshold=0.55)
    assert sorted(sorted(s.articles) for s in stories) == [["a", "b", "c"], ["d"], ["e"]]
    # Joined, the feature's hook is no line of the briefing; its news lines may be.
    settings = settings_from_mapping({"themes": [], "budget_words": 400})
    sections, _ = compose([a, b, c], sa + sb + sc, vectors[:9], settings, None)
    lines = [t for s in sections for i in s.items for t in [i.text, *(f.text for f in i.facts)]]
    assert lines and feature[0] not in lines
    # A lead that states a figure, a day or a source is news, whatever it names.
    for lead in ["Ten people were killed when two trains collided.",
                 "A man left his car on the tracks, authorities said.",
                 "The ferry's captain has been arrested in Bergen."]:
        assert not opens_with_a_hook(lead)
    for hook in ["The peal of church bells rang out over the town.",
                 "(The crossing had been calm.)", "Because nobody heard the warning.",
                 "Crossing the fjord in winter, while not easy, has been done."]:
        assert opens_with_a_hook(hook)


def test_a_lead_cites_an_article_outside_its_story_that_reports_its_fact():
    a, sa = _article("a", ["A ferry with 200 passengers sank off Bergen on Sunday, the "
                           "coast guard said."])
    b, sb = _article("b", ["A ferry carrying 200 passengers sank off Bergen on Sunday night, "
                           "officials said."])
    c, sc = _article("c", ["Fjordline of Oslo reported a quarterly loss on Monday.",
                           "A ferry with 200 passengers sank off Bergen on Sunday."])
    vectors = np.stack([_unit(1, 0, 0), _unit(1, 0.02, 0), _unit(0, 1, 0), _unit(1, 0.01, 0)])
    settings = settings_from_mapping({"themes": [], "budget_words": 200})
    sections, _ = compose([a, b, c], sa + sb + sc, vectors, settings, None)
    lead = next(i for s in sections for i in s.items if "sank off Bergen" in i.text)
    assert set(lead.sources) == {"a", "b", "c"}
    assert ("c", "A ferry with 200 passengers sank off Bergen on Sunday.") in {
        (e.article, e.text) for e in lead.evidence}


def test_a_story_is_one_item_whose_lead_cites_every_article_and_facts_follow():
    a, sa = _article("a", ["A ferry with 200 passengers sank off Bergen on Sunday, the "
                           "coast guard said.",
                           "Rescuers from Stavanger pulled 180 people from the water by dawn."])
    b, sb = _article("b", ["A ferry carrying 200 passengers sank off Bergen on Sunday night, "
                           "officials said.",
                           "The operator, Fjordline of Oslo, said the cause was not yet known."])
    sentences = sa + sb
    vectors = np.stack([_unit(1, 0, 0, 0), _unit(0.3, 1, 0, 0),
                        _unit(1, 0.02, 0, 0), _unit(0.3, 0, 1, 0)])
    settings = settings_from_mapping({"themes": [], "budget_words": 200})
    sections, top = compose([a, b], sentences, vectors, settings, None)
    items = [i for s in sections for i in s.items]
    assert len(items) == 1
    item = items[0]
    assert "sank off Bergen" in item.text
    assert set(item.sources) == {"a", "b"}
    assert {e.article for e in item.evidence} == {"a", "b"}
    assert len(item.facts) == 2 and all(f.sources and f.evidence for f in item.facts)
    assert top == [item]


def test_facts_survive_the_json_round_trip():
    fact = Fact("Rescuers pulled 180 people out.", ["a"], [Evidence("a", "Rescuers pulled…")])
    item = Item("A ferry sank.", ["a", "b"], [Evidence("a", "A ferry sank.")], "summary",
                facts=[fact])
    briefing = Briefing("T", "2026-01-01", "2026-01-01T00:00:00",
                        [Section("summary", "Summary", [item])], [])
    data = briefing.to_json()
    assert data["sections"][0]["items"][0]["facts"] == [fact.to_json()]
    assert Briefing.from_json(data).sections[0].items[0].facts == [fact]


def test_past_weekdays_and_yesterday_are_dated_from_the_article():
    from briefing.compose.leads import resolve_relative_days as resolve

    assert resolve("Two ferries collided Wednesday off Bergen.", "2026-01-29") == \
        "Two ferries collided January 28 off Bergen."
    assert resolve("The ferries collided on Thursday and sank on Monday.", "2026-01-29") == \
        "The ferries collided on January 29 and sank on January 26."
    assert resolve("Yesterday the coastguard found both crews.", "2026-01-29") == \
        "On January 28 the coastguard found both crews."
    assert resolve("The port reopened late yesterday.", "2026-01-29") == \
        "The port reopened late on January 28."
    # After other words, in a sentence telling the past, with "on"; a part of a day keeps
    # its word; "last" goes; a statement's day is dated even in a sentence about a plan.
    for text, dated in [
        ("Divers joined the search Wednesday for the crew.",
         "Divers joined the search on January 28 for the crew."),
        ("The ferry sank late Saturday.", "The ferry sank late on January 24."),
        ("The ferry has lain on the seabed since last Saturday.",
         "The ferry has lain on the seabed since January 24."),
        ("The crew began the drill last Thursday.", "The crew began the drill on January 22."),
        ("The yard will repair the ferry, its owner said Tuesday.",
         "The yard will repair the ferry, its owner said January 27."),
        ("Divers removed the hull Monday in hopes the wreck will tell more.",
         "Divers removed the hull on January 26 in hopes the wreck will tell more."),
        # Friday, the day after the article's, may be tomorrow: left.
        ("He flew to Oslo Wednesday and had a meeting in Bergen Friday.",
         "He flew to Oslo on January 28 and had a meeting in Bergen Friday."),
        ("The ferry will sail Friday, the owner said Tuesday.",
         "The ferry will sail Friday, the owner said January 27."),
        ("Last Friday, the yard cut 300 jobs.", "On January 23, the yard cut 300 jobs."),
        ("The strike ran between Monday and Wednesday.",
         "The strike ran between January 26 and January 28."),
        ("Tuesday and Wednesday, dockers marched.",
         "On January 27 and January 28, dockers marched."),
    ]:
        assert resolve(text, "2026-01-29") == dated, text
    for kept in ("Two ferries collided Wednesday.",):  # no article date: nothing to date by
        assert resolve(kept, None) == kept
    for kept in (
        '"We saw them Wednesday," a fisherman said.',  # a quote stays as said
        "Yesterday's search found nothing.",  # a possessive is not a date
        "The search resumes Friday and will end on Sunday.",  # the future
        "Early Tuesday morning a storm reached the coast.",  # part of a day
        "The port stays closed until Friday.",  # a range
        "Divers return today.",  # "today" is left
        "Tuesday's collision was the third this year.",
        "Parliament votes Tuesday on the ferry ban.",  # nothing past: may be a schedule
        "The trial opens Monday, the court said.",  # a present tense: a schedule
        "Ferries stopped running in the fjord mid Tuesday.",
        "She bought two tickets for Friday.",  # "for" may look ahead
        # Found in review: a plan told in the passive, a present tense with a word in -ed, a
        # day's name, a range, a day that is a sentence's subject, a quote left open.
        "The winner will be announced Friday.",
        "The families will be told on Friday.",
        "The council meets in closed session Monday.",
        "The state-owned yard holds its annual meeting Friday.",
        "A hundred dockers protest Friday in Bergen.",
        "He said Sunday, the day of the vote, will be a holiday.",
        "The mayor won the vote on Super Tuesday.",
        "Crowds gathered in Bergen on Easter Sunday.",
        "He attended Sunday Mass in Bergen.",
        "The market opens the last Friday of each month.",
        "The yard cancelled sailings Monday-Wednesday.",
        "The shelters stayed open Monday through Wednesday.",
        "Volunteers searched the fjord all Monday.",
        'We arrived Monday and found nothing," he said.',
    ):
        assert resolve(kept, "2026-01-29") == kept, kept




def test_lines_that_cannot_stand_alone_are_rejected():
    from briefing.compose.leads import standalone_quality

    def quality(text: str) -> float:
        return standalone_quality(Sentence("a", 3, 3, text))

    for text in ["Q: Did the ferry leave Bergen on time that evening?",
                 "-- May 4: The ferry leaves Bergen for the last time.",
                 "A look at the ferry disasters of the past decade.",
                 "The harbour authority has not yet responded to that request.",
                 "Part of this is a new radar system for the whole fjord.",
                 # Short and naming no one and nowhere: the tail of the sentence before.
                 "Only one radar is working.",
                 # A connective before a pronoun, a list going on: they lean back as well.
                 "Now it wants its money back from the operator.",
                 "Other ferries were inspected by the harbour police on Monday.",
                 # A day or "but," in front of the pronoun: still leaning back.
                 "Saturday another team of about 90 divers will arrive in Bergen.",
                 "But, he said, the ferry from Bergen had passed every inspection.",
                 # Half a sentence: a clause whose main clause came before, an aside.
                 "Because the radar on the bridge had failed in the storm.",
                 "(The ferry had passed its inspection in May, the operator said.)",
                 # Openings that answer the sentence before, a pronoun after "while".
                 "Regardless, the ferry sailed from Bergen at dawn on Monday.",
                 "In fact, in May the harbour board of Bergen inspected it twice.",
                 "While that sounds like a lot, the ferry from Bergen carried more.",
                 # A teaser: it names the puzzle the next lines explain.
                 "After the sinking, captains who sailed her pondered a paradox Wednesday.",
                 # A predicate whose complement the sentence before gave (involved in what?).
                 "Inquiries by the Bergen harbour police indicate two crewmen were involved.",
                 "The mayor of Bergen and the harbour board also took part."]:
        assert quality(text) <= -1.0, text
    for text in ["The harbour authority said that the ferry left Bergen on time.",
                 "Because of the storm, the ferry from Bergen left two hours late.",
                 "The answer to the harbour board's question about the radar was no.",
                 "While the ferry was at sea, the harbour of Bergen stayed closed.",
                 "Two crewmen were involved in the Bergen ferry fire, the police said.",
                 "The ferry operator will replace its radar system this week.",
                 "On Monday the ferry from Bergen sank in the fjord, police said."]:
        assert quality(text) > -0.25, text
    # Short, but saying who or where: a headline brief is still a fact.
    from briefing.compose.weights import STORY_WEIGHTS

    for text in ["Bergen ferry service resumes.", "Norway reopens the fjord."]:
        assert quality(text) > STORY_WEIGHTS.fact_min_quality, text


def test_a_chronology_gives_no_line_even_where_an_entry_lost_its_marker():
    from briefing.compose.leads import listing_articles

    chronology = ["Ferry Nordlys leaves Bergen, bound for Kirkenes.",
                  "8:02 a.m. -- Ferry docks at Alesund in fog.",
                  "10:25 a.m. -- Ferry leaves Alesund for Trondheim.",
                  "1:46 p.m. -- Ferry reports a fire in the engine room."]
    report = ["The ferry Nordlys caught fire off Alesund on Thursday, the coast guard said.",
              "8:02 a.m. -- Ferry docks at Alesund in fog.",
              "All 57 passengers were taken off by lifeboat, officials said.",
              "The operator said the ship would be towed to Trondheim."]
    sentences = [Sentence("timeline", n, n, t) for n, t in enumerate(chronology)]
    sentences += [Sentence("report", n, n, t) for n, t in enumerate(report)]
    assert listing_articles(sentences) == {"timeline"}


def test_a_headline_made_from_a_lead_starts_with_who_did_what():
    from briefing.compose.sections import HEADLINE_WORDS, headline

    def made(text: str) -> str:
        return headline(Item(text=text, sources=[], evidence=[], theme="x"), {}, set())

    assert made("On March 3, the Bergen harbour master closed the fjord to ferries after a "
                "fire on the Nordlys.") == ("The Bergen harbour master closed the fjord to "
                                            "ferries after a fire…")
    assert len(made("Between May 4 and 9, " + "ferries " * 20).split()) == HEADLINE_WORDS
    # Too little left after the date: the lead's words as they are.
    assert made("On Monday, the ferry sank.") == "On Monday, the ferry sank."


def test_a_title_names_an_item_only_when_the_item_says_it():
    from briefing.compose.sections import headline

    # A round-up's title names its main story; an aside taken from it gets its own words.
    roundup = Article(id="r", title="Ferry talks in Oslo end without a deal on new routes",
                      source="r", text="")
    report = Article(id="s", title="Harbour fire closes Bergen docks", source="s", text="")
    aside = Item(text="A fire closed the Bergen docks on Sunday, the harbour master said.",
                 sources=["r"], evidence=[], theme="x")
    assert headline(aside, {"r": roundup}, set()).startswith("A fire closed the Bergen docks")
    aside.sources = ["r", "s"]
    assert headline(aside, {"r": roundup, "s": report}, set()) == report.title


def _two_fact_story(first: tuple[str, str, float], second: tuple[str, str, float]):
    """A story of two one-sentence facts, (article, text, score) each, on unit vectors."""
    from briefing.compose.grouping import Group, Story

    sentences = [Sentence(aid, 0, 0, text) for aid, text, _ in (first, second)]
    vectors = np.eye(2, dtype=np.float32)
    facts = [Group(members=[n], centroid=vectors[n], best=n, score=score, text=text,
                   articles=[aid]) for n, (aid, text, score) in enumerate((first, second))]
    story = Story(articles=[first[0], second[0]], centroid=vectors[0], facts=facts)
    return story, sentences, vectors, facts


def _story_lines(aid: str, text: str, vector: np.ndarray, n_articles: int = 1):
    """A chosen (story, lines) pair: one story of ``n_articles`` articles led by ``text``."""
    from briefing.compose.grouping import Group, Story

    articles = [f"{aid}{k}" for k in range(n_articles)]
    lead = Group(members=[], centroid=vector, text=text, articles=articles[:1])
    return Story(articles=articles, centroid=vector, theme="summary"), [lead]


def _lead_rows(chosen):
    """Sentences (each lead opens its articles) and their rows for ``merge_subjects``."""
    sentences, rows, vectors = [], {}, []
    for story, lines in chosen:
        for aid in story.articles:
            rows[aid] = [len(sentences)]
            lines[0].members = lines[0].members or [len(sentences)]
            lines[0].best = lines[0].members[0]
            sentences.append(Sentence(aid, 0, 0, lines[0].text))
            vectors.append(story.centroid)
    return sentences, np.stack(vectors), rows


def test_developments_of_one_subject_are_one_item_citing_both_stories():
    from briefing.compose.subjects import merge_subjects

    probe = _story_lines("p", "Regulators in Oslo are investigating Fjordline over its accounts.",
                         _unit(1, 0.1, 0), n_articles=2)
    layoffs = _story_lines("l", "Fjordline will lay off a third of its 1,200 staff this week.",
                           _unit(1, 0, 0.1))
    other = _story_lines("o", "Regulators in Oslo fined a Bergen bank on Monday.", _unit(0, 1, 0))
    chosen = [layoffs, probe, other]
    sentences, vectors, rows = _lead_rows(chosen)
    merged = merge_subjects(chosen, sentences, vectors, rows)
    # The story more outlets report leads; the other's lead is a fact citing its article.
    assert [lines[0].text for _, lines in merged] == [probe[1][0].text, other[1][0].text]
    assert [g.text for g in merged[0][1]] == [probe[1][0].text, layoffs[1][0].text]
    # "Oslo" is in two leads too, but the day's other article opens with it: not a subject.
    assert len(merged) == 2
    # A third article opening with the subject, outside both stories: no longer theirs alone.
    rival = _story_lines("r", "Fjordline's rival Color Line said on Monday it was hiring.",
                         _unit(0, 0, 1))
    chosen = [layoffs, probe, other, rival]
    sentences, vectors, rows = _lead_rows(chosen)
    assert len(merge_subjects(chosen, sentences, vectors, rows)) == 4
    # Alike names, unlike texts: two stories.
    far = _story_lines("f", "Fjordline will lay off a third of its 1,200 staff this week.",
                       _unit(0, 0.2, 1))
    chosen = [probe, far]
    sentences, vectors, rows = _lead_rows(chosen)
    assert len(merge_subjects(chosen, sentences, vectors, rows)) == 2


def test_a_merged_item_cites_and_covers_the_articles_of_both_stories():
    # Openings about two developments (axes 0 and 1), then the same company background
    # (axis 2): two stories by their openings, alike as whole texts.
    background = [f"Fjordline, founded in {1990 + k}, runs {k + 3} routes from Bergen."
                  for k in range(6)]
    a, sa = _article("a", ["Regulators in Oslo are investigating Fjordline, officials said.",
                           "The inquiry into Fjordline began in March.",
                           "Fjordline said it was cooperating.", *background])
    b, sb = _article("b", ["Regulators are investigating Fjordline, the agency said.",
                           "The Fjordline inquiry started after an audit in March.",
                           "Fjordline said it would cooperate.", *background])
    c, sc = _article("c", ["Fjordline will lay off a third of its 1,200 staff this week.",
                           "The Fjordline cuts start in Bergen on Monday.",
                           "Unions at Fjordline called a meeting.", *background])
    d, sd = _article("d", ["A storm closed the harbour of Tromsø on Sunday night, police said."])
    rows = [_unit(1, 0, 0, 0)] * 3 + [_unit(0, 0, 1, 0)] * 6
    rows += [_unit(1, 0.02, 0, 0)] * 3 + [_unit(0, 0, 1, 0)] * 6
    rows += [_unit(0, 1, 0, 0)] * 3 + [_unit(0, 0, 1, 0)] * 6 + [_unit(0, 0, 0, 1)]
    settings = settings_from_mapping({"themes": [], "budget_words": 400})
    sections, _ = compose([a, b, c, d], sa + sb + sc + sd, np.stack(rows), settings, None)
    items = [i for s in sections for i in s.items]
    assert len(items) == 2
    fjordline = next(i for i in items if "Fjordline" in i.text)
    assert "investigating" in fjordline.text
    assert set(fjordline.sources) == {"a", "b"}  # the lead's own story
    assert set(fjordline.articles) == {"a", "b", "c"}  # and the layoffs, as a fact
    assert any("cuts" in f.text or "lay off" in f.text for f in fjordline.facts
               if f.sources == ["c"])


def test_each_section_starts_with_the_story_most_outlets_report():
    from briefing.compose.selection import select_lines
    from briefing.compose.weights import STORY_WEIGHTS

    big, sentences, vectors, _facts = _two_fact_story(
        ("a", "An earthquake of magnitude 7.4 struck Izmit, killing 7,000 people.", 1.0),
        ("b", "Rescuers from 19 countries searched the ruins of Izmit.", 0.5))
    big.articles = ["a", "b", "c"]
    aside, *_ = _two_fact_story(
        ("d", "The United States offered help to Turkey on Tuesday.", 1.5),
        ("e", "Turkey's refinery fire at Izmit was put out on Saturday.", 1.4))
    aside.articles = ["d"]
    for story in (big, aside):
        story.theme = "summary"
        story.lead = story.facts[0]
        story.lead_options = [(story.facts[0], story.facts[0].score)]
        story.score = story.facts[0].score
    # Room for one lead only: the three-outlet story's, although the aside scores higher.
    budget = len(big.facts[0].text.split())
    chosen = select_lines([aside, big], vectors, budget, ["summary"], 0.7, STORY_WEIGHTS)
    assert [story for story, _ in chosen] == [big]


def test_a_stamped_text_file_is_dated_by_its_stamp(tmp_path):
    import json

    from conftest import run_cli, write_config

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "ferry.txt").write_text(
        "Tuesday, July 7, 2009\nThe ferry between Bergen and Stavanger ran aground on Monday "
        "in a storm, and its 300 passengers were taken off by lifeboats, the coastguard said."
        "\n\nDivers inspected the hull Monday and found a long gash below the waterline, the "
        "operator Fjord Line said.", encoding="utf-8")
    out = tmp_path / "out"
    config = write_config(tmp_path, sources=[{"path": str(inbox)}], themes=[],
                          output_dir=str(out), state_dir=str(tmp_path / "state"))
    # Within the default window nothing of 2009 is news: stored, told, not briefed.
    code, stdout, err = run_cli("--config", str(config), "render", "--format", "json")
    assert code == 0, err
    assert "1 article(s) older than the 36-hour window left out" in stdout
    config = write_config(tmp_path, sources=[{"path": str(inbox)}], themes=[], window_hours=0,
                          output_dir=str(out), state_dir=str(tmp_path / "state"))
    code, stdout, err = run_cli("--config", str(config), "render", "--all", "--format", "json")
    assert code == 0, err
    data = json.loads(sorted(out.glob("*/briefing.json"))[-1].read_text("utf-8"))
    lines = [line["text"] for s in data["sections"] for i in s["items"]
             for line in [i, *i["facts"]]]
    # Weekdays are not rewritten as dates (StoryWeights.resolve_days is off since issue 25):
    # the article is dated by its stamp, for the window.
    assert any("Monday" in line for line in lines), lines
    assert data["articles"][0]["published"] == "2009-07-07"
