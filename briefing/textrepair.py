"""Bytes to trustworthy text: decode, then undo mojibake that ftfy leaves behind.

Seed 003 shows the hard case: UTF-8 quotes read through a mix of the Thai code page (cp874) and
cp1252, with the closing quote's last byte lost (0x9D has no cp1252 character, so the reader
dropped it). ``“`` became ``โ€œ`` and ``”`` became ``โ€``. ftfy does not undo that, so we
re-encode runs of such characters byte by byte and decode them as UTF-8, restoring a lost final
byte only where the lead bytes leave exactly one sensible reading.
"""

from __future__ import annotations

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
    """Decode bytes to text; return (text, encoding used). Raise UndecodableError for binary."""
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UndecodableError("binary data (NUL bytes), not text")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    candidates = [c for c in (declared, "utf-8") if c]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates.insert(0, "utf-16")
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    # Not UTF-8: a single-byte legacy page is the usual culprit. cp1252 is the common one on
    # the web; a text that needs many undefined bytes is probably binary.
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if _control_ratio(text) > 0.05:
        raise UndecodableError("binary data, or text in an unknown encoding")
    return text, "cp1252"


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text if unicodedata.category(ch) in {"Cc", "Co", "Cn"}
              and ch not in "\n\r\t\f")
    return bad / len(text)


def repair_text(text: str) -> tuple[str, int]:
    """Repair mojibake and normalise white space; return (text, number of repairs made)."""
    repaired, count = _repair_mixed_codepage(text)
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
