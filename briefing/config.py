"""Settings: read `config.yaml`, validate every key, resolve paths against the config's folder.

Each setting is written once, as a field of one of the frozen pydantic models below: its type,
its default and its check live together, and the YAML is validated against the models
directly. Errors name the offending key (``themes[2].examples``) in one line so a user can fix
the file without reading a traceback: ``settings_from_mapping`` turns pydantic's first error
into a ``ConfigError``. Nothing here touches the network or the model.

Two things happen only when a mapping is read from a config (``settings_from_mapping`` passes
a validation context; building a model in code passes none): relative paths are resolved
against the config's folder, and keys are checked against what a config may spell (``from``
rather than ``sender``, ``- path: DIR`` rather than ``kind``/``target``).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable
from email.utils import getaddresses
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from briefing.config_yaml import load_config_yaml
from briefing.errors import ConfigError, clipped, shown
from briefing.packaged import default_config_text
from briefing.store.base import DEFAULT_DESK
from briefing.text.invisible import first_format_character
from briefing.urls import web_url

CATCHALL_ID = "other"
# News that fits no theme: the catch-all may compete with the themes through phrases, but it
# has none by default: built-in phrases about one crisis out-competed every theme a user wrote
# without examples (issue 14). What fits no theme well goes there by ``theme_threshold``.
DEFAULT_CATCHALL_EXAMPLES: tuple[str, ...] = ()


# --- checks shared by the models: each raises with the wording the user sees ----------------


def _fail(message: str, at: tuple[str | int, ...] = ()) -> PydanticCustomError:
    """A validation error whose message is shown as it is; ``at`` extends the key path below
    the value being checked (``themes`` + ``(1, "id")`` names ``themes[1].id``)."""
    # The message goes in through the context, so braces in it (``{title}``) stay literal.
    return PydanticCustomError("config", "{reason}", {"reason": message, "at": at})


def _check(ok: Callable[[Any], bool], message: str) -> BeforeValidator:
    """Refuse a value for which ``ok`` is false; ``{value}`` in ``message`` shows it."""

    def check(value: Any) -> Any:
        if not ok(value):
            raise _fail(message.format(value=value))
        return value

    return BeforeValidator(check)


def _non_empty_text(value: Any) -> Any:
    if value is None:
        raise _fail("missing (a non-empty string is required)")
    if not isinstance(value, str) or not value.strip():
        raise _fail(f"must be a non-empty string, got {shown(value)}")
    return value


def _between(lo: float, hi: float) -> AfterValidator:
    def check(value: float) -> float:
        if not lo <= value <= hi:
            raise _fail(f"must be between {lo} and {hi}, got {shown(value)}")
        return value

    return AfterValidator(check)


def _list_of(ok: Callable[[Any], bool], message: str) -> BeforeValidator:
    """A YAML list (or, built in code, a tuple) whose items all pass ``ok``."""
    return _check(lambda v: isinstance(v, list | tuple) and all(ok(i) for i in v), message)


def _path_text(value: Any) -> Any:
    if isinstance(value, Path):
        return value
    return _non_empty_text(value)


def _resolve(value: Path, info: ValidationInfo) -> Path:
    """Relative to the config's folder when read from a config; as given when built in code."""
    return value if info.context is None else _resolve_in(value, info.context["base_dir"])


def _resolve_in(value: Path, base: Path) -> Path:
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else base / path


# Strict: YAML's `yes`, `"5"` or `5.0` is a mistake to report, not a value to coerce.
NonEmptyStr = Annotated[str, BeforeValidator(_non_empty_text)]
PlainStr = Annotated[str, Strict()]
WholeNumber = Annotated[int, Strict()]
Number = Annotated[float, Strict()]  # strict still takes an int (5 means 5.0), never a bool
Flag = Annotated[bool, Strict()]
ConfigPath = Annotated[Path, BeforeValidator(_path_text), AfterValidator(_resolve)]
Strings = Annotated[tuple[str, ...],
                    _list_of(lambda v: isinstance(v, str), "must be a list of strings")]
Phrases = Annotated[tuple[str, ...], _list_of(lambda v: isinstance(v, str) and v.strip(),
                                              "must be a list of non-empty strings")]


