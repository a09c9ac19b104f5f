"""Where packaged files live: inside the wheel, or at the top of a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def packaged_templates_dir() -> Path:
    """Templates shipped with Briefing (wheel: briefing/_templates; checkout: ./templates)."""
    inside = _PACKAGE / "_templates"
    return inside if inside.is_dir() else _PACKAGE.parent / "templates"


def default_config_path() -> Path:
    inside = _PACKAGE / "_default_config.yaml"
    return inside if inside.is_file() else _PACKAGE.parent / "config.yaml"


def default_config_text() -> str:
    return default_config_path().read_text(encoding="utf-8")
