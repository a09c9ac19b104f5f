"""Wire copy to article text: datelines, agency tags, bylines and desk notes removed.

News agencies file stories with codes meant for editors, not readers: a dateline and agency
tag before the first sentence ("CITY, Region (Agency) --"), bylines, notes to editors,
"contributed to this report" credits, "story can end here" markers, and on web copies
newsletter prompts and related-story widgets. Left in, they end up in briefing items and,
worse, make the same report from two agencies look different to the grouping (the opening
words differ), so they go before anything is embedded.

Every rule is about the *shape* of wire codes (capitalised place, optional date, bracketed
agency, a dash), never about one city or one agency. Each regex says why it exists. All the
wire rules live in this module; ``briefing.clean`` calls :func:`strip_wire_copy` once.
"""

from __future__ import annotations

import re
from datetime import date

from briefing.text.patterns import DATE, date_parts

# --- datelines --------------------------------------------------------------------------------

# A place as datelines write it: a capitalised word or initials ("MOSCOW", "R.I.",
# "St. Louis", "Los Angeles"), a few of them at most.
_PLACE = r"[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}"
# A region some agencies put in brackets after the city ("ISTANBUL (Turkey), …"), optional.
_REGION = r"(?: \([A-Z][\w.'’ -]{1,30}\))?"
# The date some agencies put after the place ("August 20", "Aug. 20", "Jan 5"), optional.
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = rf"{_MONTH} \d{{1,2}}(?:,? \d{{4}})?"
# The agency in brackets: "(AP)", "(Xinhua)", "(Reuters)", "(HawaiiNewsNow)" — one short
# name, no sentence inside (that would be a real parenthesis).
_AGENCY = r"\((?:[A-Z][\w&.'’/-]*(?: [A-Z][\w&.'’/-]*){0,3})\)"
# What separates the dateline from the story: "--", an em/en dash, a hyphen, or the "_"
# that NYT wire copy uses as a dash.
_DASH = r"(?:-{1,3}|—|–|_)"

# Dateline with an upper-case city ("MOSCOW (AP) --", "IZMIT, Turkey _", "PARIS, Aug. 15
# (Xinhua) --"): the capitals alone mark it as a dateline, so no agency tag is needed.
_DATELINE_CAPS = re.compile(
    rf"^[A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]+){{0,3}}{_REGION}(?:, {_PLACE}){{0,2}}"
    rf"(?:, {_DATE})?"
    rf"(?: ?{_AGENCY})? ?{_DASH} +(?=\S)")
# Dateline with an ordinary-case place ("Moscow, Aug 20 (Reuters) -"): only the agency tag
# followed by a dash tells it apart from a sentence that starts with a place name, so the
# tag is required here.
_DATELINE_TAGGED = re.compile(
    rf"^{_PLACE}(?:, {_PLACE}){{0,2}}(?:, {_DATE})? ?{_AGENCY} ?{_DASH} +(?=\S)")
# An agency tag with no place ("(AP) --"), as some feeds cut the dateline.
_BARE_AGENCY = re.compile(rf"^{_AGENCY} ?{_DASH} +(?=\S)")
# A dateline closed by a colon, as some broadcasters' sites write it ("Washington, DC,
# United States: …", "Lagos, Nigeria: …"): a place and one or two more, each capitalised,
# then a capital. Taken only from a story's first paragraph, where a dateline stands.
_DATELINE_COLON = re.compile(rf"^{_PLACE}(?:, {_PLACE}){{1,2}}: +(?=[A-Z])")

# A feed's time stamp before the text ("21.02.22 11:46 - Borrell: …", "2022-02-21 11:46 |"):
# the entry's time, which the feed gives as its date anyway.
_TIMESTAMP = re.compile(r"^(?:\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2})[ ,T]+"
                        r"\d{1,2}:\d{2}(?::\d{2})?\s*(?:[-—–|]\s*)?(?=\S)")
# An agency's signature after the last sentence ("… near Ukraine's borders. — Ukrinform.",
# "… on Monday. - Reuters"): one to three capitalised words after a dash, nothing after.
_SIGNATURE = re.compile(r"(?<=[.!?\"”’])\s+[—–-]{1,2}\s*[A-Z][\w.&'’-]{1,30}"
                        r"(?: [A-Z][\w.&'’-]{1,30}){0,2}\.?\s*$")
# A feed's date glued after the last sentence ("… and Ukrainian politics.Feb. 21, 2022").
_TRAILING_DATE = re.compile(rf"(?<=[.!?])\s*{_MONTH} \d{{1,2}}, \d{{4}}\s*$")

# A date stamp before the text, as wikis and some sites put the day of filing above the
# story, run into it when a line break was lost ("Tuesday, January 18, 2005Through a
# telethon, …"): with its weekday it is a stamp even after a space; without one only when
# glued ("January 18, 2005 was …" is a sentence).
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_LEADING_DATE = re.compile(rf"^(?:{_WEEKDAY}, {_MONTH} \d{{1,2}}, \d{{4}} *|"
                           rf"{_MONTH} \d{{1,2}}, \d{{4}})(?=[A-Z])")