class _Model(BaseModel):
    """Frozen like the dataclasses it replaces; an unknown key is an error, never ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_by_name=True,
                              validate_by_alias=True)

    @model_validator(mode="before")
    @classmethod
    def _from_config(cls, data: Any, info: ValidationInfo) -> Any:
        if info.context is None or isinstance(data, cls):
            return data  # built in code: pydantic's own checks (extra="forbid" and types) apply
        return cls._read_config(data, info.context)

    @classmethod
    def _read_config(cls, data: Any, context: dict[str, Any]) -> Any:
        """Check one mapping of a config: a mapping, with only the keys a config may hold."""
        _refuse_unknown(_mapping(data), cls._config_keys())
        return data

    @classmethod
    def _config_keys(cls) -> set[str]:
        return {field.alias or name for name, field in cls.model_fields.items()}


def _mapping(data: Any) -> dict:
    if not isinstance(data, dict):
        raise _fail(f"must be a mapping, got {type(data).__name__}")
    return data


def _refuse_unknown(data: dict, allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed, key=str)
    if unknown:
        raise _fail(f"unknown key (allowed: {', '.join(sorted(allowed))})", at=(unknown[0],))


# --- the models ----------------------------------------------------------------------------


class Theme(_Model):
    id: NonEmptyStr
    title: NonEmptyStr
    description: PlainStr = ""
    examples: Strings = ()

    @model_validator(mode="before")
    @classmethod
    def _title_from_id(cls, data: Any) -> Any:
        # Default title: the id made readable (`military_aid` -> "Military aid").
        if isinstance(data, dict) and "title" not in data and isinstance(data.get("id"), str):
            data = {**data, "title": data["id"].replace("_", " ").capitalize()}
        return data

    @field_validator("id")
    @classmethod
    def _usable_id(cls, value: str) -> str:
        if not value.replace("_", "").replace("-", "").isalnum():
            raise _fail(f"use letters, digits, '_' or '-', got {shown(value)}")
        if value == CATCHALL_ID:
            raise _fail(f"{shown(value)} is used twice or reserved")
        return value

    @model_validator(mode="after")
    def _has_something_to_match(self) -> Self:
        if not self.description.strip() and not self.examples:
            raise _fail("a theme needs a description or examples", at=("description",))
        return self


class Source(_Model):
    """One configured input: ``target`` is a resolved path, a feed's URL or a page's URL, as
    ``kind`` says (a config writes exactly one of ``path:``, ``feed:``, ``url:``)."""

    kind: Literal["path", "feed", "url"]
    target: str
    name: PlainStr | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}: {self.target}"

    _KINDS: ClassVar[tuple[str, ...]] = ("path", "feed", "url")

    @classmethod
    def _config_keys(cls) -> set[str]:
        return {*cls._KINDS, "name"}

    @classmethod
    def _read_config(cls, data: Any, context: dict[str, Any]) -> Any:
        # A config writes `- path: seeds/` (or a bare `- seeds/`), not kind and target.
        if isinstance(data, str):
            data = {"path": data}
        data = super()._read_config(data, context)
        kinds = [k for k in cls._KINDS if k in data]
        if len(kinds) != 1:
            raise _fail("give exactly one of path, feed, url")
        kind = kinds[0]
        target = data[kind]
        if not isinstance(target, str) or not target.strip():
            raise _fail(f"must be a non-empty string, got {shown(target)}", at=(kind,))
        if kind == "path":
            target = str(_resolve_in(Path(target), context["base_dir"]))
        return {"kind": kind, "target": target, **({"name": data["name"]} if "name" in data
                                                    else {})}


def _cron(value: str) -> str:
    from briefing.daemon.cron import parse_cron

    try:
        parse_cron(value, "UTC")
    except ValueError as exc:
        raise _fail(str(exc)) from None
    return value


# Only a value that is given is parsed (a default is not validated): APScheduler, which the
# check imports, is not loaded for a config that keeps the default schedule.
Cron = Annotated[NonEmptyStr, AfterValidator(_cron)]


class Schedule(_Model):
    poll: Cron = "*/30 * * * *"
    briefing: Cron = "0 7 * * *"
    grace_seconds: WholeNumber = Field(3600, ge=0)
    # With database_url: how long a daemon's claim (a source it polls, the briefing it
    # composes, a message it sends) lasts without a heartbeat before another daemon takes
    # it over. Heartbeats renew it every quarter of it.
    lease_seconds: WholeNumber = Field(60, ge=2)


# One address as SMTP carries it without SMTPUTF8: ASCII, no spaces, quotes or brackets (a
# non-ASCII domain is written in its xn-- form). The display name may be anything on one line.
_ADDR_SPEC = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _address_problem(value: Any) -> str | None:
    """Why ``value`` is not one email address (``Name <a@b.org>`` or ``a@b.org``), or None."""
    if not isinstance(value, str) or not value.strip():
        return f"must be an email address, got {shown(value)}"
    # A line break would end the To:/From: header and start another (a Bcc:, say): the message
    # builder refuses it with a traceback, so the config says so first.
    if _CONTROL.search(value):
        return (f"{shown(value)} has a line break or control character; write one address on "
                "one line")
    pairs = getaddresses([value])
    if len(pairs) != 1 or not _ADDR_SPEC.fullmatch(pairs[0][1]):
        return (f"not an email address: {shown(value)} (write name@example.org or "
                "Name <name@example.org>, one per entry, in ASCII)")
    return None


def _addresses(value: Any) -> Any:
    if isinstance(value, str):
        value = [value]  # `to: desk@example.org` is one recipient
    if not isinstance(value, list | tuple):
        raise _fail("must be a list of email addresses")
    for i, address in enumerate(value):
        problem = _address_problem(address)
        if problem:
            raise _fail(problem, at=(i,))
    return value


def _one_line(value: str) -> str:
    # The title goes into the From: display name and the subject; a header is one line.
    if _CONTROL.search(value):
        raise _fail(f"{shown(value)} has a line break or control character; write it on one line")
    return value


def _ascii_login(value: str | None) -> str | None:
    # smtplib encodes the AUTH exchange as ASCII: anything else fails mid-login.
    if value is not None and (not value.isascii() or _CONTROL.search(value)):
        raise _fail(f"{shown(value)}: SMTP login names must be ASCII on one line")
    return value


def _host_name(value: str) -> str:
    # A name or an address; anything else (a line break, a space, a URL) would only fail at
    # 07:00, when the daemon connects.
    if not re.fullmatch(r"[A-Za-z0-9.:_-]+", value.strip()):
        raise _fail(f"not a host name or address: {shown(value)}")
    return value.strip()


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (no name is looked up: a config check stays
    offline)."""
    name = host.strip().rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


