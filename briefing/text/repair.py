"""Bytes to trustworthy text: decode, then undo mojibake that ftfy leaves behind.

Seed 003 shows the hard case: UTF-8 quotes read through a mix of the Thai code page (cp874) and
cp1252, with the closing quote's last byte lost (0x9D has no cp1252 character, so the reader
dropped it). ``“`` became ``โ€œ`` and ``”`` became ``โ€``. ftfy does not undo that, so we
re-encode runs of such characters byte by byte and decode them as UTF-8, restoring a lost final
byte only where the lead bytes leave exactly one sensible reading.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

import ftfy

# Bytes cp1252 leaves undefined: a reader that decodes with it loses them.
_CP1252_HOLES = (0x81, 0x8D, 0x8F, 0x90, 0x9D)

# Characters that a UTF-8 byte >= 0x80 turns into under cp874 or cp1252.
_BYTE_OF: dict[str, int] = {}
for _codec in ("cp874", "cp1252"):
    for _b in range(0x80, 0x100):
        try:
            _ch = bytes([_b]).decode(_codec)
        except UnicodeDecodeError:
            continue
        _BYTE_OF.setdefault(_ch, _b)
# Latin-1 control characters stand for themselves (a reader that kept unmapped bytes raw).
for _b in range(0x80, 0xA0):
    _BYTE_OF.setdefault(chr(_b), _b)

# A UTF-8 lead byte read through cp874 or cp1252, then continuation bytes read the same way.
_LEADS = "".join(ch for ch, b in _BYTE_OF.items() if 0xC2 <= b <= 0xF4)
_CONTS = "".join(ch for ch, b in _BYTE_OF.items() if 0x80 <= b <= 0xBF)
_MOJIBAKE_RUN = re.compile(f"[{re.escape(_LEADS)}][{re.escape(_CONTS)}]+")


class UndecodableError(ValueError):
    """The bytes are not text in any encoding we can trust."""


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes to text; return (text, encoding used).

    Raise UndecodableError for binary data and for text in a broken encoding (valid UTF-8
    mixed with bytes that are not), rather than guess. In order: a byte-order mark decides;
    valid UTF-8 is UTF-8 (whatever a server or a meta tag claims: mislabelled UTF-8 is common,
    legacy text that happens to be valid UTF-8 is not); then the declared charset; then a
    legacy single-byte code page (cp1252, or the one charset-normalizer finds for
    non-Latin scripts).
    """
    bom = _bom_encoding(data)
    if bom:
        try:
            text = data.decode(bom)
        except UnicodeDecodeError as exc:
            raise UndecodableError(f"broken text encoding: it starts with a {bom} byte-order "
                                   f"mark, but byte {exc.start} is not {bom}") from None
        return _not_binary(text.removeprefix("\ufeff"), bom), bom
    if b"\x00" in data[:8192]:
        wide = _bomless_utf16(data)
        if wide is None:
            raise UndecodableError("binary data (NUL bytes), not text")
        return wide
    try:
        return _not_binary(data.decode("utf-8"), "utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.end == len(data):
            # A download or copy cut inside the last character: drop that character only.
            return _not_binary(data[:exc.start].decode("utf-8"), "utf-8"), "utf-8"
        first_bad = exc.start
    codec = _codec_name(declared)
    if codec and codec != "utf-8":
        try:
            return _not_binary(data.decode(codec), codec), codec
        except UnicodeDecodeError:
            pass
    if _UTF8_MULTIBYTE.search(data):
        raise UndecodableError(f"broken text encoding: UTF-8 text mixed with bytes that are not "
                               f"UTF-8 (the first at byte {first_bad}); save it as UTF-8")
    return _legacy(data)


# A well-formed UTF-8 sequence of two to four bytes: text that has one is meant as UTF-8.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _bom_encoding(data: bytes) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return None


def _codec_name(declared: str | None) -> str | None:
    if not declared:
        return None
    try:
        name = codecs.lookup(declared.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None  # an unknown charset name: ignore the claim, sniff instead
    # Browsers read a page labelled ISO-8859-1 or ASCII as windows-1252; so do we.
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name


def _bomless_utf16(data: bytes) -> tuple[str, str] | None:
    """UTF-16 without a byte-order mark: mostly-ASCII text has a NUL in every other byte."""
    sample = data[:8192]
    even, odd = sample[0::2], sample[1::2]
    for zeros, codec in ((odd, "utf-16-le"), (even, "utf-16-be")):
        if zeros and zeros.count(0) / len(zeros) > 0.7 and len(data) % 2 == 0:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                return None
            if _control_ratio(text) <= 0.05:
                return text, codec
    return None


def _legacy(data: bytes) -> tuple[str, str]:
    """Text in a single-byte code page. cp1252 is the usual one; when it turns most letters
    into accented Latin ones ("Ïðåçèäåíò"), the text is in another script's code page."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    letters = [ch for ch in text if ch.isalpha()]
    foreign = sum(1 for ch in letters if ord(ch) > 0x7F)
    if letters and foreign / len(letters) > 0.25:
        from charset_normalizer import from_bytes

        try:
            best = from_bytes(data).best()
        except Exception:  # a detector failing on odd bytes means: we cannot tell
            best = None
        if best is None or best.encoding in ("utf_8", "ascii"):
            raise UndecodableError("text in an unknown encoding (not UTF-8)")
        return _not_binary(str(best), best.encoding), best.encoding
    return _not_binary(text, "cp1252"), "cp1252"


def _not_binary(text: str, encoding: str) -> str:
    if _control_ratio(text) > 0.05:
        raise UndecodableError(f"binary data, or text in an unknown encoding (read as "
                               f"{encoding} it is mostly control characters)")
    return text


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    # ASCII by regex; only the (usually few) other characters need a category lookup.
    bad = len(_ASCII_CONTROL.findall(text))
    bad += sum(1 for ch in _NON_ASCII.findall(text)
               if unicodedata.category(ch) in {"Cc", "Co", "Cn"})
    return bad / len(text)


_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def repair_text(text: str) -> tuple[str, int]:
    """Repair mojibake and normalise white space; return (text, number of repairs made)."""
    repaired, count = _repair_mixed_codepage(text)
    if repaired.isascii() and not _ASCII_FTFY_WORK.search(repaired):
        fixed = repaired  # what ftfy gives back: it has nothing to do (see _ASCII_FTFY_WORK)
    else:
        fixed = ftfy.fix_text(
            repaired,
            uncurl_quotes=False,  # keep good curly quotes
            fix_latin_ligatures=True,
            normalization="NFC",
        )
    if fixed != repaired:
        count += 1
    fixed = fixed.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    fixed = re.sub(r"[ \t]+\n", "\n", fixed)
    return fixed, count


# In ASCII text, ftfy (with the settings above) changes only HTML entities ("&amp;"), line
# breaks other than "\n" ("\r"), terminal escapes ("\x1b[…") and control characters: every
# other fix it makes is of characters beyond ASCII (mojibake, ligatures, widths, C1
# controls, surrogates, normal forms). ASCII text without these is its own repair, and most
# news text is ASCII: ftfy cost more than the rest of cleaning such a text.
_ASCII_FTFY_WORK = re.compile(r"[&\x00-\x08\x0b-\x1f\x7f]")


def _repair_mixed_codepage(text: str) -> tuple[str, int]:
    repairs = 0

    def fix(match: re.Match[str]) -> str:
        nonlocal repairs
        raw = bytes(_BYTE_OF[ch] for ch in match.group(0))
        decoded = _decode_with_lost_tail(raw)
        if decoded is None:
            return match.group(0)
        repairs += 1
        return decoded

    return _MOJIBAKE_RUN.sub(fix, text), repairs


def _decode_with_lost_tail(raw: bytes) -> str | None:
    """Decode UTF-8 byte runs; a sequence cut short by one byte gets the byte cp1252 loses."""
    out, i = [], 0
    while i < len(raw):
        lead = raw[i]
        need = 2 if 0xC2 <= lead <= 0xDF else 3 if 0xE0 <= lead <= 0xEF else 4
        chunk = raw[i:i + need]
        if len(chunk) == need and all(0x80 <= b <= 0xBF for b in chunk[1:]):
            try:
                out.append(chunk.decode("utf-8"))
                i += need
                continue
            except UnicodeDecodeError:
                return None
        if len(chunk) == need - 1 and need >= 3:
            # One byte short: try each byte cp1252 cannot show; accept it only when exactly one
            # of them makes a quotation mark (the only lost characters we can name for sure).
            options = []
            for hole in _CP1252_HOLES:
                try:
                    ch = (chunk + bytes([hole])).decode("utf-8")
                except UnicodeDecodeError:
                    continue
                if unicodedata.category(ch) in {"Pi", "Pf"}:
                    options.append(ch)
            if len(options) == 1:
                out.append(options[0])
                i += len(chunk)
                continue
        return None
    return "".join(out)


_MOJIBAKE_SIGNS = re.compile("โ€|â€|Ã[\u0080-\u00bf]|Â[\u00a0-\u00bf]|\ufffd")


def has_mojibake(text: str) -> bool:
    return bool(_MOJIBAKE_SIGNS.search(text))