# The stamp as a paragraph of its own: a date and nothing else.
_DATE_STAMP = re.compile(rf"(?:{_WEEKDAY},? )?{_MONTH} \d{{1,2}},? \d{{4}}\.?")

# How far down a stamp may stand: under a headline or a picture's caption, not further.
_STAMP_PARAGRAPHS = 2
# The years a day of filing can be in: a stamp outside them is a typo or a test of limits
# ("December 31, 9999"), and dating from it would leave the calendar.
_STAMP_YEARS = range(1900, 2200)


def stamp_date(paragraphs: list[str]) -> str | None:
    """The day of filing a date stamp above the story gives ("Tuesday, July 7, 2009" →
    "2009-07-07"), from the first paragraphs, as a paragraph of its own or run into the
    text; None when there is none or it names no real day. An article without a known date
    (a saved text file) then dates its weekdays and "yesterday" from it, as one with a date
    does."""
    for paragraph in paragraphs[:_STAMP_PARAGRAPHS]:
        text = paragraph.strip()
        if not (_DATE_STAMP.fullmatch(text) or _LEADING_DATE.match(text)):
            continue
        found = DATE.search(text)
        month, day, year = date_parts(found) if found else (None, None, None)
        if month is None or day is None or year not in _STAMP_YEARS:
            return None
        try:
            return date(year, month, day).isoformat()
        except ValueError:  # "February 30": no day to date anything by
            return None
    return None


# --- whole paragraphs that are desk notes, credits or widgets -----------------------------

_NOTE_PARAGRAPHS = [
    # Notes to editors: "(Editors: …)", "(Eds: …)", "Editor's note: …".
    re.compile(r"^\(?\s*(editors?|eds?)\s*[.:]", re.IGNORECASE),
    re.compile(r"^editor['’]s note\b", re.IGNORECASE),
    # Layout instructions in capitals in brackets: "(STORY CAN END HERE. OPTIONAL …)",
    # "(END OPTIONAL TRIM)". Upper case throughout, so no reader text matches.
    re.compile(r"^\((?=[^)]*[A-Z]{3})[A-Z0-9 .,;:'’/-]{6,}\)$"),
    # Filing credits: "Story Filed By Cox Newspapers", "Distributed by …".
    re.compile(r"^(story )?(filed|distributed|transmitted) by\b", re.IGNORECASE),
    # Reporting credits at the foot of a story.
    re.compile(r"\b(contributed|contributing) (reporting |research )?(to|for) this "
               r"(report|story|article)\.?$", re.IGNORECASE),
    re.compile(r"^[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){0,3}(?:,? and [A-Z][\w.'’-]+"
               r"(?: [A-Z][\w.'’-]+){0,3})? (reported|wrote this story) from "
               r"[A-Z][\w ,.'’-]{1,40}\.$"),
    # Bylines: "By Jane Doe", "By JANE DOE, Associated Press Writer" (short, no full stop).
    # Names must be capitalised (only "by" ignores case) and nothing may end in a full stop,
    # so "By Friday the ferry had docked." stays.
    re.compile(r"^(?i:by) [A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}(?: (?:and|&) [A-Z][\w.'’-]*"
               r"(?: [A-Z][\w.'’-]*){0,3})?(?:, [\w .'’-]{0,40})?(?<!\.)$"),
    re.compile(r"^(the )?(associated press|ap|reuters|afp|upi)( [a-z]+){0,2} writers?$",
               re.IGNORECASE),
    # Newsletter and alert prompts on web copies of wire stories.
    re.compile(r"^(sign up|subscribe|get (our|the latest|breaking)|want more)\b.{0,120}"
               r"\b(newsletter|inbox|e-?mail|alerts?|updates)\b", re.IGNORECASE),
    # Related-story widgets: "RELATED: …", "More coverage: …", "See also: …".
    re.compile(r"^(related( (stories|coverage|links?|content))?|more (coverage|on this "
               r"story)|see also|also see|read more)\s*[:|»>-]", re.IGNORECASE),
]

# --- wire typography ------------------------------------------------------------------------

# Wire copy writes quotation marks as two apostrophes or backticks (''word'', ``word'');
# as straight double quotes, the quote-balance checks downstream read them right.
_DOUBLE_APOSTROPHE = re.compile(r"``|''")
# Agency copy pads straight quotes inside ('the submarine " Kursk"', 'our investigators, "
# Adams said'): a pair of them, opening after a space or the start and closing before a
# space, punctuation or the end, loses the padding. Only in a paragraph whose straight
# quotes pair up: a quote running on to the next paragraph leaves them unpaired.
_QUOTE_PAIR = re.compile(r'(?:(?<=^)|(?<=[\s(\[—]))"([^"\n]*)"(?=$|[\s.,;:!?)\]—])')
# NYT copy uses a spaced underscore as a dash ("the blasts _ recorded by …").
_UNDERSCORE_DASH = re.compile(r"(?<=\S) _ (?=\S)")
# Agencies write "here" for the dateline's city ("… experts has said here."); with the
# dateline gone it names nowhere, so the verb keeps its place and loses the "here".
_SAID_HERE = re.compile(r"\b(said|says|announced|reported|stated|told reporters) here\b")