class EmailSettings(_Model):
    enabled: Flag = False
    smtp_host: Annotated[NonEmptyStr, AfterValidator(_host_name)] = "localhost"
    smtp_port: WholeNumber = Field(25, ge=1)
    security: Literal["starttls", "ssl", "none"] = "none"
    username: Annotated[PlainStr | None, AfterValidator(_ascii_login)] = None
    password_env: Annotated[str | None, _check(
        lambda v: v is None or isinstance(v, str),
        "must be the name of an environment variable")] = None
    sender: NonEmptyStr = Field("briefing@localhost", alias="from")  # `from` is a keyword
    to: Annotated[tuple[str, ...], BeforeValidator(_addresses)] = ()
    subject: NonEmptyStr = "{title} — {date}"
    timeout_seconds: Annotated[Number, _between(0.1, 600)] = 30.0
    retry_seconds: WholeNumber = Field(60, ge=1)  # first retry of a failed send; doubles to 1 h
    # Times a recipient whose delivery is in doubt is sent the same message again; 0: never
    # (at most one copy). See briefing.deliver.outbox.
    resend_unknown: WholeNumber = Field(0, ge=0, le=10)

    @classmethod
    def _read_config(cls, data: Any, context: dict[str, Any]) -> Any:
        if "password" in _mapping(data):  # a known mistake, answered before "unknown key"
            raise _fail("never put a password in the config; name an environment variable "
                        "with email.password_env", at=("password",))
        return super()._read_config(data, context)

    @field_validator("sender")
    @classmethod
    def _is_address(cls, value: str) -> str:
        if "@" not in value:
            raise _fail(f"not an email address: {shown(value)}")
        problem = _address_problem(value)
        if problem:
            raise _fail(problem)
        return value

    @model_validator(mode="after")
    def _credentials_only_encrypted(self) -> Self:
        # With security: none the AUTH exchange (the password, base64) crosses the network as
        # it is; only a relay on this machine makes that harmless.
        if (self.security == "none" and (self.username or self.password_env)
                and not is_loopback(self.smtp_host)):
            raise _fail(f"none would send the SMTP password unencrypted to {self.smtp_host}; "
                        "use starttls (port 587) or ssl (port 465), or a relay on localhost",
                        at=("security",))
        return self

    @model_validator(mode="after")
    def _has_recipients(self) -> Self:
        if self.enabled and not self.to:
            raise _fail("email is enabled but has no recipients", at=("to",))
        return self


