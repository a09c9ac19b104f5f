"""Settings: read `config.yaml`, validate every key, resolve paths against the config's folder.

Errors name the offending key (``themes[2].examples``) so a user can fix the file without
reading a traceback. Nothing here touches the network or the model.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from briefing.errors import ConfigError
from briefing.packaged import default_config_text

CATCHALL_ID = "other"
# News that fits no theme: the catch-all competes with the themes through these phrases.
DEFAULT_CATCHALL_EXAMPLES = (
    "Troops have massed near the border.",
    "Analysts say the crisis could escalate into a wider war.",
    "Residents said they were not panicking.",
    "The government denies that it plans an attack.",
    "Markets fell as investors worried about the conflict.",
    "The news conference was held in the capital.",
)


@dataclass(frozen=True)
class Theme:
    id: str
    title: str
    description: str = ""
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    """One configured input: exactly one of path, feed, url is set."""

    kind: str  # "path" | "feed" | "url"
    target: str  # resolved path, or the URL
    name: str | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}: {self.target}"


@dataclass(frozen=True)
class Schedule:
    poll: str = "*/30 * * * *"
    briefing: str = "0 7 * * *"
    grace_seconds: int = 3600


@dataclass(frozen=True)
class EmailSettings:
    enabled: bool = False
    smtp_host: str = "localhost"
    smtp_port: int = 25
    security: str = "none"  # starttls | ssl | none
    username: str | None = None
    password_env: str | None = None
    sender: str = "briefing@localhost"
    to: tuple[str, ...] = ()
    subject: str = "{title} — {date}"
    timeout_seconds: float = 30.0
    retry_seconds: int = 60  # first retry of a failed send; doubles up to an hour


@dataclass(frozen=True)
class FetchSettings:
    timeout_seconds: float = 20.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    user_agent: str = "Briefing/0.1 (+https://github.com/briefing/briefing)"


@dataclass(frozen=True)
class SummarizerSettings:
    method: str = "extractive"  # extractive | abstractive
    model: Path | None = None
    num_beams: int = 4
    max_new_tokens: int = 80
    device: str = "cpu"
    min_similarity: float = 0.6
    batch_size: int = 8


@dataclass(frozen=True)
class Settings:
    config_path: Path | None
    base_dir: Path
    title: str = "Daily Briefing"
    timezone: str = "UTC"
    sources: tuple[Source, ...] = ()
    output_dir: Path = Path("output")
    state_dir: Path = Path("state")
    templates_dir: Path | None = None
    budget_words: int = 600
    themes: tuple[Theme, ...] = ()
    catchall_title: str = "Other news"
    catchall_examples: tuple[str, ...] = DEFAULT_CATCHALL_EXAMPLES
    group_threshold: float = 0.78
    theme_threshold: float = 0.2
    language: str = "en"
    page_size: str = "A4"
    public_url: str | None = None  # where output_dir is published; absolute links in the feed
    schedule: Schedule = field(default_factory=Schedule)
    email: EmailSettings = field(default_factory=EmailSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    summarizer: SummarizerSettings = field(default_factory=SummarizerSettings)

    @property
    def database_path(self) -> Path:
        return self.state_dir / "briefing.sqlite3"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# Every key a config may hold, with what it means; the README documents each one and a
# test fails when one is missing there.
KNOWN_KEYS: dict[str, str] = {
    "title": "Title shown in the masthead and the email subject.",
    "timezone": "IANA zone for dates and the schedule, e.g. Europe/Berlin.",
    "sources": "List of inputs: `- path: DIR_OR_FILE`, `- feed: URL`, `- url: URL`.",
    "output_dir": "Where briefings are written (OUT/<date>/briefing.*).",
    "state_dir": "Folder of the SQLite database (articles seen, cache, runs, outbox).",
    "templates_dir": "Folder searched for templates before the packaged ones.",
    "budget_words": "Total words of all items in one briefing.",
    "themes": "List of sections: id, title, description, examples. Empty: one generic section.",
    "catchall_title": "Heading of the section for important items that fit no theme.",
    "catchall_examples": "Phrases of news that fits no theme; the catch-all competes with the "
    "themes through them.",
    "group_threshold": "Cosine similarity at which sentences from different articles count as "
    "the same fact.",
    "theme_threshold": "Minimum similarity between a sentence and a theme to file it there.",
    "language": "Language of the briefing; articles in another language are reported, not used.",
    "page_size": "PDF page size: A4 or Letter.",
    "public_url": "Web address where output_dir is published; makes the feed's links absolute.",
    "schedule": "Daemon crons: poll, briefing (5 fields, or 6 with seconds first), grace_seconds.",
    "email": "SMTP delivery: enabled, smtp_host, smtp_port, security, username, password_env, "
    "from, to, subject, timeout_seconds, retry_seconds.",
    "fetch": "Network limits: timeout_seconds, max_bytes, max_redirects, user_agent.",
    "summarizer": "method (extractive|abstractive), model, num_beams, max_new_tokens, device, "
    "min_similarity, batch_size.",
}


def load_settings(path: str | Path | None = None) -> Settings:
    """Read and validate a config file; with no path, the packaged default config."""
    if path is None:
        raw_text, config_path, base_dir = default_config_text(), None, Path.cwd()
    else:
        config_path = Path(path).resolve()
        base_dir = config_path.parent
        try:
            raw_text = config_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {config_path}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config file {config_path}: {exc}") from None
    try:
        data = yaml.safe_load(raw_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError(f"config is not valid YAML{where}: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError("config must be a mapping of keys to values at the top level")
    return settings_from_mapping(data, config_path=config_path, base_dir=base_dir)


def settings_from_mapping(
    data: dict[str, Any], *, config_path: Path | None = None, base_dir: Path | None = None
) -> Settings:
    base = (base_dir or Path.cwd()).resolve()
    unknown = sorted(set(data) - set(KNOWN_KEYS))
    if unknown:
        raise ConfigError(f"unknown key '{unknown[0]}' (known keys: {', '.join(KNOWN_KEYS)})")

    def resolve(value: str) -> Path:
        p = Path(os.path.expanduser(value))
        return p if p.is_absolute() else (base / p)

    timezone = _str(data, "timezone", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"timezone: unknown time zone '{timezone}'") from None

    templates = data.get("templates_dir")
    public_url = data.get("public_url")
    if public_url is not None and not re.match(r"^https?://\S+$", str(public_url)):
        raise ConfigError(f"public_url: must be an http(s) address, not '{public_url}'")
    page_size = _str(data, "page_size", "A4")
    if page_size.lower() not in {"a4", "letter"}:
        raise ConfigError(f"page_size: must be A4 or Letter, not '{page_size}'")

    return Settings(
        config_path=config_path,
        base_dir=base,
        title=_str(data, "title", "Daily Briefing"),
        timezone=timezone,
        sources=_sources(data.get("sources", []), resolve),
        output_dir=resolve(_str(data, "output_dir", "output")),
        state_dir=resolve(_str(data, "state_dir", "state")),
        templates_dir=resolve(_str(data, "templates_dir")) if templates is not None else None,
        budget_words=_int(data, "budget_words", 600, minimum=20),
        themes=_themes(data.get("themes", [])),
        catchall_title=_str(data, "catchall_title", "Other news"),
        group_threshold=_float(data, "group_threshold", 0.78, 0.0, 1.0),
        theme_threshold=_float(data, "theme_threshold", 0.2, -1.0, 1.0),
        catchall_examples=_strings(data, "catchall_examples", DEFAULT_CATCHALL_EXAMPLES),
        language=_str(data, "language", "en"),
        page_size="Letter" if page_size.lower() == "letter" else "A4",
        public_url=str(public_url).rstrip("/") + "/" if public_url is not None else None,
        schedule=_schedule(data.get("schedule") or {}),
        email=_email(data.get("email") or {}),
        fetch=_fetch(data.get("fetch") or {}),
        summarizer=_summarizer(data.get("summarizer") or {}, resolve),
    )


# --- typed readers: each names the key it rejects -------------------------------------------


def _str(data: dict, key: str, default: str | None = None, where: str = "") -> str:
    value = data.get(key, default)
    if value is None:
        raise ConfigError(f"{where}{key}: missing (a non-empty string is required)")
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}{key}: must be a non-empty string, got {value!r}")
    return value


def _int(data: dict, key: str, default: int, where: str = "", minimum: int = 0) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{where}{key}: must be a whole number, got {value!r}")
    if value < minimum:
        raise ConfigError(f"{where}{key}: must be at least {minimum}, got {value}")
    return value


def _float(data: dict, key: str, default: float, lo: float, hi: float, where: str = "") -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}{key}: must be a number, got {value!r}")
    if not lo <= float(value) <= hi:
        raise ConfigError(f"{where}{key}: must be between {lo} and {hi}, got {value}")
    return float(value)


def _strings(data: dict, key: str, default: tuple[str, ...], where: str = "") -> tuple[str, ...]:
    value = data.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}{key}: must be a list of non-empty strings")
    return tuple(value)


def _bool(data: dict, key: str, default: bool, where: str = "") -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}{key}: must be true or false, got {value!r}")
    return value


def _mapping(value: Any, key: str) -> dict:
    if not isinstance(value, dict):
        raise ConfigError(f"{key}: must be a mapping, got {type(value).__name__}")
    return value


def _check_keys(data: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        allowed_list = ", ".join(sorted(allowed))
        raise ConfigError(f"{where}{unknown[0]}: unknown key (allowed: {allowed_list})")


def _sources(value: Any, resolve) -> tuple[Source, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError("sources: must be a list such as `- path: seeds/`")
    out = []
    for i, entry in enumerate(value):
        where = f"sources[{i}]"
        if isinstance(entry, str):
            entry = {"path": entry}
        entry = _mapping(entry, where)
        _check_keys(entry, {"path", "feed", "url", "name"}, f"{where}.")
        kinds = [k for k in ("path", "feed", "url") if k in entry]
        if len(kinds) != 1:
            raise ConfigError(f"{where}: give exactly one of path, feed, url")
        kind = kinds[0]
        target = _str(entry, kind, where=f"{where}.")
        name = entry.get("name")
        if name is not None and not isinstance(name, str):
            raise ConfigError(f"{where}.name: must be a string")
        if kind == "path":
            target = str(resolve(target))
        out.append(Source(kind=kind, target=target, name=name))
    return tuple(out)


def _themes(value: Any) -> tuple[Theme, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError("themes: must be a list of {id, title, description, examples}")
    themes, seen = [], set()
    for i, entry in enumerate(value):
        where = f"themes[{i}]."
        entry = _mapping(entry, f"themes[{i}]")
        _check_keys(entry, {"id", "title", "description", "examples"}, where)
        theme_id = _str(entry, "id", where=where)
        if not theme_id.replace("_", "").replace("-", "").isalnum():
            raise ConfigError(f"{where}id: use letters, digits, '_' or '-', got {theme_id!r}")
        if theme_id in seen or theme_id == CATCHALL_ID:
            raise ConfigError(f"{where}id: '{theme_id}' is used twice or reserved")
        seen.add(theme_id)
        examples = entry.get("examples", [])
        if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
            raise ConfigError(f"{where}examples: must be a list of strings")
        description = entry.get("description", "")
        if not isinstance(description, str):
            raise ConfigError(f"{where}description: must be a string")
        if not description.strip() and not examples:
            raise ConfigError(f"{where}description: a theme needs a description or examples")
        title = entry.get("title", theme_id.replace("_", " ").capitalize())
        if not isinstance(title, str) or not title.strip():
            raise ConfigError(f"{where}title: must be a non-empty string")
        themes.append(Theme(theme_id, title, description, tuple(examples)))
    return tuple(themes)


def _schedule(value: Any) -> Schedule:
    data = _mapping(value, "schedule")
    _check_keys(data, {"poll", "briefing", "grace_seconds"}, "schedule.")
    from briefing.daemon.cron import parse_cron

    for key in ("poll", "briefing"):
        if key in data:
            try:
                parse_cron(_str(data, key, where="schedule."), "UTC")
            except ValueError as exc:
                raise ConfigError(f"schedule.{key}: {exc}") from None
    default = Schedule()
    return Schedule(
        poll=data.get("poll", default.poll),
        briefing=data.get("briefing", default.briefing),
        grace_seconds=_int(data, "grace_seconds", default.grace_seconds, "schedule."),
    )


def _email(value: Any) -> EmailSettings:
    data = _mapping(value, "email")
    allowed = {"enabled", "smtp_host", "smtp_port", "security", "username", "password_env",
               "from", "to", "subject", "timeout_seconds", "retry_seconds", "password"}
    _check_keys(data, allowed, "email.")
    if "password" in data:
        raise ConfigError("email.password: never put a password in the config; name an "
                          "environment variable with email.password_env")
    w = "email."
    d = EmailSettings()
    security = _str(data, "security", d.security, w)
    if security not in {"starttls", "ssl", "none"}:
        raise ConfigError(f"email.security: must be starttls, ssl or none, got {security!r}")
    to = data.get("to", [])
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not all(isinstance(t, str) and "@" in t for t in to):
        raise ConfigError("email.to: must be a list of email addresses")
    enabled = _bool(data, "enabled", d.enabled, w)
    if enabled and not to:
        raise ConfigError("email.to: email is enabled but has no recipients")
    sender = _str(data, "from", d.sender, w)
    if "@" not in sender:
        raise ConfigError(f"email.from: not an email address: {sender!r}")
    username = data.get("username")
    if username is not None and not isinstance(username, str):
        raise ConfigError("email.username: must be a string")
    password_env = data.get("password_env")
    if password_env is not None and not isinstance(password_env, str):
        raise ConfigError("email.password_env: must be the name of an environment variable")
    return EmailSettings(
        enabled=enabled,
        smtp_host=_str(data, "smtp_host", d.smtp_host, w),
        smtp_port=_int(data, "smtp_port", d.smtp_port, w, minimum=1),
        security=security,
        username=username,
        password_env=password_env,
        sender=sender,
        to=tuple(to),
        subject=_str(data, "subject", d.subject, w),
        timeout_seconds=_float(data, "timeout_seconds", d.timeout_seconds, 0.1, 600, w),
        retry_seconds=_int(data, "retry_seconds", d.retry_seconds, w, minimum=1),
    )


def _fetch(value: Any) -> FetchSettings:
    data = _mapping(value, "fetch")
    _check_keys(data, {"timeout_seconds", "max_bytes", "max_redirects", "user_agent"}, "fetch.")
    d = FetchSettings()
    return FetchSettings(
        timeout_seconds=_float(data, "timeout_seconds", d.timeout_seconds, 0.1, 600, "fetch."),
        max_bytes=_int(data, "max_bytes", d.max_bytes, "fetch.", minimum=1000),
        max_redirects=_int(data, "max_redirects", d.max_redirects, "fetch."),
        user_agent=_str(data, "user_agent", d.user_agent, "fetch."),
    )


def _summarizer(value: Any, resolve) -> SummarizerSettings:
    data = _mapping(value, "summarizer")
    allowed = {"method", "model", "num_beams", "max_new_tokens", "device", "min_similarity",
               "batch_size"}
    _check_keys(data, allowed, "summarizer.")
    w = "summarizer."
    d = SummarizerSettings()
    method = _str(data, "method", d.method, w)
    if method not in {"extractive", "abstractive"}:
        raise ConfigError(f"summarizer.method: must be extractive or abstractive, got {method!r}")
    model = data.get("model")
    if method == "abstractive" and not model:
        raise ConfigError("summarizer.model: abstractive summaries need a local model folder")
    return SummarizerSettings(
        method=method,
        model=resolve(_str(data, "model", where=w)) if model else None,
        num_beams=_int(data, "num_beams", d.num_beams, w, minimum=1),
        max_new_tokens=_int(data, "max_new_tokens", d.max_new_tokens, w, minimum=4),
        device=_str(data, "device", d.device, w),
        min_similarity=_float(data, "min_similarity", d.min_similarity, -1.0, 1.0, w),
        batch_size=_int(data, "batch_size", d.batch_size, w, minimum=1),
    )
