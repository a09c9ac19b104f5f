"""Site junk out of article text: footers, share and comment prompts, captions, credits."""

from __future__ import annotations

import re

from briefing.text.patterns import SENTENCE_END

# Lines that end the article: what follows is comments, related links, or site furniture.
_FOOTER = re.compile(
    r"^(leave a (reply|comment)|related (posts|articles|stories|news|content)|"
    r"(you (may|might) )?(also like|read next)|more from\b|share this( article)?|"
    r"comments?( \(\d+\))?|your email address will not be published|"
    r"sign up for (our|the) newsletter|subscribe to (our|the) newsletter|"
    r"all rights reserved|copyright ©|©\s*\d{4}|tags?:)\b",
    re.IGNORECASE,
)


# Whole lines that are never article text.
_JUNK_LINE = re.compile(
    r"^(sources?|photo|photos|image|images|picture|credit|credits|video|watch|listen|"
    r"read (more|also|next)|also read|see also|advertisement|sponsored|"
    r"click here|follow us|download (our|the) app)\b\s*[:.|-]?|"
    r"(the )?live blog is (now )?closed|thank(s| you) for (joining|following|reading)|"
    r"^here are the updates for\b",
    re.IGNORECASE,
)


# A caption ends with a credit: "[Alex Brandon/Pool via AP]" or "Alexander Ermochenko | Reuters".
_CREDIT_BRACKET = re.compile(r"\[[^\]]{2,80}(/|\bvia\b|\bAP\b|\bAFP\b|Reuters|Getty|EPA|"
                             r"Al Jazeera|Bloomberg|Shutterstock)[^\]]*\]\s*$")


_CREDIT_PIPE = re.compile(r"\b[A-Z][\w.'-]+( [A-Z][\w.'-]+){0,3} \| [A-Z][\w .&'-]{1,40}$")


# Embedded media announced by a sentence ending in a colon, whose embed did not survive.
_MEDIA_WORDS = re.compile(r"\b(video|videos|photo|photos|image|images|picture|pictures|tweet|"
                          r"tweets|watch|footage|clip|podcast|gallery|social media|below)\b",
                          re.IGNORECASE)


_READ_MORE_TAIL = re.compile(r"\s*(Read more( here)?|Read the full story( here)?|"
                             r"Click here[^.]*)\.?\s*$", re.IGNORECASE)


# --- page widgets: lines that news pages put beside the article (see bench/news_pages.py) ---

# A staff credit line, as wire copy ends: "(Reporting by A and B; Editing by C)",
# "Additional reporting by D". It tells who wrote the story, not what happened, and every
# outlet that runs the same wire copy carries it. Matched only when the whole line is
# credits: each piece between commas, semicolons, "and" and "with" is a name, "in CITY", or
# "<role> by NAME", so a sentence that starts "Reporting by the Times found …" is kept.
_CREDIT_ROLE = r"(?i:(additional |further )?(reporting|writing|editing|research|fact-checking)) by"
_CREDIT_NAME = r"[A-Z][\w.'’-]*( (van|von|de|da|di|du|del|der|bin|al|el|la|le|[A-Z][\w.'’-]*))*"
_CREDIT_PIECE = re.compile(rf"^({_CREDIT_ROLE} )?({_CREDIT_NAME})?( (?i:in) {_CREDIT_NAME})?$")
_CREDIT_START = re.compile(rf"^\(?{_CREDIT_ROLE} [A-Z]")
_CREDIT_SPLIT = re.compile(r"\s*[,;]\s*(?:(?:and|with)\s+)?|\s+(?:and|with)\s+")


def _is_credit_line(line: str) -> bool:
    if not _CREDIT_START.match(line):
        return False
    inner = line.strip().removeprefix("(").rstrip(".").removesuffix(")").rstrip(".")
    pieces = [p for p in _CREDIT_SPLIT.split(inner) if p]
    return all(_CREDIT_PIECE.match(p) for p in pieces)


# An author or site box: "Follow him on Twitter @handle", "Email Jane Doe at jd@site.com",
# "Jane Doe may be reached at …", "Have a tip?". The prompt starts a sentence (an article
# reports that someone followed, it does not tell the reader to); the paragraph that holds
# one is the box, bio sentences included ("Her book … is out now"). Only short paragraphs go,
# so a long paragraph of reporting is never lost to one odd sentence.
_SOCIAL = r"(?i:twitter|facebook|instagram|youtube|linkedin|tiktok|threads|bluesky|mastodon)"
_CONTACT_PROMPT = re.compile(
    r"(^|[.!?]\s+)("
    rf"[Ff]ollow (us|me|him|her|them|[A-Z][\w.&'’ -]{{1,40}}?) (on|at) {_SOCIAL}\b|"
    r"[Ff]ollow (us|me|him|her|them) @\w|"
    r"(E-?mail|Contact|Reach) [A-Z][\w'’-]+( [A-Z][\w'’-]+){0,3} at \S+@\S+|"
    r"[A-Z][\w'’-]+( [A-Z][\w'’-]+){0,3} (may|can) be reached at\b|"
    r"Have a (news )?tip\?)"
)
CONTACT_BOX_WORDS = 60  # an author box is a few lines; reporting paragraphs run longer


# A newsletter prompt: "Subscribe to the Morning Review newsletter", "Get the latest updates
# right in your inbox. Subscribe to our newsletters." A short line that tells the reader to do
# something and names a newsletter; a sentence reporting on a newsletter does not start with
# the imperative.
_NEWSLETTER_PROMPT = re.compile(
    r"^(subscribe|sign up|get|join|register|want|never miss|don[’']t miss|enjoy)\b.*"
    r"\bnewsletters?\b", re.IGNORECASE)
NEWSLETTER_WORDS = 30