class FetchSettings(_Model):
    timeout_seconds: Annotated[Number, _between(0.1, 600)] = 20.0
    max_bytes: WholeNumber = Field(5_000_000, ge=1000)
    max_redirects: WholeNumber = Field(5, ge=0)
    user_agent: NonEmptyStr = "Briefing/0.1 (+https://github.com/briefing/briefing)"
    # Links found in feeds and pages may reach loopback/private/link-local addresses only when
    # this is true; the hosts of configured sources always may (the user wrote them).
    allow_private: Flag = False
    # One poll's budget: new entries read per feed, and seconds for all sources together;
    # what is left over is read by the next poll.
    max_entries: WholeNumber = Field(200, ge=1)
    poll_seconds: Annotated[Number, _between(1, 86_400)] = 120.0
    # With database_url: sources of one web host leased at once, by all daemons together.
    per_host: WholeNumber = Field(4, ge=1)


class SummarizerSettings(_Model):
    method: Literal["extractive", "abstractive"] = "extractive"
    # An empty `model:` means none, as if the key were left out.
    model: Annotated[ConfigPath | None, BeforeValidator(lambda v: v or None)] = None
    num_beams: WholeNumber = Field(4, ge=1)
    max_new_tokens: WholeNumber = Field(80, ge=4)
    device: NonEmptyStr = "cpu"
    min_similarity: Annotated[Number, _between(-1.0, 1.0)] = 0.6
    batch_size: WholeNumber = Field(8, ge=1)

    @model_validator(mode="after")
    def _abstractive_has_a_model(self) -> Self:
        if self.method == "abstractive" and self.model is None:
            raise _fail("abstractive summaries need a local model folder", at=("model",))
        return self


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
        raise _fail(f"unknown time zone {shown(value)}") from None
    return value


def _page_size(value: Any) -> Any:
    value = _non_empty_text(value)
    sizes = {"a4": "A4", "letter": "Letter"}
    if value.lower() not in sizes:
        raise _fail(f"must be A4 or Letter, not {shown(value)}")
    return sizes[value.lower()]


def _public_url(value: Any) -> Any:
    if value is None:
        return None
    url = web_url(str(value))
    if url is None:
        raise _fail(f"must be an http(s) address, not {shown(value)}")
    return url.rstrip("/") + "/"  # links are joined onto it


def _database_url(value: Any) -> str | None:
    from briefing.store.dialect import is_database_url

    if value is None:
        return None
    if not isinstance(value, str) or not is_database_url(value.strip()):
        raise _fail(f"must be a postgresql:// address, not {value!r}")
    return value.strip()


# A desk's name keys its briefings, outbox and schedule state in the store and goes into
# each email's Message-ID, so it is kept to letters, digits, '-' and '_'.
_DESK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")


def _desk(value: Any) -> str:
    if value is None:
        return DEFAULT_DESK
    if not isinstance(value, str) or not _DESK_NAME.fullmatch(value.strip()):
        raise _fail("must be a name of letters, digits, '-' and '_' (at most 40, starting "
                    f"with a letter or digit), not {shown(value)}")
    return value.strip()


# Keys whose `null` in YAML (`email:` with nothing under it) means "the default".
_NULL_IS_DEFAULT = ("sources", "themes", "schedule", "email", "fetch", "summarizer")


Threshold = Annotated[Number, _between(-1.0, 1.0)]  # a floor of theme scores