def strip_dateline(text: str, first: bool = False) -> str:
    """``text`` without a leading dateline or agency tag (``first``: the story's first
    paragraph, where a colon dateline may stand too)."""
    patterns = (_DATELINE_CAPS, _DATELINE_TAGGED, _BARE_AGENCY) + (
        (_DATELINE_COLON,) if first else ())
    for pattern in patterns:
        match = pattern.match(text)
        if match:
            rest = text[match.end():]
            return rest[:1].upper() + rest[1:]
    return text


def is_wire_note(paragraph: str) -> bool:
    """True for a paragraph that is a desk note, credit, byline or widget, not story text."""
    text = paragraph.strip()
    return any(p.search(text) for p in _NOTE_PARAGRAPHS)


def clean_wire_text(paragraph: str, first: bool = False) -> str:
    """One paragraph with its dateline, a feed's time stamp and an agency's closing signature
    removed and wire quote and dash codes (and padded quotes) normalised;
    ``""`` when the whole paragraph is a desk note, credit, byline or widget."""
    text = paragraph.strip()
    if is_wire_note(text) or _DATE_STAMP.fullmatch(text):
        return ""
    text = _TRAILING_DATE.sub("", _SIGNATURE.sub("", _TIMESTAMP.sub("", text)))
    text = _LEADING_DATE.sub("", text)
    text = strip_dateline(text, first)
    text = _SAID_HERE.sub(r"\1", _DOUBLE_APOSTROPHE.sub('"', text))
    if text.count('"') % 2 == 0:
        text = _QUOTE_PAIR.sub(lambda m: f'"{m.group(1).strip() or m.group(1)}"', text)
    return _UNDERSCORE_DASH.sub(" — ", text)


# What wire desks append to a headline for other desks: "ATTENTION - RECASTS ///",
# "(UPDATE 2)", "=2=": layout codes, not the headline. (A byline before them stays: "… by
# Jane Doe" cannot be told from "… shot down by Russian Forces" in a title-case headline.)
_TITLE_CODES = re.compile(
    r"(?:\s+(?:ATTENTION\b.*|/{2,}.*|=\d+=.*|\((?:UPDATE|CORRECTED|REFILE|RECASTS?)[^)]*\)))+"
    r"\s*$")


def clean_wire_title(title: str) -> str:
    """A headline without the wire's desk codes and byline at its end."""
    return _TITLE_CODES.sub("", title).strip()


# A site's name after a headline: "… - SpaceNews.com", "… | The Verge", "… — BBC News". The
# part after the last separator goes when it is a web address or the outlet's own name.
_SITE_SUFFIX = re.compile(r"\s+[-|–—•:]\s+(?P<site>[^-|–—•:]{2,60})$")
_WEB_NAME = re.compile(r"(?i)^(?:www\.)?[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,12}$")


def strip_site_name(title: str, outlets: list[str | None]) -> str:
    """A headline without the site's name at its end (a web address, or one of ``outlets``,
    the names the article's source goes by), so headlines read alike across outlets."""
    match = _SITE_SUFFIX.search(title)
    if match is None or match.start() == 0:
        return title
    site = match.group("site").strip()
    names = {_outlet_key(n) for n in outlets if n}
    if _WEB_NAME.match(site) or _outlet_key(site) in names:
        return title[:match.start()].rstrip()
    return title


def _outlet_key(name: str) -> str:
    """"SpaceNews.com", "www.spacenews.com" and "SpaceNews" are one outlet."""
    key = name.casefold().strip().removeprefix("www.")
    return re.sub(r"\.[a-z]{2,12}$", "", key).replace(" ", "")


def strip_wire_copy(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """Paragraphs without wire codes, and notes on what was removed. A paragraph that
    repeats an earlier one word for word (wire stories re-filed with their lead appended
    again) is dropped too."""
    out: list[str] = []
    notes: list[str] = []
    seen: set[str] = set()
    for paragraph in paragraphs:
        first = not out
        cleaned = clean_wire_text(paragraph, first)
        if not cleaned:
            notes.append(f"removed wire note '{paragraph.strip()[:40]}'")
            continue
        if cleaned != paragraph.strip() and strip_dateline(paragraph.strip(), first) != \
                paragraph.strip():
            notes.append(f"removed dateline '{paragraph.strip()[:30]}'")
        key = " ".join(cleaned.split()).casefold()
        if key in seen:
            notes.append(f"removed repeated paragraph '{cleaned[:40]}'")
            continue
        seen.add(key)
        out.append(cleaned)
    return out, notes
