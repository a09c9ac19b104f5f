"""Documentation stays complete: a command or config key missing from the README fails."""

from __future__ import annotations

import argparse

from conftest import REPO

from briefing.cli import build_parser
from briefing.config import KNOWN_KEYS

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_config_key_is_documented():
    for key in KNOWN_KEYS:
        assert f"`{key}`" in README, key


def test_every_command_and_option_is_documented():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        assert f"`{name}" in README, name
        for action in command._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in README, f"{name} {flag}"


def test_quick_start_is_the_two_make_commands():
    assert "make demo" in README and "make test" in README


TEMPLATES_DOC = (REPO / "docs" / "templates.md").read_text(encoding="utf-8")


def test_every_template_is_documented():
    root = REPO / "templates"
    names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.j2"))
    assert len(names) > 10
    for name in names:
        assert f"`{name}`" in TEMPLATES_DOC, f"{name} is not described in docs/templates.md"


def test_the_override_example_in_the_template_docs_renders(tmp_path):
    import re

    from briefing.config import settings_from_mapping
    from briefing.records import Article, Briefing, Evidence, Item, Section
    from briefing.render.html import render_html

    example = re.search(r"`my-templates/(partials/[\w.]+)`.*?```jinja\n(.*?)```", TEMPLATES_DOC,
                        re.S)
    assert example, "the override example is missing"
    path, text = example.groups()
    (tmp_path / "my-templates" / path).parent.mkdir(parents=True)
    (tmp_path / "my-templates" / path).write_text(text, encoding="utf-8")
    settings = settings_from_mapping({"templates_dir": "my-templates"}, base_dir=tmp_path)
    sentence = "The foreign ministers met in Geneva on Friday."
    briefing = Briefing(
        title="Desk Briefing", date="2022-01-23", generated_at="2022-01-23T07:00:00+02:00",
        sections=[Section("diplomacy", "Diplomacy", [
            Item(sentence, ["a1"], [Evidence("a1", sentence)], "diplomacy")])],
        articles=[Article(id="a1", title="Talks in Geneva", source="Example News",
                          text=sentence)])
    html = render_html(briefing, settings)
    assert "Sunday, 23 January 2022</time> · Kyiv desk" in html
    assert "· Kyiv desk" in html and "1 story from 1 article ·" in html and sentence in html
