"""Bad input never stops a run and is never touched: each bad file gets one clear line, the
good articles are rendered, the exit status is 0, and every file stays byte-identical."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import SEEDS, run_cli, write_config

from briefing.errors import InputError
from briefing.records import RawDocument
from briefing.text.clean import clean_document
from briefing.text.repair import UndecodableError, decode_bytes

GERMAN = ("Die Bundesregierung hat am Montag in Berlin erklärt, dass sie die Ukraine weiter mit "
          "Geld und Ausrüstung unterstützen wird, und der Kanzler sagte, dass die Gespräche "
          "mit Russland fortgesetzt werden sollen, auch wenn die Lage an der Grenze sehr "
          "angespannt ist und die Soldaten dort bleiben.")
RUSSIAN = ("Министр иностранных дел России Сергей Лавров и государственный секретарь США "
           "Энтони Блинкен встретились в пятницу в Женеве и договорились продолжить диалог "
           "о гарантиях безопасности, хотя стороны не сообщили о прогрессе в главном вопросе "
           "о расширении альянса на восток.")
ENGLISH = ("The foreign ministers met in Geneva on Friday for talks that both sides called "
           "frank and useful. They agreed to continue the dialogue next week, and each side "
           "promised written answers to the other's proposals on security guarantees.")
TRUNCATED_FEED = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Saved</title>'
                  b"<item><title>Talks in Geneva</title><guid>g1</guid><description>"
                  + ENGLISH.encode() + b"</description></item><item><title>Second")


def bad_inputs() -> dict[str, tuple[bytes, str]]:
    """file name -> (content, a phrase its one line must contain)."""
    return {
        "photo.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
                      "binary data"),
        "empty.txt": (b"", "empty file"),
        "blank.md": (b"  \n\n\t\n", "empty file"),
        "huge.txt": (((ENGLISH + "\n\n") * 80).encode(), "over the limit of 10,000"),
        "mixed-encoding.txt": (ENGLISH.encode() + " “quoted” ".encode() +
                               "caf\xe9 na\xefve".encode("latin-1") + ENGLISH.encode(),
                               "broken text encoding"),
        "german.txt": (GERMAN.encode(), "German (de)"),
        "russian-cp1251.txt": (RUSSIAN.encode("cp1251"), "Russian (ru)"),
        "saved-feed.xml": (TRUNCATED_FEED, "truncated"),
        "broken.json": (b'{"title": "Talks", "text": "The ministers met', "invalid JSON"),
        "scan.pdf": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "unsupported file type '.pdf'"),
    }


def snapshot(folder: Path) -> dict[str, tuple[str, int, int]]:
    """Every file and folder below ``folder``: content hash (files), mtime, mode."""
    return {str(p.relative_to(folder)): (
        hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir",
        p.stat().st_mtime_ns, p.stat().st_mode) for p in sorted(folder.rglob("*"))}


def test_folder_of_bad_inputs_beside_two_good_articles(tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = [next(SEEDS.glob(f"{n}_*.txt")) for n in ("001", "004")]
    for seed in good:
        shutil.copy(seed, inbox / seed.name)
    cases = bad_inputs()
    for name, (content, _) in cases.items():
        (inbox / name).write_bytes(content)
    (inbox / "nested").mkdir()
    (inbox / "nested" / "also-empty.txt").write_bytes(b"")
    config = write_config(tmp_path, sources=[{"path": "inbox/"}],
                          fetch={"max_bytes": 10_000})
    before = snapshot(inbox)

    code, out, err = run_cli("--config", str(config), "render", "--format", "json,md")

    assert code == 0, err
    lines = [line for line in err.splitlines() if line.strip()]
    expected = {f"inbox/{name}": phrase for name, (_, phrase) in cases.items()}
    expected["inbox/nested/also-empty.txt"] = "empty file"
    assert len(lines) == len(expected), err
    for line in lines:
        assert line.startswith("skipped inbox/"), line
        origin, reason = line.removeprefix("skipped ").split(": ", 1)
        assert expected[origin] in reason, line
    assert {line.removeprefix("skipped ").split(": ", 1)[0] for line in lines} == set(expected)

    data = json.loads(next(tmp_path.glob("output/*/briefing.json")).read_text())
    assert data["stats"]["articles_considered"] == 2
    assert {Path(a["path"]).name for a in data["articles"]} <= {p.name for p in good}
    assert data["sections"] and any(s["items"] for s in data["sections"])
    assert snapshot(inbox) == before  # nothing changed, moved, added or deleted

    # The reasons are kept and shown by `briefing sources`.
    code, out, err = run_cli("--config", str(config), "sources")
    assert code == 0
    for name, (_, phrase) in cases.items():
        assert f"! inbox/{name}: " in out and phrase in out, name
    assert "problems    11 in the last fetch" in out


def test_a_run_with_only_bad_inputs_exits_1_and_says_why(tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "empty.txt").write_bytes(b"")
    config = write_config(tmp_path, sources=[{"path": "inbox/"}])
    code, out, err = run_cli("--config", str(config), "render", "--format", "json")
    assert code == 1
    assert err.strip() == "skipped inbox/empty.txt: empty file"
    assert "nothing to render" in out


def test_missing_folder_is_one_line_and_other_sources_go_on(tmp_path: Path):
    shutil.copy(next(SEEDS.glob("001_*.txt")), tmp_path / "one.txt")
    config = write_config(tmp_path, sources=[{"path": "missing/"}, {"path": "one.txt"}])
    code, out, err = run_cli("--config", str(config), "render", "--format", "json")
    assert code == 0
    assert err.strip().endswith("missing: no such file or folder")


def test_read_only_input_files_are_read_and_left_read_only(tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    copy = inbox / "article.txt"
    shutil.copy(next(SEEDS.glob("004_*.txt")), copy)
    copy.chmod(0o444)
    inbox.chmod(0o555)
    try:
        before = snapshot(inbox)
        config = write_config(tmp_path, sources=[{"path": "inbox/"}])
        code, _, err = run_cli("--config", str(config), "render", "--format", "json")
        assert code == 0, err
        assert snapshot(inbox) == before
    finally:
        inbox.chmod(0o755)


# --- decoding: what is repaired, what is refused -------------------------------------------


def test_utf16_without_a_byte_order_mark_is_read():
    text, encoding = decode_bytes(ENGLISH.encode("utf-16-le"))
    assert text == ENGLISH and encoding == "utf-16-le"


def test_utf16_and_utf8_with_byte_order_marks():
    assert decode_bytes(ENGLISH.encode("utf-16"))[0] == ENGLISH
    assert decode_bytes(b"\xef\xbb\xbf" + ENGLISH.encode())[0] == ENGLISH


def test_windows_1252_text_is_read_as_such():
    text, encoding = decode_bytes("The minister’s “frank” talks — in Genève.".encode("cp1252"))
    assert text == "The minister’s “frank” talks — in Genève." and encoding == "cp1252"


def test_a_character_cut_at_the_very_end_is_dropped_not_fatal():
    data = (ENGLISH + " “end”").encode()[:-2]
    text, _ = decode_bytes(data)
    assert text == ENGLISH + " “end"


def test_utf8_mixed_with_other_bytes_is_refused_with_the_position():
    data = "Kyiv’s ".encode() + b"caf\xe9 " + ENGLISH.encode()
    with pytest.raises(UndecodableError, match=r"broken text encoding.*byte 12"):
        decode_bytes(data)


def test_valid_utf8_wins_over_a_wrong_declared_charset():
    text, encoding = decode_bytes("Kyiv’s “talks”".encode(), "iso-8859-1")
    assert text == "Kyiv’s “talks”" and encoding == "utf-8"


def test_cyrillic_legacy_code_page_is_recognised_and_reported_as_russian():
    text, _ = decode_bytes(RUSSIAN.encode("cp1251"))
    assert text == RUSSIAN


def test_html_page_charset_from_meta_tag_or_server():
    body = f"<p>{ENGLISH} Café “Genève” visit.</p>" * 3
    page = (f'<html><head><meta charset="windows-1252"><title>Talks</title></head>'
            f"<body><article>{body}</article></body></html>").encode("cp1252")
    article = clean_document(RawDocument(origin="p.html", content=page, media_type="text/html"))
    assert "Café “Genève”" in article.text
    served = page.replace(b'<meta charset="windows-1252">', b"")
    article = clean_document(RawDocument(origin="u", content=served, media_type="text/html",
                                         encoding="cp1252"))
    assert "Café “Genève”" in article.text


@pytest.mark.parametrize("content", [
    b'[[[[[[[[[[' * 20_000,  # nested deeper than the parser recurses
    b'{"text": ' + b"1" * 6000 + b"}",  # a number too long to convert
    b'{"headline": "x"}',
    b"[]",
])
def test_hostile_json_is_one_input_error(tmp_path, content):
    from briefing.config import settings_from_mapping
    from briefing.sources.files import iter_path

    (tmp_path / "a.json").write_bytes(content)
    settings = settings_from_mapping({}, base_dir=tmp_path)
    results = list(iter_path(tmp_path / "a.json", settings))
    errors = []
    for item in results:
        if isinstance(item, RawDocument):
            try:
                clean_document(item)
            except InputError as exc:
                errors.append(exc)
        elif isinstance(item, InputError):
            errors.append(item)
    assert len(errors) == 1 and errors[0].origin == "a.json", errors


def test_json_article_list_and_html_body():
    from briefing.sources.files import json_documents

    body = "".join(f"<p>{s}.</p>" for s in ENGLISH.split(". "))
    data = json.dumps({"articles": [{"title": "Talks", "body": body, "url":
                                     "https://x.example/talks", "source": "X News"}]})
    [doc] = list(json_documents(data.encode(), "feed.json"))
    article = clean_document(doc)
    assert article.title == "Talks" and article.source == "X News"
    assert "<p>" not in article.text and "frank and useful" in article.text


def test_an_entry_with_nothing_that_reads_as_news_is_stored_and_told(tmp_path):
    # A TV show's transcript entry: a label as headline, a guest list as text. Beside it a
    # real brief, which is briefed.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "show.json").write_text(json.dumps({
        "title": "Transcript: The Evening Hour, 2/21/22",
        "text": "Guests: Anna Berg, Olav Lund, Kari Dahl"}), encoding="utf-8")
    (inbox / "news.json").write_text(json.dumps({
        "title": "Bergen ferries resume",
        "text": "Ferries between Bergen and Stavanger resumed on Monday after a two-day "
                "strike ended, the operator Fjord Line said."}), encoding="utf-8")
    config = write_config(tmp_path, sources=[{"path": str(inbox)}], window_hours=0,
                          output_dir=str(tmp_path / "out"), state_dir=str(tmp_path / "state"))
    code, out, err = run_cli("--config", str(config), "render", "--format", "json")
    assert code == 0, err
    assert "1 article(s) with no line that reads as news on its own" in out
    data = json.loads(next((tmp_path / "out").glob("*/briefing.json")).read_text("utf-8"))
    assert data["stats"]["nothing_to_brief"] == 1
    texts = [i["text"] for s in data["sections"] for i in s["items"]]
    assert any("Ferries between Bergen" in t for t in texts)
    assert not any("Transcript" in t or "Guests" in t for t in texts)


def test_an_article_whose_url_is_no_web_address_renders_without_a_link(tmp_path):
    # "http://[" made the URL parser raise while the HTML's source line was written; a
    # bad port is no address either, nor a number. Each article is briefed, linked to nothing.
    # briefing.json keeps each as the article gave it (as text).
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    texts = {"ferry": "Ferries between Bergen and Stavanger resumed on Monday after a two-day "
                      "strike ended, the operator Fjord Line said.",
             "bridge": "The Hardanger bridge reopened to traffic on Tuesday after engineers "
                       "in Bergen repaired a damaged cable, the roads agency said.",
             "port": "Cruise ships returned to the port of Bergen on Wednesday for the first "
                     "time since the storm, the harbour authority said."}
    for (name, text), url in zip(texts.items(), ["http://[broken/a", 5,
                                                 "https://x.example:99999/b"], strict=True):
        (inbox / f"{name}.json").write_text(json.dumps({"title": name, "text": text,
                                                        "url": url}), encoding="utf-8")
    config = write_config(tmp_path, sources=[{"path": str(inbox)}], window_hours=0,
                          output_dir=str(tmp_path / "out"), state_dir=str(tmp_path / "state"))
    code, out, err = run_cli("--config", str(config), "render", "--format", "json,html")
    assert code == 0 and "Traceback" not in err, err
    data = json.loads(next((tmp_path / "out").glob("*/briefing.json")).read_text("utf-8"))
    assert sorted(str(a.get("url")) for a in data["articles"]) == [
        "5", "http://[broken/a", "https://x.example:99999/b"]
    page = next((tmp_path / "out").glob("*/briefing.html")).read_text("utf-8")
    hrefs = " ".join(re.findall(r'href="([^"]*)"', page))
    assert "99999" not in hrefs and "http://[" not in hrefs


def test_dates_at_the_ends_of_the_calendar_render_without_a_traceback(tmp_path):
    # Found in review: a day after December 31, 9999 does not exist, nor a week before
    # January 1 of year 1; the window and the weekday dating both reached for one.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, published in [("late", "9999-12-31"), ("early", "0001-01-01")]:
        (inbox / f"{name}.json").write_text(json.dumps({
            "title": name, "published": published,
            "text": f"Ferries between Bergen and Stavanger resumed on Monday after the {name} "
                    "strike ended, the operator Fjord Line said."}), encoding="utf-8")
    (inbox / "stamped.txt").write_text(
        "Friday, December 31, 9999\nThe Hardanger bridge reopened on Tuesday after engineers "
        "in Bergen repaired a damaged cable, the roads agency said.", encoding="utf-8")
    config = write_config(tmp_path, sources=[{"path": str(inbox)}], window_hours=36,
                          output_dir=str(tmp_path / "out"), state_dir=str(tmp_path / "state"))
    code, out, err = run_cli("--config", str(config), "render", "--format", "json")
    assert code == 0 and "Traceback" not in err, err


# --- issue 28, "also seen" ------------------------------------------------------------------

NOT_DATES = {"first": float("nan"), "second": float("inf"), "third": True,
             "fourth": 1700000000, "fifth": "2022"}


def test_a_published_value_that_is_no_date_is_no_date_and_said_once(tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    seeds = sorted(SEEDS.glob("*.txt"))
    for (name, value), seed in zip(NOT_DATES.items(), seeds, strict=False):
        # json.dumps writes NaN and Infinity, as many exporters do
        (inbox / f"{name}.json").write_text(json.dumps(
            {"title": f"Report {name}", "published": value,
             "text": seed.read_text(encoding="utf-8")}), encoding="utf-8")
    config = write_config(tmp_path, sources=[{"path": "inbox/"}])
    code, out, err = run_cli("--config", str(config), "render", "--format", "json,md")
    assert code == 0, err
    notes = [line for line in err.splitlines() if line.startswith("note: ")]
    assert len(notes) == len(NOT_DATES), err
    for line in notes:
        assert "is not a date; the article is taken as undated" in line
    day = next(p for p in (tmp_path / "output").iterdir() if p.is_dir())
    data = json.loads((day / "briefing.json").read_text(encoding="utf-8"))
    assert [a["published"] for a in data["articles"]] == [None] * len(data["articles"])
    sources_list = (day / "briefing.md").read_text(encoding="utf-8").split("## Sources")[-1]
    for shown in ("nan", "inf", "True", "1700000000"):
        assert not re.search(rf"\b{shown}\b", sources_list), shown
    # Said once: the next run reads the same files without a word about them.
    code, _, err = run_cli("--config", str(config), "render", "--format", "json")
    assert code == 0 and "note: " not in err, err


def _deep_page(depth: int, tag: str = "div") -> bytes:
    paragraphs = "".join(f"<p>{line}</p>" for line in
                         next(SEEDS.glob("004_*.txt")).read_text(encoding="utf-8").split("\n")
                         if line.strip())
    return (f"<html><head><title>Blinken heads to Ukraine</title></head><body>"
            f"{f'<{tag}>' * depth}<article>{paragraphs}</article>{f'</{tag}>' * depth}"
            "</body></html>").encode()


@pytest.mark.parametrize("depth", [300, 3000])
def test_an_article_in_deeply_nested_markup_is_read(depth):
    """libxml2 builds no element deeper than 256: the page is read without its wrappers."""
    raw = RawDocument(origin="deep.html", content=_deep_page(depth), media_type="text/html")
    article = clean_document(raw)
    assert "Blinken" in article.text and len(article.paragraphs) > 5


def test_a_page_too_deep_even_without_wrappers_says_why():
    raw = RawDocument(origin="deep.html", content=_deep_page(400, "blockquote"),
                      media_type="text/html")
    with pytest.raises(InputError, match=r"nests 40\d elements deep, past the HTML "
                                         r"parser's limit of 255"):
        clean_document(raw)


def test_one_exit_status_rule_for_a_render_that_writes_nothing(tmp_path: Path):
    """1 when the inputs gave nothing usable, 0 when there was only nothing new."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    config = write_config(tmp_path, sources=[{"path": "inbox/"}])
    code, out, _ = run_cli("--config", str(config), "render", "--format", "json")
    assert (code, "No articles found" in out) == (1, True), out
    # A chronology (a listing): read, but no line of it is a fact to summarise.
    lines = ["Air raid sirens sounded across the capital and residents went to shelters.",
             "The mayor said the metro stations were open as shelters for everyone.",
             "Officials reported that power was restored in three districts of the city.",
             "Rescue teams cleared debris from a damaged apartment building in the north.",
             "The foreign minister spoke with his counterparts in Paris and Berlin by phone.",
             "Schools in the region announced they would teach online until Monday."]
    (inbox / "timeline.txt").write_text("Timeline of the day in Kyiv\n\n" + "\n".join(
        f"{8 + n:02d}:00 – {line}" for n, line in enumerate(lines)) + "\n", encoding="utf-8")
    code, out, _ = run_cli("--config", str(config), "render", "--format", "json")
    assert (code, "none had sentences to summarise" in out) == (1, True), out
    shutil.copy(next(SEEDS.glob("004_*.txt")), inbox / "news.txt")
    code, out, _ = run_cli("--config", str(config), "render", "--format", "json")
    assert code == 0 and "Briefing of" in out, out
    code, out, _ = run_cli("--config", str(config), "render", "--format", "json")
    assert (code, "No new articles since the last briefing" in out) == (0, True), out
