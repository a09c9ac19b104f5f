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
