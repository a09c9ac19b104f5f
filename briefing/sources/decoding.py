"""Content-Encoding, decoded in bounded pieces, so a size limit holds while a body streams.

httpx decodes each network chunk in one call: 64 KB of gzip can become 64 MB before anyone
counts it, and its brotli and zstd decoders have no output bound at all (an 861-byte brotli
body once grew to 2 GB before the size check saw it). Here every decoder turns an iterator
of raw chunks into an iterator of decoded pieces of at most ``PIECE`` bytes (brotli's up to
about 1.5 times that), so the caller that counts them (``fetch``) stops a bomb after at most
one piece past its limit.

Only the encodings decoded here are offered in Accept-Encoding (``ACCEPT_ENCODING``).
"""

from __future__ import annotations

import io
import itertools
import zlib
from collections.abc import Callable, Generator, Iterator
from typing import Any

PIECE = 64 * 1024

# zstd frames name the window the decoder must allocate; RFC 9659 asks HTTP clients to
# accept 8 MB windows, and a larger one (up to 2 GB) is a way to make us allocate memory.
_ZSTD_MAX_WINDOW = 8 * 1024 * 1024

Chunks = Iterator[bytes]  # raw, as received
Pieces = Generator[bytes, None, None]  # decoded, PIECE bytes at most each


class DecodingError(Exception):
    """The body is not valid data in the encoding the server named."""


def _identity(chunks: Chunks) -> Pieces:
    for chunk in chunks:
        for start in range(0, len(chunk), PIECE):
            yield chunk[start:start + PIECE]


def _zlib(chunks: Chunks, wbits: int, name: str) -> Pieces:
    decoder = zlib.decompressobj(wbits)
    for chunk in chunks:
        data = chunk
        while data:
            try:
                piece = decoder.decompress(data, PIECE)
            except zlib.error as exc:
                raise DecodingError(f"bad {name} data ({exc})") from None
            data = decoder.unconsumed_tail
            if piece:
                yield piece
            # A full piece may leave output pending with no input left: ask again.
            while not data and len(piece) == PIECE:
                piece = decoder.decompress(b"", PIECE)
                if piece:
                    yield piece
            if decoder.eof:
                break
    try:
        tail = decoder.flush()  # all input consumed and output drained: at most a few bytes
    except zlib.error as exc:
        raise DecodingError(f"bad {name} data ({exc})") from None
    if tail:
        yield tail


def _gzip(chunks: Chunks) -> Pieces:
    return _zlib(chunks, zlib.MAX_WBITS | 16, "gzip")


def _deflate(chunks: Chunks) -> Pieces:
    # "deflate" is meant to be zlib-wrapped, but some servers send raw deflate; the first two
    # bytes tell which (a zlib header names method 8 and is a multiple of 31).
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= 2:
            break
    wrapped = len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0
    yield from _zlib(itertools.chain([head], chunks), zlib.MAX_WBITS if wrapped
                     else -zlib.MAX_WBITS, "deflate")


def _brotli(chunks: Chunks) -> Pieces:
    import brotli

    decoder = brotli.Decompressor()
    try:
        for chunk in chunks:
            # With a limit brotli keeps what did not fit, and empty input drains it (brotli
            # >= 1.2, see _brotli_streams). It grows its buffer in steps, so a piece can be
            # up to about 1.5 × PIECE (96 KiB measured), still a fixed bound.
            piece = decoder.process(chunk, output_buffer_limit=PIECE)
            while piece:
                yield piece
                piece = decoder.process(b"", output_buffer_limit=PIECE)
    except brotli.error as exc:
        raise DecodingError(f"bad brotli data ({exc})") from None


class _ChunkReader(io.RawIOBase):
    """A file over an iterator of chunks (zstandard's bounded reader wants a file)."""

    def __init__(self, chunks: Chunks):
        self._chunks, self._rest = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._rest:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._rest = chunk
        size = min(len(buffer), len(self._rest))
        buffer[:size], self._rest = self._rest[:size], self._rest[size:]
        return size


def _zstd(chunks: Chunks) -> Pieces:
    import zstandard

    decoder = zstandard.ZstdDecompressor(max_window_size=_ZSTD_MAX_WINDOW)
    # read(PIECE) returns at most PIECE bytes whatever the frame expands to.
    reader = decoder.stream_reader(_ChunkReader(chunks), read_size=PIECE,
                                   read_across_frames=True)
    try:
        while piece := reader.read(PIECE):
            yield piece
    except zstandard.ZstdError as exc:
        raise DecodingError(f"bad zstd data ({exc})") from None


def _brotli_streams() -> bool:
    try:
        import brotli
    except ImportError:
        return False
    return hasattr(brotli.Decompressor, "can_accept_more_data")  # the bounded API, 1.2+


def _zstd_available() -> bool:
    try:
        import zstandard  # noqa: F401
    except ImportError:
        return False
    return True


_DECODERS: dict[str, Callable[[Chunks], Pieces]] = {
    "gzip": _gzip, "x-gzip": _gzip, "deflate": _deflate,
    **({"br": _brotli} if _brotli_streams() else {}),
    **({"zstd": _zstd} if _zstd_available() else {}),
}
ACCEPT_ENCODING = ", ".join(name for name in ("gzip", "deflate", "br", "zstd")
                            if name in _DECODERS)
_IDENTITY = {"", "identity", "none"}
# Encodings a server may use but this install cannot undo (never offered). Any other unknown
# name ("utf-8", "binary" …) is a server's mistake for an unencoded body, read as is, as
# httpx does.
_UNDECODABLE = {"br", "zstd", "compress", "x-compress"}


def decoded(chunks: Chunks, content_encoding: str) -> Pieces:
    """The body of ``chunks`` (raw, as received) with ``content_encoding`` undone, in pieces
    of at most PIECE bytes. Raise DecodingError for an encoding this install cannot decode
    (it was not offered) or for data that is not valid in it."""
    codings = [c.strip().lower() for c in content_encoding.split(",")]
    stream = _identity(chunks)
    for coding in reversed(codings):  # the last coding named was applied last
        if coding in _IDENTITY:
            continue
        decoder = _DECODERS.get(coding)
        if decoder is None and coding not in _UNDECODABLE:
            continue
        if decoder is None:
            raise DecodingError(f"it is in the {coding!r} content encoding, which was not "
                                "asked for and cannot be decoded")
        stream = decoder(stream)
    return stream
