"""Invisible format characters (Unicode category Cf): bidirectional overrides and isolates
(U+202A–U+202E, U+2066–U+2069), zero-width spaces and joiners (U+200B–U+200D, U+2060),
the byte order mark (U+FEFF), soft hyphens and the like.

They print nothing, but a right-to-left override reorders what follows it on screen, and a
zero-width character makes two equal-looking words differ, so text a briefing publishes may
not carry them: article text and titles lose them at the clean stage, the config refuses
them (``briefing.config``), and the email's Subject is built without them. One cost, taken on
purpose: the zero-width joiner and non-joiner some scripts and emoji sequences use go too
(the letters stay; only how they join changes).

The ``regex`` module knows the category (``\\p{Cf}``) of the Unicode version it ships with;
the standard library's ``re`` has no category classes.
"""

from __future__ import annotations

import regex

FORMAT_CHARACTER = regex.compile(r"\p{Cf}")


def remove_format_characters(text: str) -> str:
    """``text`` without its Cf characters."""
    return FORMAT_CHARACTER.sub("", text)


def first_format_character(text: str) -> str | None:
    """The first Cf character in ``text`` as ``U+202E``, or None."""
    found = FORMAT_CHARACTER.search(text)
    return f"U+{ord(found.group()):04X}" if found else None
