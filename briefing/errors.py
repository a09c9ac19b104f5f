"""Exceptions the CLI turns into one clear line; library code raises, never prints or exits."""

import reprlib


class BriefingError(Exception):
    """Base of every error a user can act on."""


class ConfigError(BriefingError):
    """The config file is missing, malformed, or a key holds a bad value (the message names it)."""


class InputError(BriefingError):
    """One input (file, feed, URL) could not be used; the run goes on without it."""

    def __init__(self, origin: str, reason: str):
        super().__init__(f"{origin}: {reason}")
        self.origin = origin
        self.reason = reason


class FetchError(InputError):
    """A network fetch failed (timeout, HTTP status, size or redirect limit, bad scheme)."""


class LimitError(FetchError):
    """A fetch stopped by a limit or a policy the config sets (``fetch.allow_private``,
    ``fetch.max_bytes``, ``fetch.timeout_seconds``): always told, since the user can act."""


class LockError(BriefingError):
    """Another daemon holds the state directory."""


class DeliveryError(BriefingError):
    """An email could not be built or handed to the SMTP server (the message names why)."""


class StoreError(BriefingError):
    """The state database cannot be used (damaged, locked, read-only, or from a newer version)."""


# How a value the user gave appears in a message: its repr, cut short. A value may be huge (a
# YAML alias bomb, a pasted article): reprlib stops early in lists, mappings and strings, so
# the cost is bounded too, not only the length.
_SHOWN = reprlib.Repr()  # Python 3.11's Repr takes no arguments: set the limits one by one
_SHOWN.maxlevel, _SHOWN.maxstring, _SHOWN.maxother = 3, 60, 60
_SHOWN.maxlist = _SHOWN.maxtuple = _SHOWN.maxdict = _SHOWN.maxset = 4
SHOWN_CHARS = 80


def shown(value: object) -> str:
    """``value`` as a message shows it: ``repr``, at most SHOWN_CHARS characters."""
    return clipped(_SHOWN.repr(value))


def clipped(text: str) -> str:
    """A text quoted from elsewhere (another library's message) cut to SHOWN_CHARS."""
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 3] + "..."
