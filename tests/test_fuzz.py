"""Arbitrary input never crashes the cleaner or the parsers: the only failure allowed is an
InputError (or UndecodableError from the decoder), which the pipeline reports and skips."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from briefing.config import Source, settings_from_mapping
from briefing.errors import InputError
from briefing.records import Article, RawDocument
from briefing.sources.feeds import feed_documents
from briefing.sources.files import json_documents
from briefing.text.boilerplate import strip_boilerplate
from briefing.text.clean import clean_document
from briefing.text.html import html_fragment_text
from briefing.text.language import detect_language
from briefing.text.repair import UndecodableError, decode_bytes, repair_text

FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
MEDIA_TYPES = ["text/plain", "text/markdown", "text/html", "application/json"]
SETTINGS = settings_from_mapping({}, base_dir=Path.cwd())
FEED_SOURCE = Source(kind="feed", target="https://feeds.example/rss")

SAMPLE_FEED = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
    b'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>'
    b"<item><title>One &amp; two</title><guid>1</guid><link>https://x.example/1</link>"
    b"<description>The ministers met in Geneva on Friday and agreed to keep talking about "
    b"security guarantees, both sides said after the meeting ended.</description>"
    b"<content:encoded><![CDATA[<p>First <b>paragraph</b>.</p><figure>x</figure>]]>"
    b"</content:encoded></item></channel></rss>")
SAMPLE_JSON = b'{"title": "Talks", "text": "The ministers met in Geneva.", "url": "u"}'

# Bytes that look like text, markup and mojibake more often than uniform random bytes do.
texty_bytes = st.one_of(
    st.binary(max_size=3000),
    st.text(max_size=1500).map(lambda t: t.encode("utf-8")),
    st.lists(st.sampled_from(list("<>/=\"' abcdefhilmnoprstuvwxyz.\n&#;")
                             + ["<p>", "</p>", "<html>", "<body>", "<script>", "The ", "said ",
                                "â€œ", "โ€", "\u00a0", "\ufffd", "ï»¿"]),
             max_size=400).map(lambda parts: "".join(parts).encode("utf-8")),
    st.text(max_size=500).map(lambda t: t.encode("cp1252", errors="replace")),
)


def mutated(sample: bytes) -> st.SearchStrategy[bytes]:
    """The sample cut short, or with random bytes spliced in: near-misses of valid input."""
    cut = st.integers(0, len(sample)).map(lambda n: sample[:n])
    spliced = st.tuples(st.integers(0, len(sample)), st.integers(0, 40),
                        st.binary(max_size=40)).map(
        lambda t: sample[:t[0]] + t[2] + sample[t[0] + t[1]:])
    return st.one_of(cut, spliced)


@FUZZ
@given(texty_bytes, st.sampled_from(MEDIA_TYPES), st.sampled_from([None, "utf-8", "cp1251",
                                                                   "bogus-charset"]))
@example(b"\x00" * 10, "text/plain", None)
@example(b"\xff\xfe" + b"\x00\xd8" * 10, "text/plain", None)  # UTF-16 with lone surrogates
@example(b"<html><body>" + b"<div>" * 5000, "text/html", None)
def test_clean_document_raises_only_input_errors(content, media_type, encoding):
    raw = RawDocument(origin="fuzz", content=content, media_type=media_type,
                      encoding=encoding, path="fuzz.txt")
    try:
        article = clean_document(raw)
    except InputError as exc:
        assert exc.origin == "fuzz" and exc.reason
        return
    assert isinstance(article, Article) and article.text.strip() and article.title


@FUZZ
@given(st.binary(max_size=4000), st.sampled_from([None, "utf-8", "latin-1", "shift_jis",
                                                  "no-such-codec"]))
def test_decode_bytes_gives_text_or_undecodable(data, declared):
    try:
        text, encoding = decode_bytes(data, declared)
    except UndecodableError as exc:
        assert str(exc)
        return
    assert isinstance(text, str) and encoding


@FUZZ
@given(st.text(max_size=3000))
def test_repair_and_strip_boilerplate_take_any_text(text):
    repaired, count = repair_text(text)
    assert isinstance(repaired, str) and count >= 0
    paragraphs, notes = strip_boilerplate(repaired)
    assert all(isinstance(p, str) and p for p in paragraphs)
    assert all(isinstance(n, str) for n in notes)
    detect_language(repaired)


@FUZZ
@given(st.text(max_size=2000))
def test_html_fragment_text_takes_any_markup(fragment):
    text = html_fragment_text(fragment)
    assert isinstance(text, str) and "\n\n\n" not in text


def _feed_items(content: bytes, fetch_links: bool = False) -> list:
    return list(feed_documents(content, "https://feeds.example/rss", FEED_SOURCE, SETTINGS,
                               fetch_links=fetch_links))


@FUZZ
@given(st.one_of(texty_bytes, mutated(SAMPLE_FEED)))
@example(SAMPLE_FEED)
@example(b"<rss version='2.0'><channel>" + b"<item>" * 3000)
@example(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
         b'<rss version="2.0"><channel><item><description>&b;</description></item>'
         b"</channel></rss>")
@example(b"<rss version='2.0'><channel><item><link>http://[</link></item></channel></rss>")
def test_feed_parsing_yields_documents_or_input_errors(content):
    for item in _feed_items(content):
        assert isinstance(item, RawDocument | InputError)
        if isinstance(item, RawDocument):
            with contextlib.suppress(InputError):
                clean_document(item)


def test_an_entry_whose_link_does_not_parse_is_kept_without_it():
    # Found by the fuzz test above: "http://[" made the URL parser raise mid-feed.
    feed = (b"<rss version='2.0'><channel><title>Wire</title><item><title>Talks in Geneva"
            b"</title><link>http://[broken/geneva</link><description>Blinken met Lavrov in "
            b"Geneva on Friday.</description></item></channel></rss>")
    [document] = _feed_items(feed)
    assert isinstance(document, RawDocument)
    assert document.url is None and document.title == "Talks in Geneva"


@FUZZ
@given(st.one_of(texty_bytes, mutated(SAMPLE_JSON),
                 st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=50),
                              lambda inner: st.lists(inner, max_size=4)
                              | st.dictionaries(st.sampled_from(
                                  ["text", "title", "body", "url", "date", "articles", "x"]),
                                  inner, max_size=4), max_leaves=20)
                 .map(lambda v: json.dumps(v).encode())))
@example(b"[" * 100_000)
def test_json_files_yield_documents_or_input_errors(content):
    for item in json_documents(content, "fuzz.json"):
        assert isinstance(item, RawDocument | InputError)
        if isinstance(item, RawDocument):
            with contextlib.suppress(InputError):
                clean_document(item)


def test_an_entry_link_with_a_raw_space_is_kept_encoded():
    feed = (b"<rss version='2.0'><channel><title>Wire</title><item><title>Talks</title>"
            b"<link>https://wire.example/talks in geneva</link><description>Blinken met "
            b"Lavrov in Geneva on Friday.</description></item></channel></rss>")
    [document] = _feed_items(feed)
    assert document.url == "https://wire.example/talks%20in%20geneva"
