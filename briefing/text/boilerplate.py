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
    for i, line in enumerate(lines):
        if not line:
            block_start = True
            continue
        nxt = next((ln for ln in lines[i + 1:i + 2]), "")
        if _JUNK_LINE.search(line):
            notes.append(f"removed '{line[:40]}'")
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