class Settings(_Model):
    """Everything a run needs. ``config_path`` and ``base_dir`` come from where the config
    was read, not from its keys; every other field is a config key (see ``KNOWN_KEYS``)."""

    config_path: Path | None
    base_dir: Path
    title: Annotated[NonEmptyStr, AfterValidator(_one_line)] = Field(
        "Daily Briefing", description="Title shown in the masthead and the email subject.")
    timezone: Annotated[NonEmptyStr, AfterValidator(_time_zone)] = Field(
        "UTC", description="IANA zone for dates and the schedule, e.g. Europe/Berlin.")
    sources: Annotated[tuple[Source, ...], _check(
        lambda v: isinstance(v, list | tuple), "must be a list such as `- path: seeds/`")] = Field(
        (), description="List of inputs: `- path: DIR_OR_FILE`, `- feed: URL`, `- url: URL`.")
    output_dir: ConfigPath = Field(
        Path("output"), validate_default=True,
        description="Where briefings are written (OUT/<date>/briefing.*).")
    state_dir: ConfigPath = Field(
        Path("state"), validate_default=True,
        description="Folder of the SQLite database (articles seen, cache, runs, outbox).")
    database_url: Annotated[str | None, BeforeValidator(_database_url)] = Field(
        None, description="A PostgreSQL database several daemons share, e.g. "
        "postgresql://user@host/briefing or postgresql://postgres@/briefing?host=/run/pg; "
        "unset: the SQLite file in state_dir.")
    desk: Annotated[str, BeforeValidator(_desk)] = Field(
        DEFAULT_DESK, description="Name of this config's briefing among several configs "
        "that share one database: each desk gets its own briefings, recipients and "
        "'new since the last briefing'; the articles are shared.")
    templates_dir: ConfigPath | None = Field(
        None, description="Folder searched for templates before the packaged ones.")
    budget_words: WholeNumber = Field(
        600, ge=20, description="Total words of all items in one briefing.")
    themes: Annotated[tuple[Theme, ...], _check(
        lambda v: isinstance(v, list | tuple),
        "must be a list of {{id, title, description, examples}}")] = Field(
        (), description="List of sections: id, title, description, examples. "
        "Empty: one generic section.")
    catchall_title: NonEmptyStr = Field(
        "Other news",
        description="Heading of the section for important items that fit no theme.")
    catchall_examples: Phrases = Field(
        DEFAULT_CATCHALL_EXAMPLES, description="Optional phrases of news that fits no theme; "
        "the catch-all competes with the themes through them.")
    group_threshold: Annotated[Number, _between(0.0, 1.0)] = Field(
        0.78, description="Cosine similarity at which sentences from different articles "
        "count as the same fact.")
    # 0.05: just above "no more like this theme than like the average theme" (0 in the
    # centred space), so only what fits no theme at all goes to the catch-all; a config with
    # catch-all phrases can afford a higher floor (the default config sets 0.2).
    theme_threshold: Threshold = Field(
        0.05, description="Minimum score of a sentence for its best theme to file it there; "
        "below it, the catch-all.")
    window_hours: WholeNumber = Field(
        36, ge=0, description="How old an article may be and still be news: older ones (by "
        "published date, else first seen) are stored but not briefed; 0: no window.")
    language: NonEmptyStr = Field(
        "en", description="Language of the briefing; articles in another language are "
        "reported, not used.")
    page_size: Annotated[Literal["A4", "Letter"], BeforeValidator(_page_size)] = Field(
        "A4", description="PDF page size: A4 or Letter.")
    public_url: Annotated[str | None, BeforeValidator(_public_url)] = Field(
        None, description="Web address where output_dir is published; makes the feed's "
        "links absolute.")
    schedule: Schedule = Field(
        default_factory=Schedule, description="Daemon crons: poll, briefing (5 fields, or 6 "
        "with seconds first), grace_seconds, lease_seconds.")
    email: EmailSettings = Field(
        default_factory=EmailSettings, description="SMTP delivery: enabled, smtp_host, "
        "smtp_port, security, username, password_env, from, to, subject, timeout_seconds, "
        "retry_seconds, resend_unknown.")
    fetch: FetchSettings = Field(
        default_factory=FetchSettings,
        description="Network limits: timeout_seconds, max_bytes, max_redirects, user_agent, "
        "allow_private, max_entries, poll_seconds, per_host.")
    summarizer: SummarizerSettings = Field(
        default_factory=SummarizerSettings, description="method (extractive|abstractive), "
        "model, num_beams, max_new_tokens, device, min_similarity, batch_size.")

    # Where the catch-all's phrases and floor were written (``catchall_beside_themes``): a
    # ``- id: other`` entry of ``themes`` ("themes[4]"), the top-level keys ("top"), or
    # nowhere (None). Not a config key: ``briefing check`` names the keys by it.
    catchall_at: str | None = None

    # Fields a config does not write: from where it was read, or derived from its keys.
    _FROM_CONTEXT: ClassVar[tuple[str, ...]] = ("config_path", "base_dir", "catchall_at")

    @property
    def database_path(self) -> Path:
        return self.state_dir / "briefing.sqlite3"

    @property
    def database(self) -> Path | str:
        """What the store opens: ``database_url`` if set, else the SQLite file."""
        return self.database_url or self.database_path

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def _config_keys(cls) -> set[str]:
        return set(cls.model_fields) - set(cls._FROM_CONTEXT)

    @classmethod
    def _read_config(cls, data: Any, context: dict[str, Any]) -> Any:
        # The top level names unknown keys in its own words, listing every key in order.
        unknown = sorted(set(_mapping(data)) - cls._config_keys(), key=str)
        if unknown:
            raise _fail(f"unknown key '{unknown[0]}' (known keys: {', '.join(KNOWN_KEYS)})")
        data = {k: v for k, v in data.items() if not (k in _NULL_IS_DEFAULT and v is None)}
        data = catchall_beside_themes(data)
        return {**data, "config_path": context["config_path"], "base_dir": context["base_dir"]}

    @field_validator("themes")
    @classmethod
    def _ids_are_unique(cls, themes: tuple[Theme, ...]) -> tuple[Theme, ...]:
        seen: set[str] = set()
        for i, theme in enumerate(themes):
            if theme.id in seen:
                raise _fail(f"'{theme.id}' is used twice or reserved", at=(i, "id"))
            seen.add(theme.id)
        return themes


