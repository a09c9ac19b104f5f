"""The config: validated with messages that name the key; paths relative to its folder."""

from __future__ import annotations

import pytest
from conftest import REPO, run_cli, write_config

from briefing.config import load_settings
from briefing.errors import ConfigError


def test_project_config_is_valid_and_has_the_default_themes():
    settings = load_settings(REPO / "config.yaml")
    assert [t.id for t in settings.themes] == ["diplomacy", "military_aid", "ceasefire", "cyber"]
    assert settings.budget_words == 600
    assert settings.output_dir == REPO / "output"
    assert settings.database_path.parent == REPO / "state"


def test_paths_are_relative_to_the_config_folder(tmp_path):
    config = write_config(tmp_path, output_dir="out/x", state_dir="st")
    settings = load_settings(config)
    assert settings.output_dir == tmp_path / "out" / "x"
    assert settings.state_dir == tmp_path / "st"
    assert settings.sources[0].target == str(tmp_path / "seeds")


@pytest.mark.parametrize(("overrides", "named"), [
    ({"budget_words": "many"}, "budget_words"),
    ({"budget_words": -5}, "budget_words"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"themes": [{"id": "x", "title": "X", "examples": "not a list"}]}, "themes[0].examples"),
    ({"themes": [{"title": "No id"}]}, "themes[0].id"),
    ({"sources": [{"path": "a", "url": "http://b"}]}, "sources[0]"),
    ({"sources": "seeds/"}, "sources"),
    ({"colour": "red"}, "colour"),
    ({"email": {"security": "tls9"}}, "email.security"),
    ({"email": {"password": "hunter2"}}, "email.password"),
    ({"schedule": {"briefing": "every morning"}}, "schedule.briefing"),
    ({"group_threshold": 3}, "group_threshold"),
])
def test_bad_values_get_a_message_naming_the_key(tmp_path, overrides, named):
    config = write_config(tmp_path, **overrides)
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    assert named in str(info.value)
    code, _, err = run_cli("--config", str(config), "render")
    assert code == 2
    assert named in err and "Traceback" not in err


def test_malformed_yaml_says_where(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("title: Briefing\nthemes:\n  - id: x\n   title: [unclosed\n")
    code, _, err = run_cli("--config", str(config), "check")
    assert code == 2
    assert "not valid YAML" in err and "line" in err


def test_missing_config_file_is_named(tmp_path):
    code, _, err = run_cli("--config", str(tmp_path / "nope.yaml"), "check")
    assert code == 2 and "nope.yaml" in err


def test_check_command_summarises_a_good_config():
    code, out, _ = run_cli("--config", str(REPO / "config.yaml"), "check")
    assert code == 0
    assert "config OK" in out and "diplomacy" in out
