"""Catch-all settings travel with the themes they were written for (issue 26): in the example
config they sit among its themes, so a copy whose themes are replaced loses them, and
`briefing check` warns, naming the key, when copied ones would take most of the news."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import REPO, run_cli, write_config

from briefing.config import CATCHALL_ID, settings_from_mapping
from briefing.errors import ConfigError

# A beat of one's own: none of it about Ukraine (id: description; the title is the id's).
BEAT = {
    "conflict": "Wars, battles, attacks and the people killed or wounded in them.",
    "economy": "Companies, markets, prices, interest rates and jobs.",
    "politics": "Elections, governments, parties and parliaments.",
    "disasters": "Earthquakes, floods, storms and accidents.",
    "crime": "Crimes, arrests, trials and prison sentences.",
}
THEMES = [{"id": key, "description": text} for key, text in BEAT.items()]

# Headlines written for this test, most of them in the words of the example config's
# catch-all phrases (troops, markets, analysts, residents, news conferences).
HEADLINES = [
    "The army said it had pushed back an attack on its positions near the border.",
    "Share prices fell sharply as investors worried about rising interest rates.",
    "Analysts say the standoff between the two neighbours could turn into a wider war.",
    "Residents of the capital queued for fuel as prices rose for a third week.",
    "The prime minister held a news conference in the capital on Monday.",
    "Troops gathered near the frontier as talks between the two sides stalled.",
    "Markets dropped on fears that the conflict would spread.",
    "Officials denied that the government plans to call up reservists.",
    "An earthquake of magnitude 6.1 struck the coast, damaging hundreds of homes.",
    "Police arrested three men suspected of robbing a jewellery shop.",
]


def example_config() -> dict:
    return yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))


def test_the_example_configs_catch_all_sits_among_its_themes_and_goes_with_them(tmp_path):
    data = example_config()
    settings = settings_from_mapping(data, base_dir=tmp_path)
    assert settings.catchall_at == "themes[4]"
    assert settings.catchall_examples and settings.theme_threshold == 0.2
    assert CATCHALL_ID not in [t.id for t in settings.themes]
    copied = settings_from_mapping({**data, "themes": THEMES}, base_dir=tmp_path)
    assert copied.catchall_examples == () and copied.catchall_at is None
    assert copied.theme_threshold == 0.05  # the default: only what fits no theme at all


@pytest.mark.parametrize(("entry", "top", "named"), [
    ({"examples": ["Markets fell."]}, {"catchall_examples": ["Shares fell."]},
     "themes[1].examples: given twice"),
    ({"threshold": 0.3}, {"theme_threshold": 0.2}, "themes[1].threshold: given twice"),
    ({"description": "News"}, {}, "themes[1].description: unknown key of the catch-all"),
    ({"examples": "Markets fell."}, {}, "themes[1].examples: must be a list of non-empty"),
    ({"threshold": 3}, {}, "themes[1].threshold: must be between -1.0 and 1.0, got 3.0"),
])
def test_a_catch_all_entry_is_checked_and_named(tmp_path, entry, top, named):
    with pytest.raises(ConfigError) as raised:
        settings_from_mapping({"themes": [THEMES[0], {"id": CATCHALL_ID, **entry}], **top},
                              base_dir=tmp_path)
    assert str(raised.value).startswith(named)


def headline_project(tmp_path: Path, **config) -> Path:
    (tmp_path / "news").mkdir()
    for n, text in enumerate(HEADLINES):
        (tmp_path / "news" / f"{n:02d}.txt").write_text(text + "\n", encoding="utf-8")
    return write_config(tmp_path, sources=[{"path": "news/"}], **config)


def check_after_render(config: Path) -> tuple[str, str]:
    """``check``'s output after a render, and what the render said on stderr."""
    code, _, said = run_cli("--config", str(config), "render", "--format", "json")
    assert code == 0, said
    code, out, err = run_cli("--config", str(config), "check")
    assert code == 0, err
    return out, said


def test_check_warns_when_copied_catch_all_phrases_take_most_stored_articles(tmp_path):
    # An example config from before the catch-all moved among the themes: its phrases and
    # floor at the top level, where replacing the themes leaves them.
    old = example_config()["themes"][-1]
    config = headline_project(tmp_path, themes=THEMES, catchall_examples=old["examples"],
                              theme_threshold=old["threshold"])
    out, said = check_after_render(config)
    assert "items went to \"Other news\"" in said and "`briefing check` names the key" in said
    warnings = [line for line in out.splitlines() if line.startswith("warning:")]
    assert warnings and warnings[0].startswith("warning: catchall_examples: the catch-all "
                                               "phrases take ")
    assert f"of {len(HEADLINES)} stored articles" in warnings[0]
    assert f"`- id: {CATCHALL_ID}` entry of `themes`" in warnings[0]