CATCHALL_ENTRY_KEYS = ("id", "examples", "threshold")
_CATCHALL_ENTRY_TYPES = {"examples": TypeAdapter(Phrases), "threshold": TypeAdapter(Threshold)}


def catchall_beside_themes(data: dict) -> dict:
    """The catch-all's settings belong to the themes they were written for, so they may be
    written among them: a ``- id: other`` entry of ``themes`` with ``examples`` (news that
    fits none of these themes) and ``threshold`` (the floor for these themes). Replacing
    the theme list then replaces them too, where top-level ``catchall_examples`` and
    ``theme_threshold`` stayed behind to govern themes they were never set for (issue 26).
    Returns the mapping with the entry taken out of ``themes`` and its values under the
    top-level keys, and ``catchall_at`` saying where they were written."""
    themes = data.get("themes")
    top = "top" if "catchall_examples" in data or "theme_threshold" in data else None
    if not isinstance(themes, list):
        return {**data, "catchall_at": top}
    at = [k for k, t in enumerate(themes) if isinstance(t, dict) and t.get("id") == CATCHALL_ID]
    if not at:
        return {**data, "catchall_at": top}
    if len(at) > 1:
        raise _fail(f"'{CATCHALL_ID}' is used twice or reserved", at=("themes", at[1], "id"))
    entry = themes[at[0]]
    unknown = sorted(set(entry) - set(CATCHALL_ENTRY_KEYS), key=str)
    if unknown:
        raise _fail(f"unknown key of the catch-all entry (allowed: "
                    f"{', '.join(CATCHALL_ENTRY_KEYS)})", at=("themes", at[0], unknown[0]))
    out = {**data, "themes": [t for k, t in enumerate(themes) if k != at[0]],
           "catchall_at": f"themes[{at[0]}]"}
    for key, top_key in (("examples", "catchall_examples"), ("threshold", "theme_threshold")):
        if key not in entry:
            continue
        try:  # checked here, so that an error names the entry's key, not the top-level one
            _CATCHALL_ENTRY_TYPES[key].validate_python(entry[key])
        except ValidationError as exc:
            raise _fail(_one_line(exc.errors()[0]), at=("themes", at[0], key)) from None
        if top_key in data:
            raise _fail(f"given twice: here and as top-level `{top_key}`; keep the one "
                        "beside the themes", at=("themes", at[0], key))
        out[top_key] = entry[key]
    return out


# More than this share of a sample in the catch-all means its settings do not fit the themes.
CATCHALL_MOST = 0.5