# A related-links widget announces each link with "Related:" (a colon: "Related research
# shows …" is prose), and an update stamp says when the page changed, not what happened:
# "Updated at 1:23 p.m.", "Editor's note: This story was updated at 5:45 p.m. ET to …".
_WIDGET_LINE = re.compile(
    r"^(related( (stories|articles|coverage|content|links?|reading|video))?\s*:|"
    r"(last )?updated( at| on)? \d{1,2}(:\d{2})?\s*[ap]\.?m\.?( [A-Z]{2,4})?\.?$|"
    r"(editor[’']?s note:\s*)?this (story|article|post|report) (was|has been) updated\b)",
    re.IGNORECASE)


# A fact box's field label, on its own line above its value: "*DEAD:", "RESCUE OPERATION:"
# (AP's "Facts About …" boxes). Capitals only, up to three words: a sentence-case line ending
# in a colon announces a list, a quote or an embed, and is removed as such below. The value
# alone ("50,000 Turkish soldiers and more than 2,000 foreign rescue workers.") does not say
# what it counts, so the label stays in front of it, as one entry ("*RESCUE OPERATION: 50,000
# …"), which compose reads as a list entry (``text.standalone``), not as a report.
_FIELD_LABEL = re.compile(r"^[*•·-]?\s*[A-Z][A-Z0-9&/'’-]*(?: [A-Z0-9&/'’-]+){0,2}:$")


def _is_field_label(line: str) -> bool:
    return bool(_FIELD_LABEL.match(line) and not _MEDIA_WORDS.search(line)
                and not _WIDGET_LINE.search(line))


def _page_widget(line: str) -> str | None:
    """What kind of page widget a line is (a credit line, an author box …), or None."""
    words = len(line.split())
    if _is_credit_line(line):
        return "credit line"
    if _CONTACT_PROMPT.search(line) and words <= CONTACT_BOX_WORDS:
        return "author box"
    if _NEWSLETTER_PROMPT.search(line) and words <= NEWSLETTER_WORDS:
        return "newsletter prompt"
    if _WIDGET_LINE.search(line):
        return "related link or update stamp"
    return None




def strip_boilerplate(text: str) -> tuple[list[str], list[str]]:
    """Return the article's paragraphs without site junk, and notes on what was removed."""
    lines = _unwrap([line.strip() for line in text.split("\n")])
    notes: list[str] = []

    # Footer: everything from the first footer marker on, then headline-like stragglers
    # just above it (related-story links, "based on website materials").
    for i, line in enumerate(lines):
        if line and _FOOTER.match(line) and i >= len(lines) * 0.3:
            notes.append(f"removed footer from '{line[:40]}'")
            lines = lines[:i]
            while lines and (not lines[-1] or not SENTENCE_END.search(lines[-1])
                             or re.search(r"[?!][A-Z]\w+$", lines[-1])):
                if lines[-1]:
                    notes.append(f"removed trailing link '{lines[-1][:40]}'")
                lines.pop()
            break

    keep: list[str] = []
    block_start = True  # the line follows a blank line
    label: tuple[str, int] | None = None  # a fact-box label and the line of its value
    for i, line in enumerate(lines):
        if not line:
            block_start = True
            continue
        nxt = next((ln for ln in lines[i + 1:i + 2]), "")
        if label and label[1] == i:
            if not _is_field_label(line):
                line = f"{label[0]} {line}"
            label = None
        if block_start and not nxt and _is_field_label(line):
            value = next((n for n in range(i + 1, len(lines)) if lines[n]), None)
            if value is not None:
                label = (line, value)
            notes.append(f"joined fact-box label '{line[:40]}' to its value")
        elif _JUNK_LINE.search(line):
            notes.append(f"removed '{line[:40]}'")
        elif widget := _page_widget(line):
            notes.append(f"removed {widget} '{line[:40]}'")
        elif _CREDIT_BRACKET.search(line) or _CREDIT_PIPE.search(line):
            notes.append(f"removed caption '{line[:40]}'")
            # The photo's alt text sits on the line above, in the same block, unpunctuated.
            if keep and not block_start and not SENTENCE_END.search(keep[-1]):
                notes.append(f"removed caption '{keep[-1][:40]}'")
                keep.pop()
        elif line.endswith(":") and block_start and not nxt and (
            _MEDIA_WORDS.search(line) or len(line.split()) < 25
        ):
            notes.append(f"removed media placeholder '{line[:40]}'")
        else:
            cleaned = _READ_MORE_TAIL.sub("", line) if SENTENCE_END.search(line) else line
            if cleaned != line:
                notes.append("removed a 'read more' link")
            keep.append(cleaned)
        block_start = False
    return keep, notes


WRAP_WIDTH = 80  # plain-text mail and .txt exports wrap at 72–80 columns


def _unwrap(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines back into paragraphs.

    A file wrapped at a fixed width (most lines short, many ending mid-sentence) marks its
    paragraphs with blank lines; read line by line, each line would be a fragment
    ("transferred from the main hospital later this week."). Files with one paragraph per
    line, like the seeds, are left as they are.
    """
    text_lines = [ln for ln in lines if ln]
    if len(text_lines) < 4:
        return lines
    short = sum(len(ln) <= WRAP_WIDTH for ln in text_lines)
    follows = [a for a, b in zip(lines, lines[1:], strict=False) if a and b]
    mid_sentence = sum(not SENTENCE_END.search(a) for a in follows)
    if short < 0.8 * len(text_lines) or mid_sentence < max(2, 0.3 * len(follows)):
        return lines
    joined: list[str] = []
    for line in lines:
        if line and joined and joined[-1]:
            joined[-1] = f"{joined[-1]} {line}"
        else:
            joined.append(line)
    return joined