def test_check_names_the_floor_beside_the_themes_when_it_takes_most(tmp_path):
    config = headline_project(tmp_path, themes=[*THEMES, {"id": CATCHALL_ID,
                                                          "threshold": 0.9}])
    out, _ = check_after_render(config)
    assert "warning: themes[5].threshold: a floor of 0.9 sends " in out


def test_check_is_quiet_when_the_themes_were_replaced_in_a_copy_of_the_example(tmp_path):
    out, said = check_after_render(headline_project(tmp_path, themes=THEMES))
    assert "config OK" in out and "warning" not in out and "Other news" not in said


# --- a story is filed once ------------------------------------------------------------------

SPACE_THEMES = [{"id": key, "description": text} for key, text in {
    "space": "Space missions, rockets, astronauts and telescopes.",
    "money": "Budgets, spending, costs and funding decisions of governments.",
    "sport": "Matches, tournaments and players.",
}.items()]

# One launch told by two articles (written for this test): some of its facts are about money.
LAUNCH = {
    "a": ["NASA launched its new moon rocket from Florida on Wednesday after two delays.",
          "The rocket carried an uncrewed capsule that will orbit the moon for three weeks.",
          "The programme has cost taxpayers more than $20 billion so far, auditors said."],
    "b": ["NASA's moon rocket lifted off from Florida on Wednesday.",
          "The agency paid the contractor $2 billion for the rocket."],
}
LAUNCH_COST = LAUNCH["b"][1]  # space or money? by itself, barely money
AUDIT = LAUNCH["a"][2]  # the whole programme's cost: money, clearly


def launch_story(second: str | None = None):
    """The launch as one story; ``second``: another second sentence for article b."""
    from briefing.analyse.embedder import embed_texts, shared_embedder
    from briefing.compose.grouping import Group, Story, unit_mean
    from briefing.records import Sentence

    told = {**LAUNCH, "b": [LAUNCH["b"][0], second or LAUNCH["b"][1]]}
    sentences = [Sentence(article_id=aid, position=k, paragraph=k, text=text)
                 for aid, texts in told.items() for k, text in enumerate(texts)]
    vectors = embed_texts([s.text for s in sentences], shared_embedder())
    facts = [Group(members=[0, 3], centroid=unit_mean(vectors[[0, 3]]), text=sentences[0].text)]
    facts += [Group(members=[m], centroid=vectors[m], text=sentences[m].text) for m in (1, 2, 4)]
    story = Story(articles=["a", "b"], centroid=unit_mean(vectors),
                  core=unit_mean(vectors[[0, 3]]), facts=facts)
    return story, sentences


def theme_of(stories, text: str) -> str:
    return next(s.theme for s in stories if any(f.text == text for f in s.facts))


def test_a_fact_of_the_event_is_filed_with_its_story_not_by_itself(tmp_path):
    from briefing.analyse.embedder import shared_embedder
    from briefing.compose.sections import split_by_theme
    from briefing.compose.themes import index_for

    settings = settings_from_mapping({"themes": SPACE_THEMES}, base_dir=tmp_path)
    index = index_for(settings, shared_embedder())
    story, sentences = launch_story()
    filed = split_by_theme([story], sentences, index, settings.theme_threshold)
    launch = next(s for s in filed if s.theme == "space")
    assert launch.articles == ["a", "b"]
    assert theme_of(filed, LAUNCH_COST) == "space"  # what the rocket cost: the launch's
    # Filed by itself, the cost would leave the launch's section: the spread the story
    # weight prevents. The audit of the whole programme fits money clearly on its own, an
    # aside that keeps its theme either way (themes.STORY_MARGIN).
    assert theme_of(filed, AUDIT) == "money"
    story, sentences = launch_story()
    alone = split_by_theme([story], sentences, index, settings.theme_threshold,
                           story_weight=0.0)
    assert theme_of(alone, LAUNCH_COST) == "money" and theme_of(alone, AUDIT) == "money"


def test_a_fact_that_clearly_fits_another_theme_keeps_it_in_its_story(tmp_path, monkeypatch):
    from briefing.analyse.embedder import shared_embedder
    from briefing.compose import themes
    from briefing.compose.sections import split_by_theme

    # Money by a clear lead on its own words, told within the launch's story: the margin
    # keeps it under money; the story's full pull (no margin) took it to the launch, as it
    # took the seeds' Geneva meeting into their troop build-up's "Other news".
    cost = "The moon rocket's launch cost $4.1 billion, NASA's budget office said."
    settings = settings_from_mapping({"themes": SPACE_THEMES}, base_dir=tmp_path)
    index = themes.index_for(settings, shared_embedder())
    story, sentences = launch_story(cost)
    filed = split_by_theme([story], sentences, index, settings.theme_threshold)
    assert theme_of(filed, cost) == "money"
    monkeypatch.setattr(themes, "STORY_MARGIN", None)
    monkeypatch.setattr(themes, "STORY_WEIGHT", 1.0)
    story, sentences = launch_story(cost)
    filed = split_by_theme([story], sentences, index, settings.theme_threshold)
    assert theme_of(filed, cost) == "space"