def theme_fit_warnings(settings: Settings, take: Any) -> list[str]:
    """One line per catch-all setting that takes most of a sample (``take``: a
    ``compose.themes.CatchallTake``), naming the key as the config wrote it and what to do."""
    if take.total == 0 or take.share <= CATCHALL_MOST:
        return []
    beside = settings.catchall_at not in (None, "top")
    phrases = f"{settings.catchall_at}.examples" if beside else "catchall_examples"
    floor = f"{settings.catchall_at}.threshold" if beside else "theme_threshold"
    lines = []
    # Each setting that alone takes a quarter of the sample is named: together they take most.
    if take.by_phrases >= take.total / 4:
        lines.append(f"{phrases}: the catch-all phrases take {take.by_phrases} of "
                     f"{take.total} stored articles from the themes; they were written for "
                     "other themes: delete them, or write phrases of news that fits none of "
                     f"these themes in a `- id: {CATCHALL_ID}` entry of `themes`")
    if take.by_floor >= take.total / 4:
        lines.append(f"{floor}: a floor of {settings.theme_threshold:g} sends "
                     f"{take.by_floor} of {take.total} stored articles to the catch-all; "
                     "lower it (the default, 0.05, only takes what fits no theme at all), or "
                     f"set one for these themes as `threshold` of a `- id: {CATCHALL_ID}` "
                     "entry of `themes`")
    if not lines:
        lines.append(f"{phrases}, {floor}: together the catch-all's phrases and floor take "
                     f"{take.by_phrases + take.by_floor} of {take.total} stored articles from "
                     "the themes; delete them or set them for these themes")
    return lines


# Every key a config may hold, with what it means (the fields' descriptions); the README
# documents each one and a test fails when one is missing there.
KNOWN_KEYS: dict[str, str] = {
    name: field.description or ""
    for name, field in Settings.model_fields.items() if name not in Settings._FROM_CONTEXT
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
    data = load_config_yaml(raw_text)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError("config must be a mapping of keys to values at the top level")
    return settings_from_mapping(data, config_path=config_path, base_dir=base_dir)


def settings_from_mapping(
    data: dict[str, Any], *, config_path: Path | None = None, base_dir: Path | None = None
) -> Settings:
    """Validate a config's mapping; relative paths are taken from ``base_dir`` (default: the
    working folder). Raise ``ConfigError`` naming the first bad key."""
    base = (base_dir or Path.cwd()).resolve()
    _refuse_invisible(data)
    try:
        return Settings.model_validate(
            data, context={"config_path": config_path, "base_dir": base})
    except ValidationError as exc:
        raise ConfigError(_one_line(exc.errors()[0])) from None


def _refuse_invisible(data: Any, at: str = "") -> None:
    """Refuse a config whose keys or string values hold an invisible format character
    (``text.invisible``): it would reach the masthead, the Subject or a theme's heading and
    reorder or hide what a reader sees. Names the first key found."""
    if isinstance(data, str):
        found = first_format_character(data)
        if found:
            raise ConfigError(f"{at or 'config'}: has an invisible format character ({found}, "
                              "a bidirectional or zero-width control); remove it")
    elif isinstance(data, dict):
        for key, value in data.items():
            name = clipped(f"{at}.{key}" if at else str(key))
            _refuse_invisible(key, name)
            _refuse_invisible(value, name)
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            _refuse_invisible(value, f"{at}[{index}]")


# --- pydantic's errors, said the way this module has always said them ----------------------

# For the errors of pydantic's own checks (types, bounds, missing keys); the checks above
# raise theirs with the final wording.
_WORDING = {
    "missing": "missing (a non-empty string is required)",
    "string_type": "must be a string, got {input}",
    "int_type": "must be a whole number, got {input}",
    "float_type": "must be a number, got {input}",
    "bool_type": "must be true or false, got {input}",
    "greater_than_equal": "must be at least {ge}, got {input}",
    "literal_error": "must be {expected}, got {input}",
    "extra_forbidden": "unknown key",
}


def _one_line(error: ErrorDetails) -> str:
    """``themes[0].examples: must be a list of strings`` for one pydantic error."""
    ctx = error.get("ctx") or {}
    loc = (*error["loc"], *ctx.get("at", ()))
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
    if error["type"] == "config":
        message = ctx["reason"]
    elif error["type"] in _WORDING:
        message = _WORDING[error["type"]].format(input=shown(error["input"]), **ctx)
    else:
        message = error["msg"]  # still one line, and still names the key
    return f"{path.lstrip('.')}: {message}" if path else message
