"""The config: validated with messages that name the key; paths relative to its folder."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, run_cli, write_config

from briefing.config import (
    EmailSettings,
    FetchSettings,
    Schedule,
    Settings,
    SummarizerSettings,
    load_settings,
    settings_from_mapping,
)
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


# --- the models: one default per setting, one line per error ---------------------------------


def test_an_empty_config_is_the_models_defaults(tmp_path):
    # Reading a config adds no defaults of its own: an empty one, or one whose sections are
    # empty or null, is what the models hold (with the two folders resolved).
    expected = Settings(config_path=None, base_dir=tmp_path, output_dir=tmp_path / "output",
                        state_dir=tmp_path / "state")
    assert settings_from_mapping({}, base_dir=tmp_path) == expected
    blank = {"sources": None, "themes": [], "schedule": {}, "email": None, "fetch": {},
             "summarizer": None}
    assert settings_from_mapping(blank, base_dir=tmp_path) == expected
    assert (expected.schedule, expected.email, expected.fetch, expected.summarizer) == (
        Schedule(), EmailSettings(), FetchSettings(), SummarizerSettings())


def test_the_defaults_the_readme_states_are_the_models(tmp_path):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    settings = settings_from_mapping({}, base_dir=tmp_path)
    stated = {}
    for key, row in re.findall(r"^\| `(\w+)` \|(.*)$", readme, re.M):
        found = re.search(r"[Dd]efault (?:\"([^\"]+)\"|`([^`]+)`|(\d[\d.]*\d|\d))", row)
        if found and hasattr(settings, key):
            stated[key] = next(g for g in found.groups() if g)
    assert len(stated) >= 7, stated  # output_dir, state_dir, budget_words, thresholds …
    for key, text in stated.items():
        value = getattr(settings, key)
        shown = value.relative_to(tmp_path).as_posix() if isinstance(value, Path) else str(value)
        assert shown == text, f"README says {key} defaults to {text}, the model to {shown}"


def test_the_default_crons_are_valid():
    from briefing.daemon.cron import parse_cron

    # Defaults are not validated when settings are read (that would import APScheduler).
    for expression in (Schedule().poll, Schedule().briefing):
        parse_cron(expression, "UTC")


@pytest.mark.parametrize(("overrides", "message"), [
    ({"email": {"smtp_port": "25"}}, "email.smtp_port: must be a whole number, got '25'"),
    ({"email": {"enabled": "yes"}}, "email.enabled: must be true or false, got 'yes'"),
    ({"email": {"to": "nobody"}}, "email.to[0]: not an email address: 'nobody' (write "
     "name@example.org or Name <name@example.org>, one per entry, in ASCII)"),
    ({"email": {"to": {"a": 1}}}, "email.to: must be a list of email addresses"),
    ({"email": {"from": "nobody"}}, "email.from: not an email address: 'nobody'"),
    ({"email": {"enabled": True, "to": []}},
     "email.to: email is enabled but has no recipients"),
    ({"fetch": {"timeout_seconds": True}}, "fetch.timeout_seconds: must be a number, got True"),
    ({"fetch": {"max_bytes": 10}}, "fetch.max_bytes: must be at least 1000, got 10"),
    ({"summarizer": {"min_similarity": "high"}},
     "summarizer.min_similarity: must be a number, got 'high'"),
    ({"summarizer": {"method": "abstractive"}},
     "summarizer.model: abstractive summaries need a local model folder"),
    ({"schedule": {"grace_seconds": 1.5}},
     "schedule.grace_seconds: must be a whole number, got 1.5"),
    ({"schedule": []}, "schedule: must be a mapping, got list"),
    ({"sources": ["a", {"feed": 5}]}, "sources[1].feed: must be a non-empty string, got 5"),
    ({"sources": [{"url": "https://a.example", "name": 5}]},
     "sources[0].name: must be a string, got 5"),
    ({"themes": [{"id": "a", "examples": ["x"]}, {"id": "b", "examples": [3]}]},
     "themes[1].examples: must be a list of strings"),
    ({"themes": [{"id": "a", "examples": ["x"]}, {"id": "a", "examples": ["y"]}]},
     "themes[1].id: 'a' is used twice or reserved"),
    ({"themes": [{"id": "other", "examples": ["x"]}, {"id": "other", "examples": ["y"]}]},
     "themes[1].id: 'other' is used twice or reserved"),
    ({"themes": [{"id": "a"}]}, "themes[0].description: a theme needs a description or examples"),
    ({"themes": ["a"]}, "themes[0]: must be a mapping, got str"),
    ({"group_threshold": 3}, "group_threshold: must be between 0.0 and 1.0, got 3.0"),
    ({"title": None}, "title: missing (a non-empty string is required)"),
    ({"output_dir": ""}, "output_dir: must be a non-empty string, got ''"),
    ({"page_size": "A5"}, "page_size: must be A4 or Letter, not 'A5'"),
    ({"desk": "ports desk"}, "desk: must be a name of letters, digits, '-' and '_' (at most "
     "40, starting with a letter or digit), not 'ports desk'"),
    ({"email": {"resend_unknown": 11}},
     "email.resend_unknown: Input should be less than or equal to 10"),
])
def test_a_bad_nested_value_names_its_full_path_in_one_line(tmp_path, overrides, message):
    with pytest.raises(ConfigError) as info:
        settings_from_mapping(overrides, base_dir=tmp_path)
    assert str(info.value) == message


@pytest.mark.parametrize(("overrides", "message"), [
    ({"themes": [{"id": "a", "examples": ["x"]}, {"id": "b", "examples": ["y"], "colour": 1}]},
     "themes[1].colour: unknown key (allowed: description, examples, id, title)"),
    ({"sources": [{"path": "a", "kind": "feed"}]},
     "sources[0].kind: unknown key (allowed: feed, name, path, url)"),
    ({"email": {"sender": "a@b.org"}}, "email.sender: unknown key (allowed: enabled, from, "
     "password_env, resend_unknown, retry_seconds, security, smtp_host, smtp_port, subject, "
     "timeout_seconds, to, username)"),
    ({"fetch": {"retries": 3}},
     "fetch.retries: unknown key (allowed: allow_private, max_bytes, max_entries, "
     "max_redirects, per_host, poll_seconds, timeout_seconds, user_agent)"),
])
def test_an_unknown_nested_key_is_refused_with_its_path(tmp_path, overrides, message):
    with pytest.raises(ConfigError) as info:
        settings_from_mapping(overrides, base_dir=tmp_path)
    assert str(info.value) == message


@pytest.mark.parametrize("key", ["config_path", "base_dir", "colour"])
def test_a_top_level_key_outside_known_keys_is_refused(tmp_path, key):
    with pytest.raises(ConfigError, match=rf"^unknown key '{key}' \(known keys: title, "):
        settings_from_mapping({key: "x"}, base_dir=tmp_path)


def test_config_spellings_and_resolved_paths(tmp_path):
    settings = settings_from_mapping({
        "sources": ["inbox", {"feed": "https://a.example/rss", "name": "A"}],
        "email": {"from": "desk@example.org", "to": "me@example.org"},
        "summarizer": {"method": "abstractive", "model": "models/bart"},
        "templates_dir": "/srv/templates", "page_size": "letter",
        "public_url": "https://example.org/b",
    }, base_dir=tmp_path)
    assert [(s.kind, s.target, s.name) for s in settings.sources] == [
        ("path", str(tmp_path / "inbox"), None), ("feed", "https://a.example/rss", "A")]
    assert settings.sources[1].label == "feed: https://a.example/rss"
    assert settings.email.sender == "desk@example.org"
    assert settings.email.to == ("me@example.org",)  # tuples stay tuples
    assert settings.summarizer.model == tmp_path / "models" / "bart"
    assert settings.templates_dir == Path("/srv/templates")
    assert (settings.page_size, settings.public_url) == ("Letter", "https://example.org/b/")
    assert settings.database_path == tmp_path / "state" / "briefing.sqlite3"


def test_settings_are_immutable_and_copied_with_changes(tmp_path):
    settings = settings_from_mapping({}, base_dir=tmp_path)
    with pytest.raises(ValueError, match="frozen"):
        settings.budget_words = 5  # type: ignore[misc]
    letter = settings.model_copy(update={"page_size": "Letter"})
    assert (settings.page_size, letter.page_size) == ("A4", "Letter")
    assert hash(settings) != hash(letter)


def test_models_built_in_code_are_checked_too():
    with pytest.raises(ValueError, match="max_bytes"):
        FetchSettings(max_bytes="many")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="colour"):
        FetchSettings(colour="red")  # type: ignore[call-arg]
    # Built in code, a path is taken as given: only a config's paths are relative to it.
    assert SummarizerSettings(method="abstractive", model=Path("m")).model == Path("m")


def test_help_and_a_bad_config_stay_light():
    # `--help` does not import pydantic; reading a config with the default schedule does not
    # import APScheduler (only a cron that is given is parsed).
    code = ("import sys; from briefing.cli import build_parser; build_parser(); "
            "assert 'pydantic' not in sys.modules, 'pydantic'; "
            "from briefing.config import settings_from_mapping; settings_from_mapping({}); "
            "assert 'apscheduler' not in sys.modules, 'apscheduler'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr


# --- issue 15: what would reach a mail header or the wire is checked by `briefing check` ------


@pytest.mark.parametrize(("overrides", "message"), [
    ({"title": "Daily\r\nBcc: victim@example.org"},
     "title: 'Daily\\r\\nBcc: victim@example.org' has a line break or control character; "
     "write it on one line"),
    ({"email": {"to": ["desk@example.org", "x@example.org\nBcc: victim@example.org"]}},
     "email.to[1]: 'x@example.org\\nBcc: victim@example.org' has a line break or control "
     "character; write one address on one line"),
    ({"email": {"from": "Desk <desk@example.org>\r\nBcc: victim@example.org"}},
     "email.from: 'Desk <desk@example.org>\\r\\nBcc: victim@example.org' has a line break or "
     "control character; write one address on one line"),
    ({"email": {"to": ["a@example.org, b@example.org"]}},
     "email.to[0]: not an email address: 'a@example.org, b@example.org' (write "
     "name@example.org or Name <name@example.org>, one per entry, in ASCII)"),
    ({"email": {"to": ["jörg@example.org"]}},
     "email.to[0]: not an email address: 'jörg@example.org' (write name@example.org or "
     "Name <name@example.org>, one per entry, in ASCII)"),
    ({"email": {"smtp_host": "smtp.example.org", "security": "none", "username": "briefing",
                "password_env": "BRIEFING_SMTP_PASSWORD"}},
     "email.security: none would send the SMTP password unencrypted to smtp.example.org; use "
     "starttls (port 587) or ssl (port 465), or a relay on localhost"),
    ({"email": {"smtp_host": "10.0.0.5", "security": "none",
                "password_env": "BRIEFING_SMTP_PASSWORD"}},
     "email.security: none would send the SMTP password unencrypted to 10.0.0.5; use "
     "starttls (port 587) or ssl (port 465), or a relay on localhost"),
    ({"email": {"smtp_host": "smtp.example.org\r\nRCPT TO:<x@example.org>"}},
     "email.smtp_host: not a host name or address: "
     "'smtp.example.org\\r\\nRCPT TO:<x@example.org>'"),
    ({"email": {"username": "jörg", "security": "starttls"}},
     "email.username: 'jörg': SMTP login names must be ASCII on one line"),
])
def test_header_breaking_values_and_clear_text_credentials_are_refused(tmp_path, overrides,
                                                                      message):
    with pytest.raises(ConfigError) as info:
        settings_from_mapping(overrides, base_dir=tmp_path)
    assert str(info.value) == message
    # `briefing check` finds it: one line, exit status 2, no traceback.
    config = write_config(tmp_path, **overrides)
    code, out, err = run_cli("--config", str(config), "check")
    assert code == 2 and out == ""
    assert err == f"briefing: error: {message}\n"


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.0.0.53", "::1"])
def test_credentials_without_tls_are_fine_to_a_relay_on_this_machine(tmp_path, host):
    settings = settings_from_mapping(
        {"email": {"smtp_host": host, "security": "none", "username": "briefing",
                   "password_env": "BRIEFING_SMTP_PASSWORD",
                   "from": "Morning Briefing <briefing@example.org>",
                   "to": ["Desk <desk@example.org>", "editor@example.org"]}},
        base_dir=tmp_path)
    assert settings.email.smtp_host == host
    for security in ("starttls", "ssl"):  # and to any host over TLS
        settings_from_mapping({"email": {"smtp_host": "smtp.example.org", "security": security,
                                         "username": "briefing",
                                         "password_env": "BRIEFING_SMTP_PASSWORD"}},
                              base_dir=tmp_path)
