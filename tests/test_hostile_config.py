"""Issue 28, items 4 and 5, the config's side: a YAML alias bomb, nesting without end and
invisible format characters in a real config file, through `briefing check`."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from conftest import REPO, run_cli

from briefing.config_yaml import MAX_ALIASES
from briefing.errors import SHOWN_CHARS


def _base_config() -> str:
    return (REPO / "config.yaml").read_text(encoding="utf-8")


def _bomb(levels: int = 9, width: int = 9) -> str:
    """Anchors a0 … a<levels>, each a list of ``width`` aliases of the one before: the last
    stands for width ** levels strings."""
    lines = ['a0: &a0 "lol"']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def _check(config: Path) -> tuple[int, str, float]:
    started = time.monotonic()
    code, _out, err = run_cli("--config", str(config), "check")
    return code, err, time.monotonic() - started


def _one_line(code: int, err: str) -> str:
    assert code == 2, err
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("briefing: error: "), err
    return lines[0]


@pytest.mark.parametrize("key", ["title", "schedule.poll", "budget_words"])
@pytest.mark.parametrize("levels, reason", [
    (9, f"more than {MAX_ALIASES} aliases"),  # the bomb: 81 aliases for 9**9 strings
    (7, "aliases are expanded"),  # 49 aliases, still 7**7 strings: refused by its size
])
def test_an_alias_bomb_is_refused_in_under_a_second_with_one_line(tmp_path, key, levels,
                                                                  reason):
    # The anchors come first in a key of their own (the bomb's usual form), then the key
    # under attack takes the biggest one.
    data = yaml.safe_load(_base_config())
    top, _, sub = key.partition(".")
    data.pop(top, None)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    anchors = _bomb(levels, levels).splitlines()
    text += "bomb_anchors:\n" + "".join(f"  {line}\n" for line in anchors)
    text += f"{top}: *a{levels}\n" if not sub else f"{top}:\n  {sub}: *a{levels}\n"
    config = tmp_path / "config.yaml"
    config.write_text(text, encoding="utf-8")
    code, err, seconds = _check(config)
    line = _one_line(code, err)
    assert reason in line and "config refused" in line, line
    assert len(line) < 200
    assert seconds < 1.0, seconds


def test_many_aliases_are_refused_even_when_small(tmp_path):
    config = tmp_path / "config.yaml"
    aliases = ", ".join(["*word"] * (MAX_ALIASES + 1))
    config.write_text(_base_config() + f"\nx_words: [&word hello, {aliases}]\n",
                      encoding="utf-8")
    line = _one_line(*_check(config)[:2])
    assert f"more than {MAX_ALIASES} aliases" in line


def test_a_few_aliases_are_fine(tmp_path):
    data = yaml.safe_load(_base_config())
    config = tmp_path / "config.yaml"
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    # The same example phrase list shared by two themes through an anchor.
    text += ("themes:\n  - id: talks\n    examples: &shared [peace talks, a summit]\n"
             "  - id: envoys\n    examples: *shared\n")
    config.write_text(text.replace("themes: []\n", ""), encoding="utf-8")
    code, err, _ = _check(config)
    assert code == 0, err


@pytest.mark.parametrize("text, reason", [
    ("title: " + "[" * 500 + "]" * 500 + "\n", "deep"),
    ("title: &loop [*loop]\n", "refers to a value it is part of"),
])
def test_nesting_without_end_is_refused(tmp_path, text, reason):
    config = tmp_path / "config.yaml"
    config.write_text(text, encoding="utf-8")
    line = _one_line(*_check(config)[:2])
    assert reason in line


@pytest.mark.parametrize("key, value", [
    ("title", ["x" * 50] * 1000),
    ("budget_words", "9" * 50_000),
    ("timezone", "Europe/" + "x" * 50_000),
    ("schedule", {"poll": "*/5 " * 20_000}),
    ("email", {"enabled": True, "from": "y" * 50_000, "to": ["a@example.org"]}),
])
def test_no_message_prints_an_unbounded_value(tmp_path, key, value):
    data = yaml.safe_load(_base_config())
    data[key] = value
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    line = _one_line(*_check(config)[:2])
    assert line.startswith(f"briefing: error: {key}"), line
    assert len(line) < 200 + SHOWN_CHARS, line


@pytest.mark.parametrize("key, value, named", [
    ("title", "Daily \u202egnifeirB", "title"),
    ("title", "Daily\u200b Briefing", "title"),
    ("themes", [{"id": "talks", "title": "Peace \u2066talks\u2069"}], "themes[0].title"),
    ("email", {"enabled": False, "from": "Desk\u200d <desk@example.org>"}, "email.from"),
    ("catchall_title", "Other\ufeff news", "catchall_title"),
])
def test_invisible_characters_in_the_config_are_refused_naming_the_key(tmp_path, key, value,
                                                                       named):
    data = yaml.safe_load(_base_config())
    data[key] = value
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    line = _one_line(*_check(config)[:2])
    assert line.startswith(f"briefing: error: {named}: has an invisible format character")
    assert "U+" in line
